module github.com/fedimedia/media

go 1.26.8

require (
	github.com/buckket/go-blurhash v1.1.0
	github.com/gabriel-vasile/mimetype v1.4.16
	golang.org/x/image v0.48.0
)
