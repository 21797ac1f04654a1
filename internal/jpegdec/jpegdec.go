// Package jpegdec decodes baseline and progressive Huffman-coded JPEG files
// (ITU-T T.81) with 8-bit samples, optionally at 1/2, 1/4 or 1/8 size.
//
// The output types match image/jpeg: *image.YCbCr for YCbCr, *image.Gray for
// one component, *image.RGBA for RGB files and *image.CMYK for CMYK and YCCK
// files. Every combination of sampling factors that T.81 A.1.1 allows (1 to
// 4 per axis and component) decodes. Some of them image.YCbCr cannot
// express, and image/jpeg rejects them: a factor of 3, a vertical luma
// factor of 4, a chroma factor larger than or not dividing the luma factor,
// and Cb and Cr factors that differ. Such files give *image.RGBA for three
// components and *image.CMYK for four. Each component is then resampled to
// full resolution by linear interpolation between centre-aligned samples
// and converted (see upsample.go). Arithmetic coding, 12-bit samples,
// lossless and hierarchical files return an UnsupportedError, which callers
// detect with errors.As to fall back to another decoder.
//
// Truncated or corrupt entropy-coded data is an error: the decoder never
// returns a partly grey image.
package jpegdec

import (
	"errors"
	"image"
	"image/color"
	"runtime"
)

// Config describes a JPEG frame as read from its SOF segment (T.81 B.2.2).
type Config struct {
	// Width and Height are the frame size in pixels, each 1 to 65535.
	Width, Height int
	// Components is the number of colour components: 1, 3 or 4.
	Components int
	// ColorModel is the model of the image Decode returns: color.GrayModel,
	// color.YCbCrModel, color.RGBAModel (RGB files, and YCbCr files whose
	// sampling factors *image.YCbCr cannot express) or color.CMYKModel.
	ColorModel color.Model
	// Progressive reports a progressive DCT frame (SOF2, T.81 Annex G).
	Progressive bool
}

// Options controls Decode.
type Options struct {
	// Scale is the reduction factor: 1 (or 0) for full size, 2, 4 or 8. The
	// output is ceil(Width/Scale) x ceil(Height/Scale) pixels, computed with
	// a reduced inverse DCT on the low-frequency coefficients. Subsampled
	// components of files decoded to *image.RGBA or *image.CMYK through
	// resampling keep up to their subsampling ratio more samples.
	Scale int
	// Workers bounds the goroutines that decode at once; 0 means
	// runtime.GOMAXPROCS(0) and 1 keeps all work on the calling goroutine.
	// For a single-scan sequential file the caller entropy-decodes MCU rows
	// while Workers-1 goroutines run the inverse DCT on finished rows.
	// Progressive and multi-scan files run their final inverse DCT on
	// Workers goroutines.
	Workers int
}

// FormatError reports input that is not a valid JPEG file.
type FormatError struct {
	// Reason describes what is invalid.
	Reason string
}

func (e *FormatError) Error() string { return "jpeg: invalid data: " + e.Reason }

// UnsupportedError reports a valid JPEG feature this package does not
// decode. These are arithmetic coding, 12-bit samples, lossless and
// hierarchical files, and a height defined by a DNL marker. Component counts
// other than 1, 3 and 4 are unsupported too, as are 4-component files
// without an Adobe APP14 segment. Callers can fall back to a fuller decoder.
type UnsupportedError struct {
	// Feature names the feature.
	Feature string
}

func (e *UnsupportedError) Error() string { return "jpeg: unsupported feature: " + e.Feature }

// ErrTruncated reports input that ends, or whose entropy-coded data runs out,
// before the image is complete.
var ErrTruncated = errors.New("jpeg: truncated data")

func formatErr(reason string) error       { return &FormatError{Reason: reason} }
func unsupportedErr(feature string) error { return &UnsupportedError{Feature: feature} }

// DecodeConfig reads the headers of data up to the first scan and returns the
// frame description without decoding pixels. Callers that limit memory should
// check Width*Height here before calling Decode.
func DecodeConfig(data []byte) (Config, error) {
	var d decoder
	d.data = data
	if err := d.readHeaders(true); err != nil {
		return Config{}, err
	}
	return d.config(), nil
}

// Decode decodes a complete JPEG file held in data.
func Decode(data []byte, opts Options) (image.Image, error) {
	scale := opts.Scale
	if scale == 0 {
		scale = 1
	}
	if scale != 1 && scale != 2 && scale != 4 && scale != 8 {
		return nil, errors.New("jpeg: invalid Options.Scale: must be 1, 2, 4 or 8")
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	d := decoder{data: data, scale: scale, blockSize: 8 / scale, workers: workers}
	if err := d.readHeaders(false); err != nil {
		return nil, err
	}
	return d.buildImage()
}

func (d *decoder) config() Config {
	c := Config{
		Width:       d.width,
		Height:      d.height,
		Components:  d.ncomp,
		Progressive: d.progressive,
	}
	switch {
	case d.ncomp == 1:
		c.ColorModel = color.GrayModel
	case d.ncomp == 4:
		c.ColorModel = color.CMYKModel
	case d.isRGB() || d.upsample:
		c.ColorModel = color.RGBAModel
	default:
		c.ColorModel = color.YCbCrModel
	}
	return c
}
