package jpegdec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// plane is one sample plane of a decoded image: sample (x, y) is
// pix[y*stride+x*step].
type plane struct {
	name         string
	w, h         int
	pix          []byte
	stride, step int
}

func (p *plane) at(x, y int) uint8 { return p.pix[y*p.stride+x*p.step] }

// planesOf returns the sample planes of img, so two images of the same type
// compare sample by sample without colour conversion.
func planesOf(t *testing.T, img image.Image) []plane {
	t.Helper()
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		cw, ch := chromaSize(m)
		co := m.COffset(b.Min.X, b.Min.Y)
		return []plane{
			{"Y", b.Dx(), b.Dy(), m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, 1},
			{"Cb", cw, ch, m.Cb[co:], m.CStride, 1},
			{"Cr", cw, ch, m.Cr[co:], m.CStride, 1},
		}
	case *image.Gray:
		return []plane{{"gray", b.Dx(), b.Dy(), m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 1}}
	case *image.RGBA:
		var ps []plane
		for i, n := range []string{"R", "G", "B", "A"} {
			ps = append(ps, plane{n, b.Dx(), b.Dy(), m.Pix[m.PixOffset(b.Min.X, b.Min.Y)+i:], m.Stride, 4})
		}
		return ps
	case *image.CMYK:
		var ps []plane
		for i, n := range []string{"C", "M", "Y", "K"} {
			ps = append(ps, plane{n, b.Dx(), b.Dy(), m.Pix[m.PixOffset(b.Min.X, b.Min.Y)+i:], m.Stride, 4})
		}
		return ps
	}
	t.Fatalf("unexpected image type %T", img)
	return nil
}

// chromaSize returns the size of the chroma planes that cover m's bounds
// (the bounds start at 0,0 in every image compared here).
func chromaSize(m *image.YCbCr) (int, int) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

// maxSampleDiff compares two images of the same type and size sample by
// sample and returns the largest absolute difference and where it is.
func maxSampleDiff(t *testing.T, got, want image.Image) (int, string) {
	t.Helper()
	gp, wp := planesOf(t, got), planesOf(t, want)
	worst, where := 0, ""
	for i := range gp {
		if gp[i].w != wp[i].w || gp[i].h != wp[i].h {
			t.Fatalf("plane %s is %dx%d, image/jpeg's is %dx%d", gp[i].name, gp[i].w, gp[i].h, wp[i].w, wp[i].h)
		}
		for y := 0; y < gp[i].h; y++ {
			for x := 0; x < gp[i].w; x++ {
				d := int(gp[i].at(x, y)) - int(wp[i].at(x, y))
				if d < 0 {
					d = -d
				}
				if d > worst {
					worst, where = d, fmt.Sprintf("plane %s at (%d,%d): got %d, want %d", gp[i].name, x, y, gp[i].at(x, y), wp[i].at(x, y))
				}
			}
		}
	}
	return worst, where
}

// boxPSNR box-averages every plane of want by factor s (rounding the
// partial boxes at the edges over the samples present) and returns the PSNR
// of got against it in dB, with the planes' sizes checked to match.
func boxPSNR(t *testing.T, got, want image.Image, s int) float64 {
	t.Helper()
	gp, wp := planesOf(t, got), planesOf(t, want)
	var sum float64
	n := 0
	for i := range gp {
		ew, eh := (wp[i].w+s-1)/s, (wp[i].h+s-1)/s
		if gp[i].w != ew || gp[i].h != eh {
			t.Fatalf("plane %s is %dx%d at scale 1/%d, want %dx%d (image/jpeg's %dx%d divided)", gp[i].name, gp[i].w, gp[i].h, s, ew, eh, wp[i].w, wp[i].h)
		}
		for y := 0; y < eh; y++ {
			for x := 0; x < ew; x++ {
				acc, cnt := 0, 0
				for yy := y * s; yy < min(y*s+s, wp[i].h); yy++ {
					for xx := x * s; xx < min(x*s+s, wp[i].w); xx++ {
						acc += int(wp[i].at(xx, yy))
						cnt++
					}
				}
				d := float64(gp[i].at(x, y)) - float64(acc)/float64(cnt)
				sum += d * d
				n++
			}
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

// jpegFiles lists every JPEG under the shared fixture folders and this
// package's testdata.
func jpegFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"../../testdata/mastodon/*.jp*g",
		"../../testdata/gotosocial/*.jp*g",
		"testdata/*.jpg",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 10 {
		t.Fatalf("found only %d JPEG fixtures; the testdata folders are missing", len(files))
	}
	return files
}

// maxDiffScale1 is the largest per-sample difference allowed from image/jpeg
// at full size. TestIDCTMatchesReference shows this decoder's samples are
// within 0.51 of the exact inverse DCT of T.81 A.3.3, which is correct
// rounding up to a small fixed-point term. image/jpeg's IDCT is within 1 of
// exact (IEEE 1180 accuracy), so the two differ by at most 1.5 before
// rounding and by at most 1 as integers.
const maxDiffScale1 = 1

// maxDiffConverted is the bound for CMYK images decoded from YCCK, whose
// channels are YCbCr-to-RGB conversions: a difference of 1 in Y and in a
// chroma sample becomes up to 1 + 1.772 before rounding.
const maxDiffConverted = 3

// stdlibWrong lists fixtures image/jpeg cannot decode although they are
// valid; TestProgressiveMatchesSequential covers them instead.
var stdlibWrong = map[string]string{
	// libjpeg-turbo 2.1.5 (cjpeg, djpeg) writes and reads it; image/jpeg of
	// Go 1.26 fails with "missing 0xff00 sequence".
	"restart-3-progressive.jpg": "progressive scans with restart intervals",
}

func TestDecodeMatchesStdlib(t *testing.T) {
	for _, path := range jpegFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if reason, ok := stdlibWrong[filepath.Base(path)]; ok {
				t.Skipf("image/jpeg cannot decode this file (%s)", reason)
			}
			want, wantErr := jpeg.Decode(bytes.NewReader(data))
			var unsupported jpeg.UnsupportedError
			if errors.As(wantErr, &unsupported) {
				t.Skipf("image/jpeg rejects this file (%v); TestFactorsMatchReference compares it with libjpeg-turbo", wantErr)
			}
			bound := maxDiffScale1
			if _, ok := want.(*image.CMYK); ok && isYCCK(data) {
				bound = maxDiffConverted
			}
			for _, workers := range []int{1, 2} {
				got, err := Decode(data, Options{Workers: workers})
				if wantErr != nil {
					if err == nil {
						t.Fatalf("Decode succeeded, but image/jpeg fails with %v", wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("Decode(workers=%d): %v (image/jpeg decodes it)", workers, err)
				}
				if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
					t.Fatalf("Decode returned %T, image/jpeg returns %T", got, want)
				}
				if got.Bounds() != want.Bounds() {
					t.Fatalf("bounds %v, image/jpeg %v", got.Bounds(), want.Bounds())
				}
				if g, ok := got.(*image.YCbCr); ok && g.SubsampleRatio != want.(*image.YCbCr).SubsampleRatio {
					t.Fatalf("subsample ratio %v, image/jpeg %v", g.SubsampleRatio, want.(*image.YCbCr).SubsampleRatio)
				}
				d, where := maxSampleDiff(t, got, want)
				if d > bound {
					t.Fatalf("workers=%d: max sample difference %d exceeds %d: %s", workers, d, bound, where)
				}
				t.Logf("%T %v: max sample difference %d", got, got.Bounds().Size(), d)
			}
		})
	}
}

func TestDecodeScaledPSNR(t *testing.T) {
	for _, path := range jpegFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			continue // invalid files are covered by TestDecodeMatchesStdlib
		}
		// Colour conversion amplifies the reduced IDCT's differences (see
		// maxDiffConverted), and clamping makes box averages of converted
		// samples differ further, so YCCK files get a lower bound.
		minPSNR := 30.0
		if isYCCK(data) {
			minPSNR = 20
		}
		for _, s := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("%s/1_%d", filepath.Base(path), s), func(t *testing.T) {
				got, err := Decode(data, Options{Scale: s})
				if err != nil {
					t.Fatalf("Decode at scale 1/%d: %v", s, err)
				}
				wb := want.Bounds()
				wantRect := image.Rect(0, 0, (wb.Dx()+s-1)/s, (wb.Dy()+s-1)/s)
				if got.Bounds() != wantRect {
					t.Fatalf("bounds %v, want %v", got.Bounds(), wantRect)
				}
				p := boxPSNR(t, got, want, s)
				if p < minPSNR {
					t.Fatalf("PSNR %.1f dB against image/jpeg box-averaged by %d, want >= %.0f dB", p, s, minPSNR)
				}
				t.Logf("PSNR %.1f dB", p)
			})
		}
	}
}

// isYCCK reports a 4-component file with an Adobe transform other than 0.
func isYCCK(data []byte) bool {
	d := decoder{data: data}
	if err := d.readHeaders(true); err != nil {
		return false
	}
	return d.ncomp == 4 && d.adobe && d.adobeTransform != adobeTransformNone
}

// TestProgressiveMatchesSequential decodes each progressive fixture and its
// sequential transcode (jpegtran copies quantised coefficients unchanged),
// which must give identical samples at every scale.
func TestProgressiveMatchesSequential(t *testing.T) {
	seqs, err := filepath.Glob("testdata/*.seq.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) == 0 {
		t.Fatal("no testdata/*.seq.jpg fixtures; run testdata/gen.sh")
	}
	for _, seq := range seqs {
		prog := strings.TrimSuffix(seq, ".seq.jpg") + ".jpg"
		for _, s := range []int{1, 2, 4, 8} {
			t.Run(fmt.Sprintf("%s/1_%d", filepath.Base(prog), s), func(t *testing.T) {
				pdata, err := os.ReadFile(prog)
				if err != nil {
					t.Fatal(err)
				}
				sdata, err := os.ReadFile(seq)
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := DecodeConfig(pdata)
				if err != nil {
					t.Fatal(err)
				}
				if !cfg.Progressive {
					t.Fatalf("DecodeConfig reports %s as not progressive", prog)
				}
				got, err := Decode(pdata, Options{Scale: s})
				if err != nil {
					t.Fatalf("progressive: %v", err)
				}
				want, err := Decode(sdata, Options{Scale: s})
				if err != nil {
					t.Fatalf("sequential transcode: %v", err)
				}
				if d, where := maxSampleDiff(t, got, want); d != 0 {
					t.Fatalf("progressive and sequential decodes differ by %d: %s", d, where)
				}
			})
		}
	}
}

// TestDecodeCMYKTransform0 rewrites the Adobe transform of the YCCK fixture
// to 0, which makes both decoders read the planes as inverted CMYK without
// colour conversion, and compares the result with image/jpeg's.
func TestDecodeCMYKTransform0(t *testing.T) {
	data := readFixture(t, "testdata/cmyk.jpg")
	app14 := segmentOffset(t, data, markerAPPE)
	// Payload byte 11 of the Adobe segment is the transform; the payload
	// starts after the marker and the length (4 bytes).
	if data[app14+4+11] != adobeTransformYCCK {
		t.Fatalf("fixture transform is %d, want %d (YCCK)", data[app14+4+11], adobeTransformYCCK)
	}
	data = patched(data, app14+4+11, adobeTransformNone)
	if isYCCK(data) {
		t.Fatal("patched file still reads as YCCK")
	}
	want, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	got, err := Decode(data, Options{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if _, ok := got.(*image.CMYK); !ok {
		t.Fatalf("Decode returned %T, want *image.CMYK", got)
	}
	if got.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, image/jpeg %v", got.Bounds(), want.Bounds())
	}
	if d, where := maxSampleDiff(t, got, want); d > maxDiffScale1 {
		t.Fatalf("max sample difference %d exceeds %d: %s", d, maxDiffScale1, where)
	}
}
