package jpegdec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// factorFixtures lists the files whose sampling factors *image.YCbCr cannot
// express, with their reference decodes (testdata/gen.sh): djpeg of
// libjpeg-turbo 2.1.5, or ImageMagick 6.9.11 on the same library for CMYK.
// maxDiff bounds the per-sample difference of Decode's output from the
// reference and minPSNR the PSNR against it, in dB. Both are measured and
// rounded outwards.
//
// maxDiff is 3 where libjpeg also interpolates linearly, because every
// component ratio is 1x1, 2x1, 1x2 or 2x2. Where libjpeg replicates
// samples (every other ratio), the outputs differ by up to 3/8 of the step
// between neighbouring chroma samples, measured at up to 39 on these files. The decoded planes themselves are checked against the reference
// within maxModelDiff by libjpegModel.
var factorFixtures = []struct {
	file, ref string
	model     string // image type Decode returns
	maxDiff   int
	minPSNR   float64
}{
	{"../../testdata/hostile/sample-32.jpg", "testdata/hostile-sample-32.pnm", "*image.RGBA", 40, 32},
	{"testdata/factors-3x1.jpg", "testdata/factors-3x1.pnm", "*image.RGBA", 30, 32},
	{"testdata/factors-1x3.jpg", "testdata/factors-1x3.pnm", "*image.RGBA", 25, 38},
	{"testdata/factors-3x2.jpg", "testdata/factors-3x2.pnm", "*image.RGBA", 30, 32},
	{"testdata/factors-3x2-progressive.jpg", "testdata/factors-3x2-progressive.pnm", "*image.RGBA", 30, 32},
	{"testdata/factors-3x3.jpg", "testdata/factors-3x3.pnm", "*image.RGBA", 36, 32},
	{"testdata/factors-2x4.jpg", "testdata/factors-2x4.pnm", "*image.RGBA", 35, 33},
	{"testdata/factors-4x4-progressive.jpg", "testdata/factors-4x4-progressive.pnm", "*image.RGBA", 40, 31},
	{"testdata/factors-1x1-2x2-1x1.jpg", "testdata/factors-1x1-2x2-1x1.pnm", "*image.RGBA", 3, 55},
	{"testdata/factors-2x2-1x1-2x1.jpg", "testdata/factors-2x2-1x1-2x1.pnm", "*image.RGBA", 3, 55},
	{"testdata/factors-rgb-3x1.jpg", "testdata/factors-rgb-3x1.pnm", "*image.RGBA", 40, 32},
	{"testdata/factors-gray-2x2.jpg", "testdata/factors-gray-2x2.pnm", "*image.Gray", 1, 65},
	{"testdata/factors-cmyk-3x1.jpg", "testdata/factors-cmyk-3x1.cmyk", "*image.CMYK", 32, 33},
}

// maxModelDiff bounds the difference of libjpegModel's output from the
// references: the two inverse DCTs differ by up to 1 (see maxDiffScale1),
// which colour conversion and rounding grow to 2.
const maxModelDiff = 2

// reference is a decoded reference image: w x h pixels of channels
// interleaved 8-bit samples.
type reference struct {
	w, h, channels int
	pix            []byte
}

// readReference reads a binary PNM file (P5 grey or P6 RGB, maxval 255), or
// for the .cmyk extension raw CMYK samples whose size is taken from want.
func readReference(t *testing.T, path string, want image.Rectangle) reference {
	t.Helper()
	data := readFixture(t, path)
	if strings.HasSuffix(path, ".cmyk") {
		if len(data) != 4*want.Dx()*want.Dy() {
			t.Fatalf("%s holds %d bytes, want %d for %v CMYK", path, len(data), 4*want.Dx()*want.Dy(), want.Size())
		}
		return reference{want.Dx(), want.Dy(), 4, data}
	}

	r := bufio.NewReader(bytes.NewReader(data))
	var magic string
	var w, h, maxval int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxval); err != nil {
		t.Fatalf("%s: reading the PNM header: %v", path, err)
	}
	// One whitespace byte separates the header from the samples.
	if _, err := r.ReadByte(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	channels := map[string]int{"P5": 1, "P6": 3}[magic]
	if channels == 0 || maxval != 255 {
		t.Fatalf("%s: PNM type %s with maxval %d, want P5 or P6 with 255", path, magic, maxval)
	}

	pix, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(pix) != w*h*channels {
		t.Fatalf("%s: %d sample bytes, want %d for %dx%d with %d channels", path, len(pix), w*h*channels, w, h, channels)
	}
	return reference{w, h, channels, pix}
}

// compareReference returns the largest per-sample difference between the
// first ref.channels samples of each pixel of pix (stride bytes a row,
// step bytes a pixel) and ref, where it occurs, and the PSNR in dB.
func compareReference(pix []byte, stride, step int, ref reference) (int, string, float64) {
	worst, where := 0, ""
	var sum float64
	for y := 0; y < ref.h; y++ {
		for x := 0; x < ref.w; x++ {
			for c := 0; c < ref.channels; c++ {
				got := int(pix[y*stride+x*step+c])
				want := int(ref.pix[(y*ref.w+x)*ref.channels+c])
				d := got - want
				sum += float64(d * d)
				if d < 0 {
					d = -d
				}
				if d > worst {
					worst, where = d, fmt.Sprintf("channel %d at (%d,%d): got %d, reference %d", c, x, y, got, want)
				}
			}
		}
	}
	mse := sum / float64(ref.w*ref.h*ref.channels)
	return worst, where, 10 * math.Log10(255*255/math.Max(mse, 1e-9))
}

// pixelsOf returns the samples of an image of a type Decode returns, with
// its stride and bytes per pixel.
func pixelsOf(t *testing.T, img image.Image) ([]byte, int, int) {
	t.Helper()
	switch m := img.(type) {
	case *image.RGBA:
		return m.Pix, m.Stride, 4
	case *image.CMYK:
		return m.Pix, m.Stride, 4
	case *image.Gray:
		return m.Pix[m.PixOffset(0, 0):], m.Stride, 1
	}
	t.Fatalf("unexpected image type %T", img)
	return nil, 0, 0
}

func TestFactorsMatchReference(t *testing.T) {
	for _, fx := range factorFixtures {
		t.Run(filepath.Base(fx.file), func(t *testing.T) {
			data := readFixture(t, fx.file)
			cfg, err := DecodeConfig(data)
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			for _, workers := range []int{1, 2} {
				img, err := Decode(data, Options{Workers: workers})
				if err != nil {
					t.Fatalf("Decode(workers=%d): %v", workers, err)
				}
				if got := fmt.Sprintf("%T", img); got != fx.model {
					t.Fatalf("Decode returned %s, want %s", got, fx.model)
				}
				if img.ColorModel() != cfg.ColorModel {
					t.Fatalf("Decode returned colour model %v, DecodeConfig reports %v", img.ColorModel(), cfg.ColorModel)
				}
				if b := img.Bounds(); b != image.Rect(0, 0, cfg.Width, cfg.Height) {
					t.Fatalf("bounds %v, want %dx%d from DecodeConfig", b, cfg.Width, cfg.Height)
				}
				ref := readReference(t, fx.ref, img.Bounds())
				if ref.w != cfg.Width || ref.h != cfg.Height {
					t.Fatalf("reference %s is %dx%d, the file %dx%d", fx.ref, ref.w, ref.h, cfg.Width, cfg.Height)
				}
				pix, stride, step := pixelsOf(t, img)
				d, where, psnr := compareReference(pix, stride, step, ref)
				if d > fx.maxDiff {
					t.Errorf("workers=%d: max sample difference from the reference %d exceeds %d: %s", workers, d, fx.maxDiff, where)
				}
				if psnr < fx.minPSNR {
					t.Errorf("workers=%d: PSNR against the reference %.1f dB, want >= %.0f dB", workers, psnr, fx.minPSNR)
				}
				t.Logf("workers=%d: Decode vs reference: max difference %d, PSNR %.1f dB", workers, d, psnr)
			}

			model, stride, step := libjpegModel(t, data)
			ref := readReference(t, fx.ref, image.Rect(0, 0, cfg.Width, cfg.Height))
			d, where, psnr := compareReference(model, stride, step, ref)
			if d > maxModelDiff {
				t.Errorf("decoded planes upsampled like libjpeg differ from the reference by %d, above %d: %s (the planes themselves are wrong)", d, maxModelDiff, where)
			}
			t.Logf("libjpeg model vs reference: max difference %d, PSNR %.1f dB", d, psnr)
		})
	}
}

// libjpegModel decodes data at full size and upsamples the component planes
// as libjpeg-turbo 2.1.5 does by default: the triangle filter of
// libjpegFancy for component ratios 2x1, 1x2 and 2x2, and sample
// replication for every other integer ratio. It converts the result with
// this package's colour conversion and returns 4-byte pixels (1-byte for
// grey) with the stride.
func libjpegModel(t *testing.T, data []byte) ([]byte, int, int) {
	t.Helper()
	d := decoder{data: data, scale: 1, blockSize: 8, workers: 1}
	if err := d.readHeaders(false); err != nil {
		t.Fatalf("decoding the planes: %v", err)
	}
	w, h := d.width, d.height
	var full [4][]byte
	for i := 0; i < d.ncomp; i++ {
		c := &d.comps[i]
		if d.hmax%c.h != 0 || d.vmax%c.v != 0 {
			t.Fatalf("component %d ratio %d/%d x %d/%d is not an integer, which libjpeg rejects", i, d.hmax, c.h, d.vmax, c.v)
		}
		sw := validSamples(d.width, c.h, d.hmax, 8)
		sh := validSamples(d.height, c.v, d.vmax, 8)
		full[i] = libjpegUpsample(c.plane, c.stride, sw, sh, d.hmax/c.h, d.vmax/c.v, w, h)
	}
	if d.ncomp == 1 {
		return full[0], w, 1
	}
	out := make([]byte, 4*w*h)
	for p := 0; p < w*h; p++ {
		y, cb, cr := full[0][p], full[1][p], full[2][p]
		o := out[4*p : 4*p+4]
		switch {
		case d.ncomp == 4 && d.adobeTransform == adobeTransformNone:
			o[0], o[1], o[2], o[3] = 255-y, 255-cb, 255-cr, 255-full[3][p]
		case d.ncomp == 4:
			o[0], o[1], o[2] = ycbcrToRGB(y, cb, cr)
			o[3] = 255 - full[3][p]
		case d.isRGB():
			o[0], o[1], o[2], o[3] = y, cb, cr, 255
		default:
			o[0], o[1], o[2] = ycbcrToRGB(y, cb, cr)
			o[3] = 255
		}
	}
	return out, 4 * w, 4
}

// libjpegUpsample enlarges the sw x sh valid samples of a plane by integer
// ratios rh x rv to w x h, the way libjpeg-turbo 2.1.5's decoder does with
// fancy upsampling on (its default). Samples past the valid ones repeat the
// edge sample.
func libjpegUpsample(src []byte, stride, sw, sh, rh, rv, w, h int) []byte {
	at := func(x, y int) int {
		return int(src[min(max(y, 0), sh-1)*stride+min(max(x, 0), sw-1)])
	}
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx, sy := x/rh, y/rv
			// The neighbour is on the side of the output sample's centre.
			nx, ny := sx-1+2*(x%2), sy-1+2*(y%2)
			var v int
			switch {
			case rh == 2 && rv == 1:
				v = (3*at(sx, sy) + at(nx, sy) + 1 + x%2) >> 2
			case rh == 1 && rv == 2:
				v = (3*at(sx, sy) + at(sx, ny) + 1 + y%2) >> 2
			case rh == 2 && rv == 2:
				col := func(cx int) int { return 3*at(cx, sy) + at(cx, ny) }
				v = (3*col(sx) + col(nx) + 8 - x%2) >> 4
			default:
				v = at(sx, sy)
			}
			out[y*w+x] = byte(v)
		}
	}
	return out
}

func TestFactorsScaled(t *testing.T) {
	for _, fx := range factorFixtures {
		data := readFixture(t, fx.file)
		full, err := Decode(data, Options{})
		if err != nil {
			t.Fatalf("%s: full-size Decode: %v", fx.file, err)
		}
		for _, s := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("%s/1_%d", filepath.Base(fx.file), s), func(t *testing.T) {
				got, err := Decode(data, Options{Scale: s})
				if err != nil {
					t.Fatalf("Decode at scale 1/%d: %v", s, err)
				}
				fb := full.Bounds()
				want := image.Rect(0, 0, (fb.Dx()+s-1)/s, (fb.Dy()+s-1)/s)
				if got.Bounds() != want {
					t.Fatalf("bounds %v at scale 1/%d, want %v (the full size divided, rounded up)", got.Bounds(), s, want)
				}
				if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", full) {
					t.Fatalf("scaled Decode returned %T, full-size %T", got, full)
				}
				if p := boxPSNR(t, got, full, s); p < 30 {
					t.Fatalf("PSNR %.1f dB against the full decode box-averaged by %d, want >= 30 dB", p, s)
				} else {
					t.Logf("PSNR %.1f dB", p)
				}
			})
		}
	}
}

func TestAxisTaps(t *testing.T) {
	const unit = 1 << tapBits // weight 1
	cases := []struct {
		name           string
		n, valid, f, m int
		lo, hi, w      []int32
	}{
		// Ratio 2: libjpeg's triangle weights 3/4 and 1/4, edges repeated.
		{"ratio 2", 5, 3, 1, 2,
			[]int32{0, 0, 0, 1, 1}, []int32{0, 1, 1, 2, 2}, []int32{unit * 3 / 4, unit / 4, unit * 3 / 4, unit / 4, unit * 3 / 4}},
		// Ratio 3: the middle output of each group hits a sample exactly.
		{"ratio 3", 6, 2, 1, 3,
			[]int32{0, 0, 0, 0, 1, 1}, []int32{0, 1, 1, 1, 1, 1}, []int32{2731, 0, 1365, 2731, 0, 1365}},
		// Ratio 3/2: outputs at sample positions -1/6, 1/2, 7/6 and 11/6.
		{"ratio 3/2", 4, 3, 2, 3,
			[]int32{0, 0, 1, 1}, []int32{0, 1, 2, 2}, []int32{3413, unit / 2, 683, 3413}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			taps := newAxisTaps(tc.n, tc.valid, tc.f, tc.m)
			if taps.identity {
				t.Fatal("taps are the identity, want interpolation")
			}
			for x := 0; x < tc.n; x++ {
				if taps.lo[x] != tc.lo[x] || taps.hi[x] != tc.hi[x] || taps.w[x] != tc.w[x] {
					t.Errorf("output %d: samples %d,%d weight %d, want %d,%d weight %d",
						x, taps.lo[x], taps.hi[x], taps.w[x], tc.lo[x], tc.hi[x], tc.w[x])
				}
			}
		})
	}
	if !newAxisTaps(7, 7, 3, 3).identity {
		t.Error("taps for a full-resolution component are not the identity")
	}
}

// TestPlaneResamplerMatchesFloat compares planeResampler with linear
// interpolation in float64 at centre-aligned positions, for every ratio
// from 1/8 (upsampling by 8) to 2 (downsampling by 2) and several output
// sizes.
func TestPlaneResamplerMatchesFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// den is Hmax times the output block side, num H times the component's
	// block side, which may be up to twice den (componentBlockSize).
	for _, den := range []int{1, 2, 3, 4, 6, 8, 12, 16, 24, 32} {
		for f := 1; f <= 2*den; f++ {
			fmax := den
			for _, size := range []int{1, 7, 16, 23} {
				valid := ceilDiv(size*f, fmax)
				stride := valid + 3 // padding that must never be read
				plane := make([]byte, stride*(valid+2))
				for i := range plane {
					plane[i] = byte(r.IntN(256))
				}
				c := &component{plane: plane, stride: stride}
				taps := newAxisTaps(size, valid, f, fmax)
				rs := planeResampler{c: c, h: &taps, v: &taps, validW: valid, acc: make([]int32, valid), out: make([]byte, size)}
				at := func(x, y int) float64 {
					return float64(plane[min(max(y, 0), valid-1)*stride+min(max(x, 0), valid-1)])
				}
				for y := 0; y < size; y++ {
					row := rs.row(y)
					py := (float64(y)+0.5)*float64(f)/float64(fmax) - 0.5
					for x := 0; x < size; x++ {
						px := (float64(x)+0.5)*float64(f)/float64(fmax) - 0.5
						x0, y0 := math.Floor(px), math.Floor(py)
						fx, fy := px-x0, py-y0
						top := at(int(x0), int(y0))*(1-fx) + at(int(x0)+1, int(y0))*fx
						bottom := at(int(x0), int(y0)+1)*(1-fx) + at(int(x0)+1, int(y0)+1)*fx
						want := top*(1-fy) + bottom*fy
						// Weights are rounded to 12 bits, which moves a
						// result by at most 2*255/8192 before rounding.
						if d := math.Abs(float64(row[x]) - want); d > 0.5+2*255.0/8192 {
							t.Fatalf("factor %d of %d, size %d: output (%d,%d) is %d, exact %.3f", f, fmax, size, x, y, row[x], want)
						}
					}
				}
			}
		}
	}
}

// TestYCbCrToRGB checks the fixed-point conversion against the T.871
// equations in float64 for every input triple.
func TestYCbCrToRGB(t *testing.T) {
	round := func(v float64) int { return int(math.Min(255, math.Max(0, math.Floor(v+0.5)))) }
	off := 0
	for y := 0; y < 256; y++ {
		for cb := 0; cb < 256; cb++ {
			for cr := 0; cr < 256; cr++ {
				fy, fcb, fcr := float64(y), float64(cb-128), float64(cr-128)
				want := [3]int{
					round(fy + 1.402*fcr),
					round(fy - 0.344136*fcb - 0.714136*fcr),
					round(fy + 1.772*fcb),
				}
				r, g, b := ycbcrToRGB(byte(y), byte(cb), byte(cr))
				got := [3]int{int(r), int(g), int(b)}
				for i := range got {
					d := got[i] - want[i]
					if d < -1 || d > 1 {
						t.Fatalf("ycbcrToRGB(%d,%d,%d) = %v, T.871 gives %v", y, cb, cr, got, want)
					}
					if d != 0 {
						off++
					}
				}
			}
		}
	}
	// 16-bit coefficients put a result off by one only where the exact
	// value lies within about 0.002 of a rounding boundary.
	if off > 1<<16 {
		t.Fatalf("%d of %d samples differ from T.871 by one, want at most %d", off, 3<<24, 1<<16)
	}
	t.Logf("%d of %d samples differ from T.871 by one", off, 3<<24)
	if r, g, b := ycbcrToRGB(128, 128, 128); r != 128 || g != 128 || b != 128 {
		t.Fatalf("mid grey converts to %d,%d,%d, want 128,128,128", r, g, b)
	}
}

// TestFactorsTruncated cuts files at every offset: each cut must fail with
// ErrTruncated or a FormatError, never panic and never return an image.
func TestFactorsTruncated(t *testing.T) {
	for _, path := range []string{
		"testdata/factors-3x2.jpg",
		"testdata/factors-3x3.jpg",
		"testdata/factors-4x4-progressive.jpg",
		"testdata/factors-cmyk-3x1.jpg",
	} {
		data := readFixture(t, path)
		for n := 0; n < len(data); n++ {
			for _, s := range []int{1, 4} {
				_, err := Decode(data[:n], Options{Scale: s, Workers: 1 + n%2})
				var fe *FormatError
				if !errors.Is(err, ErrTruncated) && !errors.As(err, &fe) {
					t.Fatalf("%s cut to %d of %d bytes at scale 1/%d: error %v, want ErrTruncated or *FormatError", path, n, len(data), s, err)
				}
			}
		}
	}
}

func TestFactorsUnsupportedCMYK(t *testing.T) {
	data := readFixture(t, "testdata/factors-cmyk-3x1.jpg")
	// Renaming the Adobe segment leaves the colour model unknown.
	data = patched(data, segmentOffset(t, data, markerAPPE)+4, 'X')
	_, err := Decode(data, Options{})
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("Decode error = %v, want an *UnsupportedError", err)
	}
}
