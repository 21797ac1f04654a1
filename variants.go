package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"runtime"
	"sync"

	"github.com/fedimedia/media/internal/jpegenc"
	"github.com/fedimedia/media/internal/pngenc"
	"github.com/fedimedia/media/internal/resize"
)

// FitPixels returns the size of a w x h image fitted to a budget of pixels
// by Mastodon's rule (its libvips thumbnailer since 4.0). When w*h exceeds
// the budget P, the box is round(sqrt(P*w/h)) x round(sqrt(P*h/w)). The
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

// picture holds decoded pixels in one of two layouts: the Y, Cb and Cr
// planes of an opaque photo (JPEG at 4:2:0 or 4:4:4), which are resized and
// encoded without ever converting to RGB, or premultiplied RGBA for
// everything else. Exactly one field is set, with bounds at the origin.
type picture struct {
	ycc  *image.YCbCr
	rgba *image.RGBA
}

// newPicture wraps a decoded image.
func newPicture(img image.Image) picture {
	if ycc, ok := img.(*image.YCbCr); ok && ycc.Rect.Min == (image.Point{}) &&
		(ycc.SubsampleRatio == image.YCbCrSubsampleRatio420 || ycc.SubsampleRatio == image.YCbCrSubsampleRatio444) {
		return picture{ycc: ycc}
	}
	return picture{rgba: toRGBA(img)}
}

func (p picture) size() (int, int) {
	if p.ycc != nil {
		return p.ycc.Rect.Dx(), p.ycc.Rect.Dy()
	}
	return p.rgba.Rect.Dx(), p.rgba.Rect.Dy()
}

func (p picture) opaque() bool {
	return p.ycc != nil || isOpaque(p.rgba)
}

// oriented returns p transformed from its stored layout to its displayed
// layout for an EXIF orientation (TIFF tag 0x0112) value. Values 0 and 1,
// and values outside 1..8, return p unchanged. Orientations 5 to 8 swap
// width and height.
func (p picture) oriented(orientation int) picture {
	if orientation < 2 || orientation > 8 {
		return p
	}
	if p.rgba != nil {
		w, h := p.rgba.Rect.Dx(), p.rgba.Rect.Dy()
		pix, dw, dh := orientPixels(p.rgba.Pix, w, h, p.rgba.Stride, 4, orientation)
		return picture{rgba: &image.RGBA{Pix: pix, Stride: dw * 4, Rect: image.Rect(0, 0, dw, dh)}}
	}
	src := p.ycc
	w, h := src.Rect.Dx(), src.Rect.Dy()
	y, dw, dh := orientPixels(src.Y, w, h, src.YStride, 1, orientation)
	cw, ch := chromaSize(src.SubsampleRatio, w, h)
	cb, dcw, _ := orientPixels(src.Cb, cw, ch, src.CStride, 1, orientation)
	cr, _, _ := orientPixels(src.Cr, cw, ch, src.CStride, 1, orientation)
	// 4:2:0 and 4:4:4 are symmetric, so a quarter turn keeps the ratio.
	return picture{ycc: &image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: dw, CStride: dcw,
		SubsampleRatio: src.SubsampleRatio, Rect: image.Rect(0, 0, dw, dh)}}
}

// chromaSize returns the size of the Cb and Cr planes of a w x h image.
func chromaSize(ratio image.YCbCrSubsampleRatio, w, h int) (int, int) {
	if ratio == image.YCbCrSubsampleRatio420 {
		return (w + 1) / 2, (h + 1) / 2
	}
	return w, h
}

// orientTile is the side of the square blocks orientPixels copies, so that
// quarter turns read and write memory in cache-sized pieces.
const orientTile = 64

// orientPixels returns the pixels of a w x h image of bpp-byte pixels (1 or
// 4) rearranged for an EXIF orientation from 2 to 8, with rows packed, and
// the new width and height. Row bands are shared among goroutines.
func orientPixels(src []byte, w, h, stride, bpp, orientation int) ([]byte, int, int) {
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	// The stored pixel shown at display position (x, y) starts at byte
	// first + x*stepX + y*stepY of src.
	last, lastRow := (w-1)*bpp, (h-1)*stride
	var first, stepX, stepY int
	switch orientation {
	case 2: // mirrored horizontally
		first, stepX, stepY = last, -bpp, stride
	case 3: // rotated 180 degrees
		first, stepX, stepY = lastRow+last, -bpp, -stride
	case 4: // mirrored vertically
		first, stepX, stepY = lastRow, bpp, -stride
	case 5: // transposed: row 0 is the left side, column 0 the top
		first, stepX, stepY = 0, stride, bpp
	case 6: // row 0 is the right side, column 0 the top: turn 90 degrees clockwise
		first, stepX, stepY = lastRow, -stride, bpp
	case 7: // transversed: row 0 is the right side, column 0 the bottom
		first, stepX, stepY = lastRow+last, -stride, -bpp
	case 8: // row 0 is the left side, column 0 the bottom: turn 90 degrees anticlockwise
		first, stepX, stepY = last, stride, -bpp
	}
	dst := make([]byte, dw*dh*bpp)
	copyBand := func(y0, y1 int) {
		// Square tiles keep quarter turns, which read src column by column,
		// within the cache.
		for ty := y0; ty < y1; ty += orientTile {
			for tx := 0; tx < dw; tx += orientTile {
				for y := ty; y < min(ty+orientTile, y1); y++ {
					o := (y*dw + tx) * bpp
					i := first + tx*stepX + y*stepY
					n := min(tx+orientTile, dw) - tx
					if bpp == 1 {
						row := dst[o : o+n]
						for x := range row {
							row[x] = src[i]
							i += stepX
						}
						continue
					}
					row := dst[o : o+4*n]
					for x := 0; x < len(row); x += 4 {
						copy(row[x:x+4], src[i:i+4])
						i += stepX
					}
				}
			}
		}
	}
	parallelRows(dh, orientTile, copyBand)
	return dst, dw, dh
}

// parallelRows splits rows 0..n into bands of whole multiples of unit rows
// and runs fn on them from runtime.GOMAXPROCS(0) goroutines.
func parallelRows(n, unit int, fn func(y0, y1 int)) {
	workers := runtime.GOMAXPROCS(0)
	units := (n + unit - 1) / unit
	if workers < 2 || units < 2 {
		fn(0, n)
		return
	}
	workers = min(workers, units)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		y0 := units * i / workers * unit
		y1 := min(units*(i+1)/workers*unit, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(y0, y1)
		}()
	}
	wg.Wait()
}

// scaled returns p resampled to w x h with the Lanczos-3 filter of
// internal/resize, or p itself when it already has that size.
func (p picture) scaled(w, h int) (picture, error) {
	if sw, sh := p.size(); sw == w && sh == h {
		return p, nil
	}
	if p.rgba != nil {
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		if err := resize.RGBA(dst, p.rgba); err != nil {
			return picture{}, fmt.Errorf("media: resizing: %w", err)
		}
		return picture{rgba: dst}, nil
	}
	src := p.ycc
	dst := image.NewYCbCr(image.Rect(0, 0, w, h), src.SubsampleRatio)
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	if err := resize.Plane(dst.Y, w, h, dst.YStride, src.Y, sw, sh, src.YStride); err != nil {
		return picture{}, fmt.Errorf("media: resizing: %w", err)
	}
	scw, sch := chromaSize(src.SubsampleRatio, sw, sh)
	dcw, dch := chromaSize(src.SubsampleRatio, w, h)
	for _, planes := range [][2][]byte{{dst.Cb, src.Cb}, {dst.Cr, src.Cr}} {
		if err := resize.Plane(planes[0], dcw, dch, dst.CStride, planes[1], scw, sch, src.CStride); err != nil {
			return picture{}, fmt.Errorf("media: resizing: %w", err)
		}
	}
	return picture{ycc: dst}, nil
}

// encode writes p in an output format, "jpeg" or "png". Transparent pixels
// are flattened onto white for JPEG.
func (p picture) encode(format string, quality int) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case "jpeg":
		var img image.Image = p.ycc
		if p.rgba != nil {
			rgba := p.rgba
			if !isOpaque(rgba) {
				rgba = flattenOnWhite(rgba)
			}
			img = rgba
		}
		if err := jpegenc.Encode(&buf, img, jpegenc.Options{Quality: quality}); err != nil {
			return nil, fmt.Errorf("media: encoding JPEG: %w", err)
		}
	case "png":
		var img image.Image = p.rgba
		if p.ycc != nil {
			img = p.ycc
		}
		if err := pngenc.Encode(&buf, img, pngenc.Options{}); err != nil {
			return nil, fmt.Errorf("media: encoding PNG: %w", err)
		}
	default:
		return nil, fmt.Errorf("media: no encoder for output format %q", format)
	}
	return buf.Bytes(), nil
}

// straightRGB returns p as opaque, un-premultiplied RGB in an NRGBA image
// with bounds at the origin: alpha is dropped, not composited.
func (p picture) straightRGB() *image.NRGBA {
	w, h := p.size()
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		dst := out.Pix[y*out.Stride : y*out.Stride+w*4]
		if p.ycc != nil {
			for x := 0; x < w; x++ {
				yi, ci := p.ycc.YOffset(x, y), p.ycc.COffset(x, y)
				r, g, b := color.YCbCrToRGB(p.ycc.Y[yi], p.ycc.Cb[ci], p.ycc.Cr[ci])
				dst[x*4], dst[x*4+1], dst[x*4+2], dst[x*4+3] = r, g, b, 0xff
			}
			continue
		}
		src := p.rgba.Pix[y*p.rgba.Stride : y*p.rgba.Stride+w*4]
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
	return out
}

// toRGBA returns the pixels of img as premultiplied RGBA with bounds at the
// origin. It returns img itself when it already is such an image. An
// *image.NRGBA at the origin is converted in place, which saves a copy of
// the largest buffer of a PNG upload, so img must not be used afterwards.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	if rgba, ok := img.(*image.RGBA); ok && b.Min == (image.Point{}) {
		return rgba
	}
	if nrgba, ok := img.(*image.NRGBA); ok && b.Min == (image.Point{}) {
		premultiplyInPlace(nrgba.Pix, b.Dx(), b.Dy(), nrgba.Stride)
		return &image.RGBA{Pix: nrgba.Pix, Stride: nrgba.Stride, Rect: nrgba.Rect}
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// premultiplyInPlace turns straight-alpha RGBA pixels into premultiplied
// ones, rounding as color.NRGBA.RGBA does.
func premultiplyInPlace(pix []byte, w, h, stride int) {
	parallelRows(h, 64, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			row := pix[y*stride : y*stride+w*4]
			for i := 0; i < len(row); i += 4 {
				a := uint32(row[i+3])
				if a == 0xff {
					continue
				}
				// (c*0x101*a*0x101/0xffff)>>8, the 16-bit path of NRGBA.RGBA.
				for c := 0; c < 3; c++ {
					v := uint32(row[i+c]) * 0x101 * a * 0x101 / 0xffff
					row[i+c] = uint8(v >> 8)
				}
			}
		}
	})
}

// drawOver composites src over dst at src's own position.
func drawOver(dst draw.Image, src image.Image) {
	draw.Draw(dst, src.Bounds(), src, src.Bounds().Min, draw.Over)
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
