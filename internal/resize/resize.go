// Package resize scales 8-bit images with a separable Lanczos-3 filter in
// fixed-point integer arithmetic.
//
// # Filter
//
// Every output sample is a weighted sum of source samples under the
// Lanczos-3 kernel L(x) = sinc(x)·sinc(x/3) for |x| < 3 (0 elsewhere), with
// sinc(x) = sin(πx)/(πx). Output sample i maps to the source position
// (i+0.5)·scale − 0.5, where scale = source size / destination size. When
// downscaling, the kernel is stretched by scale, so it spans 6·scale source
// samples and acts as a low-pass filter. When upscaling it keeps its
// support of 6 samples. Source samples past an edge repeat the edge sample.
// Lanczos-3 is used in both directions.
//
// The weights are computed in float64 once per call and axis, normalised,
// and rounded to 14-bit fixed point so that the weights of each output
// sample add up to exactly 1<<14. As a result a constant image stays
// exactly constant. The horizontal pass runs first and keeps 6 fractional
// bits in its int32 output rows. The vertical pass then rounds to the
// nearest integer and clamps to 0..255.
//
// # Box pre-shrink
//
// When an axis shrinks by a factor of 4 or more, the source is first
// reduced along that axis by an integer factor k = floor(scale/2) (at most
// 512), by averaging blocks of kx×ky pixels (the blocks in the last column
// and row may be smaller). The Lanczos pass then covers the remaining
// factor, which is at least 2. This is the split that libvips calls
// "shrink" then "reduce". For 4032×3024 to 554×416 it cuts the
// multiply-adds of the Lanczos passes about sevenfold. For blocks of up to
// 257 pixels the block sums go to the horizontal pass unrounded; larger
// blocks are rounded to their 8-bit mean first.
//
// # Cost
//
// Without the pre-shrink, the horizontal pass does about 6·max(scaleX,1)
// multiply-adds per output column for each source row, and the vertical
// pass about 6·max(scaleY,1) per output sample. Each multiply-add covers
// two channels of an RGBA pixel, or two gray samples (of adjacent rows in
// the horizontal pass, of adjacent columns in the vertical pass).
// The box step reads every source byte once. Scratch memory is a few rows
// per worker: no full-size intermediate image is allocated, and nothing is
// allocated per row. bench_test.go measures the speed.
//
// # Accuracy
//
// Against an exact float64 Lanczos-3 resize (reference_test.go), photos
// resized without the pre-shrink differ by at most 1 level per channel
// (PSNR above 73 dB in the tests), the rounding of the weights and of the
// intermediate rows. With the pre-shrink the tests measure 53 to 60 dB,
// for example 57 dB for a 4032×3024 photo-like image reduced to 554×416;
// they require at least 38 dB in every case.
package resize

import (
	"errors"
	"fmt"
	"image"
	"runtime"
)

// ErrInvalidArgument is wrapped by every error that Plane and RGBA return:
// a size, stride or buffer length that cannot describe the image, or more
// than one Options value.
var ErrInvalidArgument = errors.New("resize: invalid argument")

// MaxDimension is the largest width or height, in pixels, that Plane and
// RGBA accept for a source or destination image. The weight tables store
// sample positions as int32, and this limit keeps them far inside that
// range.
const MaxDimension = 1 << 16

// Options tunes a resize call. The zero value is ready to use.
type Options struct {
	// Workers is the number of goroutines that share the output rows.
	// 0 means runtime.GOMAXPROCS(0) and a negative value is an error.
	// Small outputs use fewer goroutines than requested, because each
	// worker gets at least 16 output rows.
	Workers int
}

// Plane scales one 8-bit channel, such as the Y, Cb or Cr plane of a
// decoded JPEG or a gray image, from src (srcW×srcH samples, rows
// srcStride bytes apart) into dst (dstW×dstH samples, rows dstStride bytes
// apart). Bytes of dst outside the dstW×dstH area are left unchanged. The
// filter is Lanczos-3 as described in the package documentation. dst and
// src must not overlap. Sizes must be 1..MaxDimension. At most one Options
// value may be passed. Errors wrap ErrInvalidArgument.
func Plane(dst []byte, dstW, dstH, dstStride int, src []byte, srcW, srcH, srcStride int, opts ...Options) error {
	workers, err := workerCount(opts)
	if err != nil {
		return err
	}
	d := planeView{pix: dst, w: dstW, h: dstH, stride: dstStride}
	s := planeView{pix: src, w: srcW, h: srcH, stride: srcStride}
	if err := d.check("destination", 1); err != nil {
		return err
	}
	if err := s.check("source", 1); err != nil {
		return err
	}
	run(d, s, 1, workers)
	return nil
}

// RGBA scales src into dst. The sizes are those of the two Bounds
// rectangles, which may start anywhere. Both images store colour
// premultiplied by alpha, as image.RGBA does, and the filter works on the
// premultiplied values, so fully transparent pixels contribute no colour
// and stay all zero. After rounding, each colour channel is clamped to at
// most the pixel's alpha so that dst stays a valid premultiplied image.
// dst and src must not share pixel memory. Sizes must be 1..MaxDimension.
// At most one Options value may be passed. Errors wrap ErrInvalidArgument.
func RGBA(dst, src *image.RGBA, opts ...Options) error {
	workers, err := workerCount(opts)
	if err != nil {
		return err
	}
	d, err := rgbaView(dst, "destination")
	if err != nil {
		return err
	}
	s, err := rgbaView(src, "source")
	if err != nil {
		return err
	}
	run(d, s, 4, workers)
	return nil
}

// planeView is an image of w×h pixels whose rows are stride bytes apart in
// pix. The channel count is passed alongside.
type planeView struct {
	pix    []byte
	w, h   int
	stride int
}

func (p planeView) check(role string, channels int) error {
	if p.w < 1 || p.h < 1 || p.w > MaxDimension || p.h > MaxDimension {
		return fmt.Errorf("%w: %s size %dx%d is outside 1..%d", ErrInvalidArgument, role, p.w, p.h, MaxDimension)
	}
	rowBytes := p.w * channels
	if p.stride < rowBytes {
		return fmt.Errorf("%w: %s stride %d is less than the %d bytes of a row", ErrInvalidArgument, role, p.stride, rowBytes)
	}
	need := (p.h-1)*p.stride + rowBytes
	if len(p.pix) < need {
		return fmt.Errorf("%w: %s buffer has %d bytes, %dx%d with stride %d needs %d", ErrInvalidArgument, role, len(p.pix), p.w, p.h, p.stride, need)
	}
	return nil
}

func rgbaView(m *image.RGBA, role string) (planeView, error) {
	if m == nil {
		return planeView{}, fmt.Errorf("%w: %s image is nil", ErrInvalidArgument, role)
	}
	b := m.Bounds()
	v := planeView{w: b.Dx(), h: b.Dy(), stride: m.Stride}
	if v.w < 1 || v.h < 1 {
		return planeView{}, fmt.Errorf("%w: %s bounds %v are empty", ErrInvalidArgument, role, b)
	}
	if v.w > MaxDimension || v.h > MaxDimension {
		return planeView{}, fmt.Errorf("%w: %s size %dx%d is outside 1..%d", ErrInvalidArgument, role, v.w, v.h, MaxDimension)
	}
	if m.Stride < 4*v.w {
		return planeView{}, fmt.Errorf("%w: %s stride %d is less than the %d bytes of a row", ErrInvalidArgument, role, m.Stride, 4*v.w)
	}
	// image.RGBA.Rect may start at any point, and Pix[0] is the pixel at
	// Rect.Min, so the first pixel is at offset 0 here.
	v.pix = m.Pix
	if err := v.check(role, 4); err != nil {
		return planeView{}, err
	}
	return v, nil
}

func workerCount(opts []Options) (int, error) {
	if len(opts) > 1 {
		return 0, fmt.Errorf("%w: got %d Options values, want at most 1", ErrInvalidArgument, len(opts))
	}
	n := 0
	if len(opts) == 1 {
		n = opts[0].Workers
	}
	if n < 0 {
		return 0, fmt.Errorf("%w: Workers is %d, want 0 (GOMAXPROCS) or more", ErrInvalidArgument, n)
	}
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return n, nil
}
