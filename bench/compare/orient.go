package main

import (
	"image"
	"image/draw"
)

// toNRGBA returns img as non-premultiplied RGBA with bounds at the origin.
func toNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n
	}
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}

// toRGBA returns img as premultiplied RGBA with bounds at the origin.
func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}

// orientPix moves 4-byte pixels of a w x h image from the stored layout to
// the displayed layout of an EXIF orientation (TIFF tag 0x0112). It returns
// the new pixels and size; orientations 5 to 8 swap width and height, and
// values outside 2..8 return the input unchanged.
func orientPix(pix []byte, stride, w, h, orientation int) ([]byte, int, int) {
	if orientation < 2 || orientation > 8 {
		return pix, w, h
	}
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	out := make([]byte, dw*dh*4)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			// (sx, sy) is the stored pixel shown at display position (x, y).
			var sx, sy int
			switch orientation {
			case 2: // mirrored left to right
				sx, sy = w-1-x, y
			case 3: // turned 180 degrees
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored top to bottom
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // turned 90 degrees clockwise for display
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // turned 90 degrees anticlockwise for display
				sx, sy = w-1-y, x
			}
			copy(out[(y*dw+x)*4:(y*dw+x)*4+4], pix[sy*stride+sx*4:sy*stride+sx*4+4])
		}
	}
	return out, dw, dh
}

// orientNRGBA returns img in its displayed layout for an EXIF orientation.
func orientNRGBA(img image.Image, orientation int) image.Image {
	if orientation < 2 || orientation > 8 {
		return img
	}
	n := toNRGBA(img)
	pix, w, h := orientPix(n.Pix, n.Stride, n.Rect.Dx(), n.Rect.Dy(), orientation)
	return &image.NRGBA{Pix: pix, Stride: w * 4, Rect: image.Rect(0, 0, w, h)}
}

// orientRGBA is orientNRGBA for premultiplied pixels.
func orientRGBA(img image.Image, orientation int) image.Image {
	if orientation < 2 || orientation > 8 {
		return img
	}
	r := toRGBA(img)
	pix, w, h := orientPix(r.Pix, r.Stride, r.Rect.Dx(), r.Rect.Dy(), orientation)
	return &image.RGBA{Pix: pix, Stride: w * 4, Rect: image.Rect(0, 0, w, h)}
}
