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
func computeBlurhash(small *image.RGBA) (string, error) {
	w, h := fitInside(small.Rect.Dx(), small.Rect.Dy(), blurhashBox, blurhashBox, true)
	return encodeBlurhash(scaleRGBA(small, w, h), blurhashComponents, blurhashComponents)
}

// encodeBlurhash encodes img with x by y components after converting it to
// opaque, un-premultiplied RGB with its bounds at the origin.
func encodeBlurhash(scaled *image.RGBA, x, y int) (string, error) {
	w, h := scaled.Rect.Dx(), scaled.Rect.Dy()
	opaque := image.NewNRGBA(image.Rect(0, 0, w, h))
	for row := 0; row < h; row++ {
		src := scaled.Pix[row*scaled.Stride : row*scaled.Stride+w*4]
		dst := opaque.Pix[row*opaque.Stride : row*opaque.Stride+w*4]
		for i := 0; i < len(src); i += 4 {
			a := uint32(src[i+3])
			for c := 0; c < 3; c++ {
				v := uint32(src[i+c])
				if a != 0 && a != 0xff {
					v = (v*0xff + a/2) / a
				}
				dst[i+c] = uint8(min(v, 0xff))
			}
			dst[i+3] = 0xff
		}
	}
	hash, err := blurhash.Encode(x, y, opaque)
	if err != nil {
		return "", fmt.Errorf("media: computing blurhash: %w", err)
	}
	return hash, nil
}
