package pngenc

import (
	"fmt"
	"image"
	"image/color"
	"sync"
)

// PNG colour types, as the IHDR chunk states them.
const (
	colorTypeGray     = 0
	colorTypeRGB      = 2
	colorTypePaletted = 3
	colorTypeRGBA     = 6
)

// sourceKind selects how source.row produces one row of PNG samples.
type sourceKind int

const (
	kindDirect        sourceKind = iota // rows are slices of pix: NRGBA, Gray, Paletted
	kindDropAlpha                       // opaque 4-byte RGBA or NRGBA pixels, alpha dropped
	kindUnpremultiply                   // *image.RGBA pixels converted to straight alpha
	kindGray16                          // high bytes of *image.Gray16 samples
	kindYCbCr                           // *image.YCbCr planes converted to RGB
	kindAtRGB                           // At, opaque, written as RGB
	kindAtNRGBA                         // At, converted with color.NRGBAModel
	kindAtGray                          // At, converted with color.GrayModel
	kindAtIndex                         // At, mapped to the palette of the color model
)

// source produces rows of 8-bit PNG samples from an image. Its methods
// only read it, so several workers share one source.
type source struct {
	img       image.Image
	kind      sourceKind
	bounds    image.Rectangle
	width     int
	height    int
	colorType uint8
	bpp       int // bytes per pixel in the PNG rows
	rowLen    int // bytes per PNG row without the filter type byte

	// pix starts at the top left pixel of the image, stride bytes apart.
	pix    []byte
	stride int

	ycbcr *image.YCbCr
	// chromaDiv is the horizontal chroma subsampling of ycbcr: 1, 2 or 4.
	chromaDiv int

	// palette contains the PLTE entries of an indexed-colour image.
	palette color.Palette
}

// newSource validates img and selects the colour type and row conversion.
func newSource(img image.Image) (*source, error) {
	s := &source{img: img, bounds: img.Bounds()}
	s.width, s.height = s.bounds.Dx(), s.bounds.Dy()
	if s.width < 1 || s.height < 1 || s.width > MaxDimension || s.height > MaxDimension {
		return nil, fmt.Errorf("%w: size %dx%d, width and height must be 1..%d", ErrInvalidImage, s.width, s.height, MaxDimension)
	}
	// A row of 4-byte pixels plus its filter type byte must fit in an int
	// on 32-bit platforms too.
	if s.width > (maxInt-1)/4 {
		return nil, fmt.Errorf("%w: width %d is too large for this platform", ErrInvalidImage, s.width)
	}

	var err error
	switch m := img.(type) {
	case *image.RGBA:
		err = s.initPix(m.Pix, m.Stride, m.PixOffset(s.bounds.Min.X, s.bounds.Min.Y), 4)
		if err == nil {
			s.setRGBFromAlpha(m.Opaque(), kindDropAlpha, kindUnpremultiply)
		}
	case *image.NRGBA:
		err = s.initPix(m.Pix, m.Stride, m.PixOffset(s.bounds.Min.X, s.bounds.Min.Y), 4)
		if err == nil {
			s.setRGBFromAlpha(m.Opaque(), kindDropAlpha, kindDirect)
		}
	case *image.Gray:
		err = s.initPix(m.Pix, m.Stride, m.PixOffset(s.bounds.Min.X, s.bounds.Min.Y), 1)
		s.set(kindDirect, colorTypeGray, 1)
	case *image.Gray16:
		err = s.initPix(m.Pix, m.Stride, m.PixOffset(s.bounds.Min.X, s.bounds.Min.Y), 2)
		s.set(kindGray16, colorTypeGray, 1)
	case *image.Paletted:
		err = s.initPaletted(m)
	case *image.YCbCr:
		err = s.initYCbCr(m)
		s.set(kindYCbCr, colorTypeRGB, 3)
	default:
		err = s.initAt(img)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

const maxInt = int(^uint(0) >> 1)

func (s *source) set(kind sourceKind, colorType uint8, bpp int) {
	s.kind, s.colorType, s.bpp = kind, colorType, bpp
	s.rowLen = s.width * bpp
}

// setRGBFromAlpha chooses truecolour (type 2) for an opaque image and
// truecolour with alpha (type 6) otherwise, as image/png does.
func (s *source) setRGBFromAlpha(opaque bool, opaqueKind, alphaKind sourceKind) {
	if opaque {
		s.set(opaqueKind, colorTypeRGB, 3)
	} else {
		s.set(alphaKind, colorTypeRGBA, 4)
	}
}

// initPix checks that pix holds height rows of width pixels of size bytes
// from offset start, stride bytes apart, and keeps the slice from start.
func (s *source) initPix(pix []byte, stride, start, size int) error {
	if !planeFits(len(pix), start, stride, s.height, s.width*size) {
		return fmt.Errorf("%w: pixel slice of %d bytes with stride %d is too short for %dx%d pixels of %d bytes at offset %d",
			ErrInvalidImage, len(pix), stride, s.width, s.height, size, start)
	}
	s.pix, s.stride = pix[start:], stride
	return nil
}

// planeFits reports whether rows rows of rowBytes bytes, stride bytes
// apart from offset start, lie inside a slice of n bytes. It rejects
// negative strides, which the image package never creates.
func planeFits(n, start, stride, rows, rowBytes int) bool {
	if start < 0 || stride < 0 || start > n {
		return false
	}
	avail := n - start
	if rowBytes > avail {
		return false
	}
	if rows > 1 && stride > 0 && rows-1 > (avail-rowBytes)/stride {
		return false
	}
	return true
}

// initPaletted checks the palette and every pixel index against it. The
// PNG specification makes an index past the last PLTE entry an error, so
// such an image is rejected rather than written.
func (s *source) initPaletted(m *image.Paletted) error {
	if err := s.initPix(m.Pix, m.Stride, m.PixOffset(s.bounds.Min.X, s.bounds.Min.Y), 1); err != nil {
		return err
	}
	if len(m.Palette) == 0 {
		return fmt.Errorf("%w: paletted image has an empty palette", ErrInvalidImage)
	}
	// Indices are bytes, so entries past 256 can never be referenced.
	s.palette = m.Palette[:min(len(m.Palette), 256)]
	for y := range s.height {
		row := s.pix[y*s.stride : y*s.stride+s.width]
		var maxIndex byte
		for _, v := range row {
			maxIndex = max(maxIndex, v)
		}
		if int(maxIndex) >= len(s.palette) {
			return fmt.Errorf("%w: pixel index %d in row %d is outside the palette of %d colors",
				ErrInvalidImage, maxIndex, y, len(s.palette))
		}
	}
	s.set(kindDirect, colorTypePaletted, 1)
	return nil
}

// initYCbCr checks the planes of m and records its chroma subsampling.
func (s *source) initYCbCr(m *image.YCbCr) error {
	r := s.bounds
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio440:
		s.chromaDiv = 1
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		s.chromaDiv = 2
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		s.chromaDiv = 4
	default:
		return fmt.Errorf("%w: unknown YCbCr subsample ratio %v", ErrInvalidImage, m.SubsampleRatio)
	}
	yStart := m.YOffset(r.Min.X, r.Min.Y)
	yFits := planeFits(len(m.Y), yStart, m.YStride, s.height, s.width)
	// Chroma offsets grow with x and y, so the planes fit when the first
	// and last chroma samples do. The stride bound keeps COffset from
	// overflowing on forged rectangles.
	cFirst := m.COffset(r.Min.X, r.Min.Y)
	cLen := min(len(m.Cb), len(m.Cr))
	cFits := m.CStride >= 0 && (m.CStride <= cLen || s.height == 1) && cFirst >= 0
	if cFits {
		cLast := m.COffset(r.Max.X-1, r.Max.Y-1)
		cFits = cLast >= cFirst && cLast < cLen
	}
	if !yFits || !cFits {
		return fmt.Errorf("%w: YCbCr planes (Y %d bytes, stride %d; Cb %d and Cr %d bytes, stride %d) are too short for %v",
			ErrInvalidImage, len(m.Y), m.YStride, len(m.Cb), len(m.Cr), m.CStride, r)
	}
	s.ycbcr = m
	return nil
}

// initAt chooses the colour type for an image read through At, as
// image/png does. A palette color model of at most 256 entries gives
// indexed colour and a grey color model gives greyscale. Other models give
// truecolour, with alpha unless every pixel is opaque.
func (s *source) initAt(img image.Image) error {
	switch model := img.ColorModel().(type) {
	case color.Palette:
		if len(model) == 0 {
			return fmt.Errorf("%w: color model is an empty palette", ErrInvalidImage)
		}
		if len(model) <= 256 {
			s.palette = model
			s.set(kindAtIndex, colorTypePaletted, 1)
			return nil
		}
	}
	if model := img.ColorModel(); model == color.GrayModel || model == color.Gray16Model {
		s.set(kindAtGray, colorTypeGray, 1)
		return nil
	}
	s.setRGBFromAlpha(isOpaque(img), kindAtRGB, kindAtNRGBA)
	return nil
}

// isOpaque reports whether every pixel of img has full alpha, asking the
// image when it has an Opaque method.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// row returns row y (0 at the top) as rowLen bytes of PNG samples. It
// either fills dst, which must hold rowLen bytes, or returns a slice of
// the image's own pixels, which the caller must not modify.
func (s *source) row(y int, dst []byte) []byte {
	dst = dst[:s.rowLen]
	switch s.kind {
	case kindDirect:
		off := y * s.stride
		return s.pix[off : off+s.rowLen]
	case kindDropAlpha:
		off := y * s.stride
		dropAlpha(dst, s.pix[off:off+4*s.width])
	case kindUnpremultiply:
		off := y * s.stride
		unpremultiply(dst, s.pix[off:off+4*s.width])
	case kindGray16:
		off := y * s.stride
		src := s.pix[off : off+2*s.width]
		for x := range dst {
			dst[x] = src[2*x]
		}
	case kindYCbCr:
		s.rowYCbCr(y, dst)
	default:
		s.rowAt(y, dst)
	}
	return dst
}

// dropAlpha copies the first three bytes of each 4-byte pixel of src.
func dropAlpha(dst, src []byte) {
	for len(src) >= 4 && len(dst) >= 3 {
		d := (*[3]byte)(dst)
		p := (*[4]byte)(src)
		d[0], d[1], d[2] = p[0], p[1], p[2]
		dst, src = dst[3:], src[4:]
	}
}

// unpremultiplyTable[a][c] is the straight-alpha value of a colour sample c
// premultiplied by alpha a, both 8-bit. It computes what
// color.NRGBAModel.Convert computes from the 16-bit expansion of an
// image.RGBA pixel: floor(c*0x101 * 0xffff / (a*0x101)) >> 8, truncated to
// 8 bits when c > a. Row 0 is all zeros and row 255 the identity.
var unpremultiplyTable = sync.OnceValue(func() *[256][256]byte {
	t := new([256][256]byte)
	for a := 1; a < 256; a++ {
		for c := range 256 {
			t[a][c] = byte((uint32(c) * 0x101 * 0xffff / (uint32(a) * 0x101)) >> 8)
		}
	}
	return t
})

// unpremultiply converts 4-byte premultiplied RGBA pixels from src to
// straight-alpha NRGBA pixels in dst.
func unpremultiply(dst, src []byte) {
	t := unpremultiplyTable()
	for len(src) >= 4 && len(dst) >= 4 {
		d := (*[4]byte)(dst)
		p := (*[4]byte)(src)
		a := p[3]
		if a == 0xff {
			*d = *p
		} else {
			ta := &t[a]
			d[0], d[1], d[2], d[3] = ta[p[0]], ta[p[1]], ta[p[2]], a
		}
		dst, src = dst[4:], src[4:]
	}
}

// rowYCbCr converts row y of the YCbCr image to RGB: the high bytes of
// the 16-bit color.YCbCr.RGBA values, which image/png writes in full.
func (s *source) rowYCbCr(y int, dst []byte) {
	m := s.ycbcr
	r := s.bounds
	ay := r.Min.Y + y
	yRow := m.Y[m.YOffset(r.Min.X, ay):]
	cBase := m.COffset(r.Min.X, ay)
	cMin := r.Min.X / s.chromaDiv
	for x := range s.width {
		ci := cBase + (r.Min.X+x)/s.chromaDiv - cMin
		red, green, blue, _ := color.YCbCr{Y: yRow[x], Cb: m.Cb[ci], Cr: m.Cr[ci]}.RGBA()
		d := (*[3]byte)(dst[3*x:])
		d[0], d[1], d[2] = byte(red>>8), byte(green>>8), byte(blue>>8)
	}
}

// rowAt converts row y through At for the generic source kinds.
func (s *source) rowAt(y int, dst []byte) {
	ay := s.bounds.Min.Y + y
	x0 := s.bounds.Min.X
	switch s.kind {
	case kindAtRGB:
		for x := range s.width {
			red, green, blue, _ := s.img.At(x0+x, ay).RGBA()
			d := (*[3]byte)(dst[3*x:])
			d[0], d[1], d[2] = byte(red>>8), byte(green>>8), byte(blue>>8)
		}
	case kindAtNRGBA:
		for x := range s.width {
			c := color.NRGBAModel.Convert(s.img.At(x0+x, ay)).(color.NRGBA)
			d := (*[4]byte)(dst[4*x:])
			d[0], d[1], d[2], d[3] = c.R, c.G, c.B, c.A
		}
	case kindAtGray:
		for x := range s.width {
			dst[x] = color.GrayModel.Convert(s.img.At(x0+x, ay)).(color.Gray).Y
		}
	case kindAtIndex:
		for x := range s.width {
			dst[x] = byte(s.palette.Index(s.img.At(x0+x, ay)))
		}
	}
}

// nrgbaOf converts c to 8-bit straight alpha as image/png does for palette
// entries.
func nrgbaOf(c color.Color) color.NRGBA {
	return color.NRGBAModel.Convert(c).(color.NRGBA)
}
