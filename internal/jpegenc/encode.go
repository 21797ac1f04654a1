// Package jpegenc encodes images as baseline JPEG (ITU-T T.81) in JFIF
// files (ITU-T T.871), built for speed rather than for the smallest file.
//
// It reads pixel planes directly, uses a scaled fixed-point DCT with the
// quantization folded in and a 64-bit bit buffer, and encodes horizontal
// stripes in parallel, joined into one scan by restart markers. The output
// uses the Annex K quantization tables scaled by quality as the IJG
// library does, the Annex K Huffman tables (no optimization pass), and one
// restart interval per MCU row. The bytes do not depend on
// Options.Workers.
package jpegenc

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"runtime"
)

// DefaultQuality is the quality used when Options.Quality is 0.
const DefaultQuality = 85

// MaxDimension is the largest width or height in pixels that a JPEG frame
// header can state (16-bit fields, T.81 B.2.2).
const MaxDimension = 65535

// Options sets the encoding parameters. The zero value selects quality 85
// and one worker per GOMAXPROCS.
type Options struct {
	// Quality is the IJG quality factor, 1 (smallest) to 100 (best). 0
	// selects DefaultQuality.
	Quality int
	// Workers is the maximum number of goroutines that encode stripes at
	// once. 0 selects runtime.GOMAXPROCS(0). It never changes the output.
	// With one worker, Encode writes each time 256 KiB or more of output
	// has been produced. With more, it holds the output in memory until all
	// stripes are done.
	Workers int
}

var (
	// ErrInvalidOptions is returned, wrapped, for a Quality outside 0..100
	// or a negative Workers.
	ErrInvalidOptions = errors.New("jpegenc: invalid options")
	// ErrInvalidImage is returned, wrapped, for an image that cannot be
	// encoded: an empty one, one wider or taller than MaxDimension, or one
	// whose pixel slices are too short for its bounds.
	ErrInvalidImage = errors.New("jpegenc: invalid image")
)

// Encode writes img to w as a baseline JFIF file.
//
// *image.Gray becomes a one-component file, as does any image whose color
// model is color.GrayModel or color.Gray16Model. *image.YCbCr with 4:4:4,
// 4:2:2 or 4:2:0 subsampling keeps its planes and subsampling (4:2:2 and
// 4:2:0 need an even Rect.Min.X, and 4:2:0 an even Rect.Min.Y). Other
// *image.YCbCr images are encoded as 4:2:0 with each chroma sample
// averaged over 2x2 pixels. *image.RGBA and *image.NRGBA are
// converted to 4:2:0 one MCU at a time. Their alpha channel is ignored:
// RGBA pixels are encoded as if composited onto black and NRGBA pixels as
// if opaque, so callers that need another background must flatten first.
// *image.NYCbCrA is encoded from its YCbCr planes, also ignoring alpha.
// Every other image is read through At, which is slower, and encoded as
// 4:2:0. With more than one worker, At is called from several goroutines
// at once.
//
// Encode returns an error wrapping ErrInvalidOptions or ErrInvalidImage for
// bad input, or the error of w.
func Encode(w io.Writer, img image.Image, opts Options) error {
	quality := opts.Quality
	if quality == 0 {
		quality = DefaultQuality
	}
	if quality < 1 || quality > 100 {
		return fmt.Errorf("%w: quality %d is outside 1..100 (0 selects %d)", ErrInvalidOptions, opts.Quality, DefaultQuality)
	}
	if opts.Workers < 0 {
		return fmt.Errorf("%w: workers %d is negative (0 selects GOMAXPROCS)", ErrInvalidOptions, opts.Workers)
	}
	workers := opts.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	e := new(encoder)
	if err := e.init(img, quality); err != nil {
		return err
	}
	e.writeHeader()
	return e.writeScan(w, workers)
}

// sourceKind selects how MCUs are read from the image.
type sourceKind int

const (
	sourceGray          sourceKind = iota // *image.Gray plane
	sourceGrayAt                          // grey color model, read with At
	sourceYCbCr                           // YCbCr planes in the output subsampling
	sourceYCbCrResample                   // YCbCr planes resampled to 4:2:0
	sourceRGBA                            // 4-byte RGBx pixels, converted to 4:2:0
	sourceAt                              // any image, read with At into RGBA strips
)

// encoder contains the state shared by all workers of one Encode call.
// Workers only read it.
type encoder struct {
	img    image.Image
	kind   sourceKind
	bounds image.Rectangle
	width  int
	height int

	// Frame layout: components (1 or 3), luma sampling factors (chroma is
	// always 1x1), MCU size in pixels and MCU counts.
	components   int
	lumaH, lumaV int
	mcuWidth     int
	mcuHeight    int
	mcusX, mcusY int

	// Planes, each starting at the image's top left sample. rgba is the
	// pixel slice of sourceRGBA.
	luma, cb, cr  []byte
	lumaStride    int
	chromaStride  int
	chromaWidth   int
	chromaHeight  int
	ycbcr         *image.YCbCr
	rgba          []byte
	rgbaStride    int
	quant         [2]quantTable
	header        []byte
	headerStorage [1024]byte
}

// init validates img and fills the source and frame fields.
func (e *encoder) init(img image.Image, quality int) error {
	e.img = img
	e.bounds = img.Bounds()
	e.width, e.height = e.bounds.Dx(), e.bounds.Dy()
	if e.width < 1 || e.height < 1 || e.width > MaxDimension || e.height > MaxDimension {
		return fmt.Errorf("%w: size %dx%d, width and height must be 1..%d", ErrInvalidImage, e.width, e.height, MaxDimension)
	}
	e.components, e.lumaH, e.lumaV = 3, 2, 2

	var err error
	switch m := img.(type) {
	case *image.Gray:
		e.kind, e.components, e.lumaH, e.lumaV = sourceGray, 1, 1, 1
		e.luma, e.lumaStride, err = plane(m.Pix, m.Stride, m.PixOffset(e.bounds.Min.X, e.bounds.Min.Y), e.width, e.height, 1)
	case *image.RGBA:
		e.kind = sourceRGBA
		e.rgba, e.rgbaStride, err = plane(m.Pix, m.Stride, m.PixOffset(e.bounds.Min.X, e.bounds.Min.Y), e.width, e.height, 4)
	case *image.NRGBA:
		e.kind = sourceRGBA
		e.rgba, e.rgbaStride, err = plane(m.Pix, m.Stride, m.PixOffset(e.bounds.Min.X, e.bounds.Min.Y), e.width, e.height, 4)
	case *image.YCbCr:
		err = e.initYCbCr(m)
	case *image.NYCbCrA:
		err = e.initYCbCr(&m.YCbCr)
	default:
		e.kind = sourceAt
		if model := img.ColorModel(); model == color.GrayModel || model == color.Gray16Model {
			e.kind, e.components, e.lumaH, e.lumaV = sourceGrayAt, 1, 1, 1
		}
	}
	if err != nil {
		return err
	}

	e.mcuWidth, e.mcuHeight = 8*e.lumaH, 8*e.lumaV
	e.mcusX = (e.width + e.mcuWidth - 1) / e.mcuWidth
	e.mcusY = (e.height + e.mcuHeight - 1) / e.mcuHeight
	for i := range e.quant {
		table := scaleQuant(&baseQuant[i], quality)
		e.quant[i].init(&table)
	}
	return nil
}

// plane returns pix from the offset of the top left pixel on, after
// checking that it holds width x height pixels of bytesPerPixel bytes.
func plane(pix []byte, stride, offset, width, height, bytesPerPixel int) ([]byte, int, error) {
	rowBytes := width * bytesPerPixel
	if stride < rowBytes || offset < 0 || offset > len(pix) || len(pix)-offset < (height-1)*stride+rowBytes {
		return nil, 0, fmt.Errorf("%w: pixel slice of %d bytes with stride %d is too short for %dx%d pixels at offset %d",
			ErrInvalidImage, len(pix), stride, width, height, offset)
	}
	return pix[offset:], stride, nil
}

// initYCbCr uses the planes of m as they are when their subsampling is
// 4:4:4, 4:2:2 or 4:2:0 and aligned to the image origin, and otherwise
// resamples the chroma to 4:2:0.
func (e *encoder) initYCbCr(m *image.YCbCr) error {
	minX, minY := e.bounds.Min.X, e.bounds.Min.Y
	maxX, maxY := e.bounds.Max.X-1, e.bounds.Max.Y-1
	if m.YStride < e.width || m.CStride < 1 || len(m.Y) <= m.YOffset(maxX, maxY) || m.YOffset(minX, minY) < 0 ||
		len(m.Cb) <= m.COffset(maxX, maxY) || len(m.Cr) <= m.COffset(maxX, maxY) || m.COffset(minX, minY) < 0 {
		return fmt.Errorf("%w: YCbCr planes (Y %d bytes, stride %d; Cb %d and Cr %d bytes, stride %d) are too short for %v",
			ErrInvalidImage, len(m.Y), m.YStride, len(m.Cb), len(m.Cr), m.CStride, e.bounds)
	}

	e.luma, e.lumaStride = m.Y[m.YOffset(minX, minY):], m.YStride
	e.kind = sourceYCbCr
	e.chromaWidth, e.chromaHeight = (e.width+1)/2, (e.height+1)/2
	switch {
	case m.SubsampleRatio == image.YCbCrSubsampleRatio444:
		e.lumaH, e.lumaV = 1, 1
		e.chromaWidth, e.chromaHeight = e.width, e.height
	case m.SubsampleRatio == image.YCbCrSubsampleRatio422 && minX%2 == 0:
		e.lumaH, e.lumaV = 2, 1
		e.chromaHeight = e.height
	case m.SubsampleRatio == image.YCbCrSubsampleRatio420 && minX%2 == 0 && minY%2 == 0:
		e.lumaH, e.lumaV = 2, 2
	default:
		e.kind = sourceYCbCrResample
		e.ycbcr = m
		return nil
	}

	if m.CStride < e.chromaWidth {
		return fmt.Errorf("%w: chroma stride %d is less than the chroma width %d", ErrInvalidImage, m.CStride, e.chromaWidth)
	}
	offset := m.COffset(minX, minY)
	e.cb, e.cr, e.chromaStride = m.Cb[offset:], m.Cr[offset:], m.CStride
	return nil
}
