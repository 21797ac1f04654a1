package jpegdec

import (
	"fmt"
	"image"
	"sync"
)

// Some sampling layouts *image.YCbCr cannot express: a factor of 3, a
// vertical luma factor of 4, chroma factors larger than luma or differing
// between Cb and Cr, and unusual 4-component layouts. The decoder resamples
// every component plane of such a file to the output resolution and
// converts each pixel to RGB or CMYK.
//
// The resampling is separable linear interpolation between the two nearest
// component samples, with sample centres aligned. T.81 A.1.1 gives component
// i Hi/Hmax times as many columns as the image, so at full size the centre
// of output column x falls at component position (x+0.5)*Hi/Hmax - 0.5, in
// units of the component's sample index, and rows likewise. For a ratio
// Hmax/Hi of 2 this yields the weights 3/4 and 1/4 of libjpeg's "fancy"
// triangle upsampling. The same rule serves the integer ratios 3 and 4 and
// the rational ratios 3/2 and 4/3. Positions outside the component's samples
// take the edge sample, as libjpeg's upsamplers do. At a reduced scale a
// component's plane may hold more samples a block than the output
// (componentBlockSize), which changes the ratio, up to downsampling by
// sqrt(2), but not the rule.
//
// NOTE: libjpeg-turbo 2.1.5 interpolates only the component ratios 2x1, 1x2
// and 2x2, replicates samples for every other integer ratio and rejects
// rational ones. On those layouts its output differs from this package's by
// up to 3/8 of the step between neighbouring component samples.

// tapBits is the number of fraction bits of an interpolation weight.
const tapBits = 12

// axisTaps maps every output position along one axis onto a component's
// samples: output x is sample lo[x] weighted (2^tapBits - w[x]) plus sample
// hi[x] weighted w[x], over 2^tapBits.
type axisTaps struct {
	identity bool // output x is sample x: the component is at full resolution
	lo, hi   []int32
	w        []int32
}

// newAxisTaps builds the taps for n output positions from a component that
// has num samples for every den output samples, of which valid samples hold
// image data. With num > den, which componentBlockSize limits to num <
// sqrt(2)*den, every sample still contributes to some output.
func newAxisTaps(n, valid, num, den int) axisTaps {
	if num == den {
		return axisTaps{identity: true}
	}
	t := axisTaps{lo: make([]int32, n), hi: make([]int32, n), w: make([]int32, n)}
	// Output x sits at component position (x+0.5)*num/den - 0.5, which is
	// pos/div with the integers below.
	div := 2 * den
	for x := 0; x < n; x++ {
		pos := (2*x+1)*num - den
		i := pos / div
		if pos < 0 && pos%div != 0 {
			i-- // floor division for the left edge, where pos < 0
		}
		frac := pos - i*div
		t.lo[x] = int32(min(max(i, 0), valid-1))
		t.hi[x] = int32(min(max(i+1, 0), valid-1))
		t.w[x] = int32((frac<<tapBits + div/2) / div)
	}
	return t
}

// validSamples returns the number of samples that hold image data along an
// axis of size pixels. The component has sampling factor f of the maximum
// fmax and is decoded at bs samples a block side, so the count is the
// component size ceil(size*f/fmax) of T.81 A.1.1, times bs/8.
func validSamples(size, f, fmax, bs int) int {
	return ceilDiv(ceilDiv(size*f, fmax)*bs, 8)
}

// planeResampler produces rows of one component at output resolution. Each
// goroutine has its own, because acc and out are scratch space.
type planeResampler struct {
	c      *component
	h, v   *axisTaps
	validW int
	acc    []int32 // vertically interpolated row, scaled by 2^tapBits
	out    []byte
}

// row returns output row y of the component, w samples long. The slice is
// valid until the next call.
func (r *planeResampler) row(y int) []byte {
	c := r.c
	w := len(r.out)
	if r.v.identity && r.h.identity {
		return c.plane[y*c.stride : y*c.stride+w]
	}

	// Vertical pass over the component's valid columns.
	var p0, p1 []byte
	var wv int32
	if r.v.identity {
		p0 = c.plane[y*c.stride : y*c.stride+r.validW]
	} else {
		lo, hi := int(r.v.lo[y]), int(r.v.hi[y])
		p0 = c.plane[lo*c.stride : lo*c.stride+r.validW]
		p1 = c.plane[hi*c.stride : hi*c.stride+r.validW]
		wv = r.v.w[y]
	}
	acc := r.acc[:r.validW]
	if wv == 0 {
		for i, s := range p0 {
			acc[i] = int32(s) << tapBits
		}
	} else {
		p1 = p1[:len(p0)]
		for i, s := range p0 {
			a := int32(s)
			acc[i] = a<<tapBits + (int32(p1[i])-a)*wv
		}
	}

	// Horizontal pass. Both passes form convex combinations, so the rounded
	// result stays within 0..255.
	out := r.out
	if r.h.identity {
		for x := range out {
			out[x] = byte((acc[x] + 1<<(tapBits-1)) >> tapBits)
		}
		return out
	}
	lo, hi, wh := r.h.lo[:w], r.h.hi[:w], r.h.w[:w]
	const round = 1 << (2*tapBits - 1)
	for x := range out {
		a0 := int64(acc[lo[x]])
		a1 := int64(acc[hi[x]])
		out[x] = byte((a0<<tapBits + (a1-a0)*int64(wh[x]) + round) >> (2 * tapBits))
	}
	return out
}

// YCbCr to RGB conversion of JFIF (ITU-T T.871 section 7), with the
// coefficients in 16-bit fixed point:
//
//	R = Y + 1.402 (Cr-128)
//	G = Y - 0.344136 (Cb-128) - 0.714136 (Cr-128)
//	B = Y + 1.772 (Cb-128)
const (
	fixCrToR = 91881  // 1.402 * 2^16
	fixCbToG = 22553  // 0.344136 * 2^16
	fixCrToG = 46802  // 0.714136 * 2^16
	fixCbToB = 116130 // 1.772 * 2^16
)

// ycbcrToRGB converts one JFIF sample triple, rounding to nearest and
// clamping to 0..255 as T.871 specifies.
func ycbcrToRGB(y, cb, cr byte) (r, g, b byte) {
	yy := int(y)<<16 + 1<<15
	cbd, crd := int(cb)-128, int(cr)-128
	r = clampByte((yy + fixCrToR*crd) >> 16)
	g = clampByte((yy - fixCbToG*cbd - fixCrToG*crd) >> 16)
	b = clampByte((yy + fixCbToB*cbd) >> 16)
	return r, g, b
}

// rowConverter writes one row of 4-byte pixels to dst from component rows
// at output resolution.
type rowConverter func(dst []byte, rows *[4][]byte)

func convertYCbCrRow(dst []byte, rows *[4][]byte) {
	y, cb, cr := rows[0], rows[1], rows[2]
	cb, cr = cb[:len(y)], cr[:len(y)]
	dst = dst[:4*len(y)]
	for x := range y {
		r, g, b := ycbcrToRGB(y[x], cb[x], cr[x])
		dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = r, g, b, 255
	}
}

func convertRGBRow(dst []byte, rows *[4][]byte) {
	r, g, b := rows[0], rows[1], rows[2]
	g, b = g[:len(r)], b[:len(r)]
	dst = dst[:4*len(r)]
	for x := range r {
		dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = r[x], g[x], b[x], 255
	}
}

// convertAdobeCMYKRow inverts the four channels, because Adobe stores CMYK
// with 255 meaning no ink (see cmyk in output.go).
func convertAdobeCMYKRow(dst []byte, rows *[4][]byte) {
	n := len(rows[0])
	dst = dst[:4*n]
	for t := 0; t < 4; t++ {
		src := rows[t][:n]
		for x, s := range src {
			dst[4*x+t] = 255 - s
		}
	}
}

// convertYCCKRow converts YCbCr to RGB, which yields C, M and Y of an
// inverted Adobe file directly, and inverts K (see cmyk in output.go).
func convertYCCKRow(dst []byte, rows *[4][]byte) {
	y, cb, cr, k := rows[0], rows[1], rows[2], rows[3]
	cb, cr, k = cb[:len(y)], cr[:len(y)], k[:len(y)]
	dst = dst[:4*len(y)]
	for x := range y {
		c, m, ye := ycbcrToRGB(y[x], cb[x], cr[x])
		dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c, m, ye, 255-k[x]
	}
}

// upsampledImage builds the output of a frame whose layout sets d.upsample:
// *image.RGBA for three components (YCbCr, or RGB by the rules of isRGB)
// and *image.CMYK for four, at the size of rect. Rows are split among
// d.workers goroutines.
func (d *decoder) upsampledImage(rect image.Rectangle) (image.Image, error) {
	var convert rowConverter
	switch {
	case d.ncomp == 3 && d.isRGB():
		convert = convertRGBRow
	case d.ncomp == 3:
		convert = convertYCbCrRow
	case d.ncomp == 4 && !d.adobe:
		return nil, unsupportedErr("4-component JPEG without an Adobe APP14 segment: colour model unknown")
	case d.ncomp == 4 && d.adobeTransform == adobeTransformNone:
		convert = convertAdobeCMYKRow
	case d.ncomp == 4:
		convert = convertYCCKRow
	default:
		return nil, fmt.Errorf("jpeg: internal error: resampling requested for %d components", d.ncomp)
	}

	w, h := rect.Dx(), rect.Dy()
	var hTaps, vTaps [4]axisTaps
	var validW [4]int
	for i := 0; i < d.ncomp; i++ {
		c := &d.comps[i]
		validW[i] = validSamples(d.width, c.h, d.hmax, c.bsx)
		validH := validSamples(d.height, c.v, d.vmax, c.bsy)
		hTaps[i] = newAxisTaps(w, validW[i], c.bsx*c.h, d.blockSize*d.hmax)
		vTaps[i] = newAxisTaps(h, validH, c.bsy*c.v, d.blockSize*d.vmax)
	}

	var pix []byte
	var stride int
	var img image.Image
	if d.ncomp == 4 {
		m := image.NewCMYK(rect)
		pix, stride, img = m.Pix, m.Stride, m
	} else {
		m := image.NewRGBA(rect)
		pix, stride, img = m.Pix, m.Stride, m
	}

	convertRows := func(y0, y1 int) {
		var rs [4]planeResampler
		for i := 0; i < d.ncomp; i++ {
			rs[i] = planeResampler{
				c: &d.comps[i], h: &hTaps[i], v: &vTaps[i], validW: validW[i],
				acc: make([]int32, validW[i]), out: make([]byte, w),
			}
		}
		var rows [4][]byte
		for y := y0; y < y1; y++ {
			for i := 0; i < d.ncomp; i++ {
				rows[i] = rs[i].row(y)
			}
			convert(pix[y*stride:y*stride+4*w], &rows)
		}
	}

	workers := min(d.workers, h)
	if workers <= 1 {
		convertRows(0, h)
		return img, nil
	}
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(y0, y1 int) {
			defer wg.Done()
			convertRows(y0, y1)
		}(h*k/workers, h*(k+1)/workers)
	}
	wg.Wait()
	return img, nil
}
