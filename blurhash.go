package media

import (
	"fmt"
	"image"

	"github.com/buckket/go-blurhash"
)

// Blurhash parameters as Mastodon computes them for the small variant: 4x4
// components on the image fitted into a 100x100 box, small images scaled up
// to it.
const (
	blurhashComponents = 4
	blurhashBox        = 100
)

// computeBlurhash returns the blurhash of the small variant. The image is
// fitted into a 100x100 box (scaling up when smaller) and its alpha is
// dropped: the colour channels are un-premultiplied and set fully opaque,
// because go-blurhash reads colours through RGBA(), which is premultiplied.
func computeBlurhash(small picture) (string, error) {
	sw, sh := small.size()
	w, h := fitInside(sw, sh, blurhashBox, blurhashBox, true)
	scaled, err := small.scaled(w, h)
	if err != nil {
		return "", err
	}
	return encodeBlurhash(scaled.straightRGB(), blurhashComponents, blurhashComponents)
}

// encodeBlurhash encodes an opaque image with x by y components.
func encodeBlurhash(img *image.NRGBA, x, y int) (string, error) {
	hash, err := blurhash.Encode(x, y, img)
	if err != nil {
		return "", fmt.Errorf("media: computing blurhash: %w", err)
	}
	return hash, nil
}
