module fedimedia.example/compare

go 1.26.8

require (
	github.com/buckket/go-blurhash v1.1.0
	github.com/disintegration/imaging v1.6.2
	golang.org/x/image v0.48.0
)
