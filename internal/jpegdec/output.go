package jpegdec

import (
	"image"
	"image/color"
)

// finishFrame runs at EOI: it transforms stored coefficients into samples.
func (d *decoder) finishFrame() error {
	if !d.sofSeen {
		return formatErr("missing SOF marker before EOI")
	}
	if d.scanCount == 0 {
		return formatErr("missing SOS marker before EOI")
	}
	if d.buffered {
		d.transformBuffered()
	}
	return nil
}

// buildImage wraps the decoded planes in the image type image/jpeg returns
// for the same file. Planes cover whole MCUs, so the result is a sub-image
// of ceil(width/scale) x ceil(height/scale) pixels.
func (d *decoder) buildImage() (image.Image, error) {
	w := ceilDiv(d.width, d.scale)
	h := ceilDiv(d.height, d.scale)
	rect := image.Rect(0, 0, w, h)
	if d.upsample {
		return d.upsampledImage(rect)
	}
	c := &d.comps

	switch d.ncomp {
	case 1:
		g := &image.Gray{Pix: c[0].plane, Stride: c[0].stride,
			Rect: image.Rect(0, 0, c[0].stride, len(c[0].plane)/c[0].stride)}
		return g.SubImage(rect), nil
	case 3:
		ycc := d.ycbcr()
		if d.isRGB() {
			return rgbFromPlanes(ycc.SubImage(rect).(*image.YCbCr), c[0].h/c[1].h), nil
		}
		return ycc.SubImage(rect), nil
	default:
		return d.cmyk(rect)
	}
}

// ycbcr returns the first three planes as a padded *image.YCbCr.
func (d *decoder) ycbcr() *image.YCbCr {
	c := &d.comps
	var ratio image.YCbCrSubsampleRatio
	switch (c[0].h/c[1].h)<<4 | c[0].v/c[1].v {
	case 0x11:
		ratio = image.YCbCrSubsampleRatio444
	case 0x12:
		ratio = image.YCbCrSubsampleRatio440
	case 0x21:
		ratio = image.YCbCrSubsampleRatio422
	case 0x22:
		ratio = image.YCbCrSubsampleRatio420
	case 0x41:
		ratio = image.YCbCrSubsampleRatio411
	case 0x42:
		ratio = image.YCbCrSubsampleRatio410
	}
	return &image.YCbCr{
		Y: c[0].plane, Cb: c[1].plane, Cr: c[2].plane,
		YStride: c[0].stride, CStride: c[1].stride,
		SubsampleRatio: ratio,
		Rect:           image.Rect(0, 0, c[0].stride, len(c[0].plane)/c[0].stride),
	}
}

// rgbFromPlanes builds the RGBA image of an RGB-coded file the way
// image/jpeg does: the second and third planes are sampled nearest-neighbour
// with horizontal factor cScale and the vertical ratio of the YCbCr layout.
func rgbFromPlanes(src *image.YCbCr, cScale int) *image.RGBA {
	b := src.Rect
	img := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		po := img.PixOffset(b.Min.X, y)
		yo := src.YOffset(b.Min.X, y)
		co := src.COffset(b.Min.X, y)
		row := img.Pix[po : po+4*b.Dx()]
		for i := 0; i < b.Dx(); i++ {
			row[4*i] = src.Y[yo+i]
			row[4*i+1] = src.Cb[co+i/cScale]
			row[4*i+2] = src.Cr[co+i/cScale]
			row[4*i+3] = 255
		}
	}
	return img
}

// cmyk converts a 4-component frame to *image.CMYK like image/jpeg. Adobe
// writes CMYK inverted (255 = no ink), so with Adobe transform 0 each channel
// is inverted. With any other transform (2 = YCCK) the first three planes
// are YCbCr of the inverted C, M and Y. Converting them to RGB then yields C,
// M and Y directly, and only K needs inverting. Without an Adobe APP14
// segment the colour model is unknown.
func (d *decoder) cmyk(rect image.Rectangle) (image.Image, error) {
	if !d.adobe {
		return nil, unsupportedErr("4-component JPEG without an Adobe APP14 segment: colour model unknown")
	}
	c := &d.comps
	img := image.NewCMYK(rect)
	if d.adobeTransform != adobeTransformNone {
		ycc := d.ycbcr()
		for y := 0; y < rect.Dy(); y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+4*rect.Dx()]
			k := c[3].plane[y*c[3].stride:]
			for x := 0; x < rect.Dx(); x++ {
				yi, ci := ycc.YOffset(x, y), ycc.COffset(x, y)
				r, g, b := color.YCbCrToRGB(ycc.Y[yi], ycc.Cb[ci], ycc.Cr[ci])
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, b, 255-k[x]
			}
		}
		return img, nil
	}
	for t := 0; t < 4; t++ {
		sub := c[t].h != c[0].h || c[t].v != c[0].v
		for y := 0; y < rect.Dy(); y++ {
			sy := y
			if sub {
				sy /= 2
			}
			src := c[t].plane[sy*c[t].stride:]
			row := img.Pix[y*img.Stride : y*img.Stride+4*rect.Dx()]
			for x := 0; x < rect.Dx(); x++ {
				sx := x
				if sub {
					sx /= 2
				}
				row[4*x+t] = 255 - src[sx]
			}
		}
	}
	return img, nil
}
