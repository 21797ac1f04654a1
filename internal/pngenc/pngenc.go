// Package pngenc encodes images as 8-bit, non-interlaced PNG files faster
// than image/png.
//
// Each row gets the filter type whose output has the smallest sum of
// absolute values, as libpng chooses. Rows are filtered and compressed in
// parallel in horizontal stripes of about 512 KiB of filtered data. Each
// stripe is a run of DEFLATE blocks (RFC 1951) that ends on a byte
// boundary, with the 32 KiB of filtered data before the stripe loaded as
// match history, so the concatenated pieces form one zlib stream (RFC
// 1950) that compresses almost as well as a serial one. Its Adler-32 is
// combined from the stripes' checksums. Stripe boundaries depend only on
// the image size, so the output bytes do not depend on Options.Workers.
// DEFLATE comes from github.com/klauspost/compress/flate.
package pngenc

import (
	"errors"
	"fmt"
	"image"
	"io"
	"runtime"

	"github.com/klauspost/compress/flate"
)

// Compression levels for Options.Level. Levels 1 to 9 select the
// github.com/klauspost/compress/flate level of the same number.
const (
	// DefaultLevel selects DefaultFlateLevel. It is the zero value.
	DefaultLevel = 0
	// NoCompression writes stored DEFLATE blocks and uses filter type None
	// on every row, so the IDAT data is about as large as the raw pixels.
	NoCompression = -1
	// HuffmanOnly codes filtered bytes with Huffman codes only, without
	// searching for repeated strings.
	HuffmanOnly = -2
	// BestSpeed is the fastest level that searches for repeated strings.
	BestSpeed = 1
	// BestCompression is the slowest level with the smallest output.
	BestCompression = 9
)

// DefaultFlateLevel is the flate level used for DefaultLevel. It is the
// fastest level whose output stays within 1.1 times the size of libvips
// 8.14's default pngsave output on both 3325x2494 test images of
// TestSizeVersusLibvips. That libvips writes zlib level 6 with filter type
// None on every row. The measured ratio is 1.086 on the synthetic image,
// where level 3 gives 1.109, and 0.72 on the photo, where adaptive filters
// beat filter type None.
const DefaultFlateLevel = 4

// MaxDimension is the largest width or height in pixels: PNG stores both
// as 4-byte unsigned integers limited to 2^31-1 (IHDR chunk).
const MaxDimension = 1<<31 - 1

// Options sets the encoding parameters. The zero value selects
// DefaultFlateLevel and one worker per GOMAXPROCS.
type Options struct {
	// Level is the compression effort: DefaultLevel (0), NoCompression
	// (-1), HuffmanOnly (-2), or a flate level from BestSpeed (1) to
	// BestCompression (9). Higher levels are slower and usually smaller.
	Level int
	// Workers is the maximum number of goroutines that filter and compress
	// stripes at once. 0 selects runtime.GOMAXPROCS(0). It never changes
	// the output.
	Workers int
}

var (
	// ErrInvalidOptions is returned, wrapped, for a Level outside -2..9 or
	// a negative Workers.
	ErrInvalidOptions = errors.New("pngenc: invalid options")
	// ErrInvalidImage is returned, wrapped, for an image that cannot be
	// encoded: an empty one, one wider or taller than MaxDimension, one
	// whose pixel slices are too short for its bounds, or a paletted image
	// with an empty palette or a pixel index outside its palette.
	ErrInvalidImage = errors.New("pngenc: invalid image")
)

// Encode writes img to w as a PNG file with bit depth 8.
//
// The colour type follows image/png: *image.Paletted, and any image whose
// color model is a color.Palette of at most 256 entries, becomes an
// indexed-colour file (type 3) with a tRNS chunk when a palette entry is
// not opaque. *image.Gray, *image.Gray16 and images with color.GrayModel or
// color.Gray16Model become greyscale (type 0). Every other image becomes
// truecolour (type 2) when all its pixels are opaque and truecolour with
// alpha (type 6) otherwise. Premultiplied colours (*image.RGBA and the
// generic path) are converted to straight alpha as image/png converts them,
// so image/png.Decode returns the same pixels for both encoders' files.
//
// NOTE: Every file has 8 bits per sample, where image/png writes 16-bit
// samples for color models other than grey, RGBA, NRGBA, alpha and
// palettes (for example *image.Gray16, *image.RGBA64, *image.NRGBA64,
// *image.YCbCr, *image.NYCbCrA and *image.CMYK). Their greyscale samples
// are color.GrayModel conversions (the high byte of a Gray16), opaque
// colours are the high bytes of Color.RGBA, and the others are
// color.NRGBAModel conversions.
//
// *image.RGBA, *image.NRGBA, *image.Gray, *image.Gray16, *image.Paletted
// and *image.YCbCr are read from their pixel slices. Every other image is
// read through At, which is slower; with more than one worker, At is called
// from several goroutines at once.
//
// Encode returns an error wrapping ErrInvalidOptions or ErrInvalidImage for
// bad input, or the error of w.
func Encode(w io.Writer, img image.Image, opts Options) error {
	return encodeWithStripes(w, img, opts, stripeTargetBytes)
}

// encodeWithStripes is Encode with a given stripe size target in bytes of
// filtered data, which tests lower to get many stripes from small images.
func encodeWithStripes(w io.Writer, img image.Image, opts Options, stripeBytes int) error {
	if img == nil {
		return fmt.Errorf("%w: image is nil", ErrInvalidImage)
	}
	flateLevel, err := flateLevelFor(opts.Level)
	if err != nil {
		return err
	}
	if opts.Workers < 0 {
		return fmt.Errorf("%w: workers %d is negative (0 selects GOMAXPROCS)", ErrInvalidOptions, opts.Workers)
	}
	workers := opts.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	src, err := newSource(img)
	if err != nil {
		return err
	}
	e := &encoder{
		src:        src,
		flateLevel: flateLevel,
		// Palette indices do not change smoothly, so filters rarely help
		// them, and stored blocks gain nothing from filtering.
		adaptive:    flateLevel != flate.NoCompression && src.colorType != colorTypePaletted,
		workers:     workers,
		stripeBytes: stripeBytes,
	}
	e.planStripes()
	return e.write(w)
}

// flateLevelFor maps Options.Level to a github.com/klauspost/compress/flate
// level.
func flateLevelFor(level int) (int, error) {
	switch {
	case level == DefaultLevel:
		return DefaultFlateLevel, nil
	case level == NoCompression:
		return flate.NoCompression, nil
	case level == HuffmanOnly:
		return flate.HuffmanOnly, nil
	case level >= BestSpeed && level <= BestCompression:
		return level, nil
	}
	return 0, fmt.Errorf("%w: level %d is outside -2..9 (0 selects flate level %d)", ErrInvalidOptions, level, DefaultFlateLevel)
}
