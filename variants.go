package media

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"

	xdraw "golang.org/x/image/draw"
)

// FitPixels returns the size of a w x h image fitted to a budget of pixels
// by Mastodon's rule (its libvips thumbnailer since 4.0): when w*h exceeds
// the budget, the box is round(sqrt(P*w/h)) x round(sqrt(P*h/w)) and the
// image is scaled down to fit inside that box keeping its aspect ratio, each
// side rounded half away from zero. Images within the budget keep their
// size; images are never scaled up. Both results are at least 1.
//
// 600x400 with 230,400 px gives 588x392; 640x480 gives 554x416, and 461x346
// with a budget of 160,000 px.
func FitPixels(w, h, budget int) (int, int) {
	if w <= 0 || h <= 0 || budget <= 0 || w*h <= budget {
		return w, h
	}
	boxW := int(math.Round(math.Sqrt(float64(budget) * float64(w) / float64(h))))
	boxH := int(math.Round(math.Sqrt(float64(budget) * float64(h) / float64(w))))
	return fitInside(w, h, max(boxW, 1), max(boxH, 1), false)
}

// fitInside scales w x h to fit inside boxW x boxH keeping the aspect ratio,
// as libvips' thumbnail does: the scale is the larger of w/boxW and h/boxH,
// and the other side is rounded half away from zero. With upscale false the
// size never grows. The arithmetic is exact integer arithmetic, so half-way
// cases such as 640x480 into 554x416 (height 415.5) round as intended.
func fitInside(w, h, boxW, boxH int, upscale bool) (int, int) {
	if !upscale && w <= boxW && h <= boxH {
		return w, h
	}
	var outW, outH int
	if int64(w)*int64(boxH) >= int64(h)*int64(boxW) {
		// Width is the binding side: scale = w/boxW.
		outW = boxW
		outH = int((2*int64(h)*int64(boxW) + int64(w)) / (2 * int64(w)))
	} else {
		outH = boxH
		outW = int((2*int64(w)*int64(boxH) + int64(h)) / (2 * int64(h)))
	}
	return max(outW, 1), max(outH, 1)
}

// toRGBA returns the pixels of img as premultiplied RGBA with bounds at the
// origin. It returns img itself when it already is such an image.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	if rgba, ok := img.(*image.RGBA); ok && b.Min == (image.Point{}) {
		return rgba
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// drawOver composites src over dst at src's own position.
func drawOver(dst draw.Image, src image.Image) {
	draw.Draw(dst, src.Bounds(), src, src.Bounds().Min, draw.Over)
}

// orient returns img transformed from its stored layout to its displayed
// layout for an EXIF orientation (TIFF tag 0x0112) value. Values 0 and 1,
// and values outside 1..8, return img unchanged. Orientations 5 to 8 swap
// width and height.
func orient(img *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return img
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// source returns the stored pixel shown at display position (x, y).
	var source func(x, y int) (int, int)
	switch orientation {
	case 2: // mirrored horizontally
		source = func(x, y int) (int, int) { return w - 1 - x, y }
	case 3: // rotated 180 degrees
		source = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
	case 4: // mirrored vertically
		source = func(x, y int) (int, int) { return x, h - 1 - y }
	case 5: // transposed: row 0 is the left side, column 0 the top
		source = func(x, y int) (int, int) { return y, x }
	case 6: // row 0 is the right side, column 0 the top: turn 90 degrees clockwise
		source = func(x, y int) (int, int) { return y, h - 1 - x }
	case 7: // transversed: row 0 is the right side, column 0 the bottom
		source = func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }
	case 8: // row 0 is the left side, column 0 the bottom: turn 90 degrees anticlockwise
		source = func(x, y int) (int, int) { return w - 1 - y, x }
	}
	for y := 0; y < dh; y++ {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+dw*4]
		for x := 0; x < dw; x++ {
			sx, sy := source(x, y)
			i := sy*img.Stride + sx*4
			copy(row[x*4:x*4+4], img.Pix[i:i+4])
		}
	}
	return dst
}

// isOpaque reports whether every pixel of img has full alpha.
func isOpaque(img *image.RGBA) bool {
	for y := 0; y < img.Rect.Dy(); y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+img.Rect.Dx()*4]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 0xff {
				return false
			}
		}
	}
	return true
}

// flattenOnWhite returns img composited over white, so that transparent
// pixels do not turn black in a format without alpha.
func flattenOnWhite(img *image.RGBA) *image.RGBA {
	dst := image.NewRGBA(img.Rect)
	for y := 0; y < img.Rect.Dy(); y++ {
		src := img.Pix[y*img.Stride : y*img.Stride+img.Rect.Dx()*4]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+img.Rect.Dx()*4]
		for i := 0; i < len(src); i += 4 {
			// Premultiplied over white: c + 255 - a per channel.
			inv := 255 - src[i+3]
			out[i] = src[i] + inv
			out[i+1] = src[i+1] + inv
			out[i+2] = src[i+2] + inv
			out[i+3] = 0xff
		}
	}
	return dst
}

// encode writes img in the given output format ("jpeg" or "png").
func encode(img *image.RGBA, format string, quality int) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case "jpeg":
		if !isOpaque(img) {
			img = flattenOnWhite(img)
		}
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
			return nil, fmt.Errorf("media: encoding JPEG: %w", err)
		}
	case "png":
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("media: encoding PNG: %w", err)
		}
	default:
		return nil, fmt.Errorf("media: no encoder for output format %q", format)
	}
	return buf.Bytes(), nil
}

// scaleRGBA returns img resampled to w x h.
func scaleRGBA(img *image.RGBA, w, h int) *image.RGBA {
	if img.Rect.Dx() == w && img.Rect.Dy() == h {
		return img
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(dst, dst.Rect, img, img.Rect, xdraw.Src, nil)
	return dst
}
