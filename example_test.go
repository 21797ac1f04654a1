package media_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/fedimedia/media"
)

func Example() {
	proc, err := media.New(media.Options{}) // Mastodon's defaults
	if err != nil {
		log.Fatal(err)
	}
	upload, err := os.Open("testdata/mastodon/600x400.png")
	if err != nil {
		log.Fatal(err)
	}
	defer upload.Close()

	res, err := proc.Process(context.Background(), upload, media.Request{
		Description: "A test pattern",
		Focus:       "0.5,-0.25",
	})
	if err != nil {
		log.Fatal(err)
	}
	a := res.Attachment
	fmt.Println(a.Type, res.MIME)
	fmt.Println("original:", a.Meta.Original.Size, res.Original.ContentType)
	fmt.Println("small:", a.Meta.Small.Size, res.Small.ContentType)
	fmt.Println("focus:", a.Meta.Focus)
	fmt.Println("blurhash characters:", len(a.Blurhash))

	// A server stores the files, then sets the id and the URLs.
	a.ID = "116123456789012345"
	name := media.NewFileName()
	key, _ := media.StorageKey(a.ID, "original", name, res.Original.Ext)
	a.URL = "https://files.example/" + key
	// Output:
	// image image/png
	// original: 600x400 image/png
	// small: 588x392 image/png
	// focus: 0.5,-0.25
	// blurhash characters: 36
}
