package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestFitPixels(t *testing.T) {
	for _, tt := range []struct {
		w, h, budget int
		wantW, wantH int
	}{
		{600, 400, 230400, 588, 392},
		{640, 480, 230400, 554, 416},
		{640, 480, 160000, 461, 346},
		{4032, 3024, 8294400, 3325, 2494},
		{3024, 4032, 8294400, 2494, 3325},
		{3325, 2494, 230400, 554, 416},
		{1920, 1080, 230400, 640, 360},
		{1920, 1080, 8294400, 1920, 1080}, // within the budget
		{480, 480, 230400, 480, 480},      // exactly at the budget
	} {
		w, h := fitPixels(tt.w, tt.h, tt.budget)
		if w != tt.wantW || h != tt.wantH {
			t.Errorf("fitPixels(%d, %d, %d) = %dx%d, want %dx%d (Mastodon's box rule)",
				tt.w, tt.h, tt.budget, w, h, tt.wantW, tt.wantH)
		}
	}
}

func TestLanczos3Values(t *testing.T) {
	for _, tt := range []struct{ t, want float64 }{
		{0, 1},
		{0.5, 6 / (math.Pi * math.Pi)}, // sinc(1/2)*sinc(1/6) = 3*sin(pi/2)*sin(pi/6)/(pi/2)^2
		{-0.5, 6 / (math.Pi * math.Pi)},
		{1, 0},
		{2, 0},
		{3, 0},
		{4.5, 0},
	} {
		if got := lanczos3(tt.t); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("lanczos3(%v) = %.17g, want %.17g", tt.t, got, tt.want)
		}
	}
}

func TestLanczosTapsNormalised(t *testing.T) {
	for _, sizes := range [][2]int{{4032, 554}, {100, 37}, {10, 10}, {5, 12}} {
		for o, taps := range lanczosTaps(sizes[0], sizes[1]) {
			sum := 0.0
			for _, tp := range taps {
				if tp.index < 0 || tp.index >= sizes[0] {
					t.Fatalf("%d->%d: output %d has tap index %d outside [0, %d)", sizes[0], sizes[1], o, tp.index, sizes[0])
				}
				sum += tp.weight
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("%d->%d: weights of output %d sum to %.15f, want 1", sizes[0], sizes[1], o, sum)
			}
		}
	}
}

// testPlane returns a w x h plane with a different value in every sample.
func testPlane(w, h int) plane {
	p := plane{w: w, h: h, pix: make([]float64, w*h*4)}
	for i := range p.pix {
		p.pix[i] = float64((i * 37) % 256)
	}
	return p
}

func TestResampleSameSizeIsCopy(t *testing.T) {
	src := testPlane(7, 5)
	got := resampleLanczos3(src, 7, 5)
	for i := range src.pix {
		if got.pix[i] != src.pix[i] {
			t.Fatalf("sample %d = %v, want %v: resampling to the same size must copy exactly", i, got.pix[i], src.pix[i])
		}
	}
	q, err := comparePlanes(src, got)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(q.rgbDB, 1) {
		t.Errorf("PSNR of a copy = %v dB, want +Inf", q.rgbDB)
	}
}

func TestResampleConstantStaysConstant(t *testing.T) {
	src := plane{w: 40, h: 30, pix: make([]float64, 40*30*4)}
	for i := range src.pix {
		src.pix[i] = []float64{200, 100, 50, 255}[i%4]
	}
	got := resampleLanczos3(src, 7, 5)
	for i, v := range got.pix {
		want := []float64{200, 100, 50, 255}[i%4]
		if math.Abs(v-want) > 1e-9 {
			t.Fatalf("sample %d = %v, want %v: normalised weights keep a flat image flat", i, v, want)
		}
	}
}

func TestComparePlanesKnownError(t *testing.T) {
	ref := plane{w: 2, h: 2, pix: make([]float64, 16)}
	got := plane{w: 2, h: 2, pix: make([]float64, 16)}
	for i := range ref.pix {
		ref.pix[i], got.pix[i] = 100, 100
		if i%4 == 3 {
			ref.pix[i], got.pix[i] = 255, 255
		}
	}
	for i := 0; i < 16; i += 4 {
		got.pix[i] = 101 // red off by 1 everywhere: MSE over RGB = 1/3
	}
	q, err := comparePlanes(ref, got)
	if err != nil {
		t.Fatal(err)
	}
	want := 10 * math.Log10(255*255*3)
	if math.Abs(q.rgbDB-want) > 1e-9 {
		t.Errorf("PSNR = %.6f dB, want %.6f dB (MSE 1/3)", q.rgbDB, want)
	}
	if !math.IsNaN(q.alphaDB) {
		t.Errorf("alpha PSNR = %v, want NaN for an opaque reference", q.alphaDB)
	}
	if _, err := comparePlanes(ref, plane{w: 1, h: 2, pix: make([]float64, 8)}); err == nil {
		t.Error("comparePlanes accepted planes of different sizes")
	}
}

// withOrientation returns a JPEG with an APP1 EXIF segment holding IFD0
// with one entry, Orientation (0x0112, SHORT), inserted after SOI.
func withOrientation(t *testing.T, jpg []byte, order binary.ByteOrder, orientation uint16) []byte {
	t.Helper()
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1)
	order.PutUint16(tiff[10:], 0x0112)
	order.PutUint16(tiff[12:], 3)
	order.PutUint32(tiff[14:], 1)
	order.PutUint16(tiff[18:], orientation)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// encodeTestJPEG returns a w x h JPEG whose left half is red and right half
// blue.
func encodeTestJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestJPEGOrientation(t *testing.T) {
	jpg := encodeTestJPEG(t, 16, 8)
	if got := jpegOrientation(jpg); got != 1 {
		t.Errorf("no EXIF: orientation %d, want 1", got)
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, o := range []uint16{1, 3, 6, 8} {
			if got := jpegOrientation(withOrientation(t, jpg, order, o)); got != int(o) {
				t.Errorf("%v, tag %d: orientation %d", order, o, got)
			}
		}
		if got := jpegOrientation(withOrientation(t, jpg, order, 9)); got != 1 {
			t.Errorf("%v, tag 9 (out of range): orientation %d, want 1", order, got)
		}
	}
	truncated := withOrientation(t, jpg, binary.BigEndian, 6)[:20]
	if got := jpegOrientation(truncated); got != 1 {
		t.Errorf("truncated EXIF segment: orientation %d, want 1", got)
	}
}

func TestOrientPix6(t *testing.T) {
	// A 3x2 image whose pixel (x, y) has red = 10*y + x.
	w, h := 3, 2
	pix := make([]byte, w*h*4)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			pix[(y*w+x)*4] = byte(10*y + x)
		}
	}
	out, dw, dh := orientPix(pix, w*4, w, h, 6)
	if dw != 2 || dh != 3 {
		t.Fatalf("orientation 6 of 3x2 gave %dx%d, want 2x3", dw, dh)
	}
	// Turned clockwise: the displayed top row is the stored left column
	// read bottom to top.
	want := [][]byte{{10, 0}, {11, 1}, {12, 2}}
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			if got := out[(y*dw+x)*4]; got != want[y][x] {
				t.Errorf("displayed (%d, %d) = stored %d, want stored %d", x, y, got, want[y][x])
			}
		}
	}
}

func TestPipelineFixture(t *testing.T) {
	data, err := os.ReadFile("../../testdata/mastodon/600x400.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	for name, rs := range resamplers {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := processUpload(data, rs, dir)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Original.Kept || res.Original.Bytes != len(data) {
				t.Errorf("original %+v, want the upload's %d bytes kept (within budget, no orientation)", res.Original, len(data))
			}
			if res.Small.Width != 588 || res.Small.Height != 392 || res.Small.File != "small.jpeg" {
				t.Errorf("small %+v, want small.jpeg at 588x392", res.Small)
			}
			if len(res.Blurhash) != 36 {
				t.Errorf("blurhash %q has %d characters, want 36 for 4x4 components", res.Blurhash, len(res.Blurhash))
			}
			img, _, err := decodeFile(filepath.Join(dir, "small.jpeg"))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 588 || b.Dy() != 392 {
				t.Errorf("small.jpeg decodes to %v, want 588x392", b.Size())
			}
		})
	}
}

func TestPipelineOrientation(t *testing.T) {
	data := withOrientation(t, encodeTestJPEG(t, 64, 32), binary.BigEndian, 6)
	for name, rs := range resamplers {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := processUpload(data, rs, dir)
			if err != nil {
				t.Fatal(err)
			}
			if res.Original.Kept || res.Original.Width != 32 || res.Original.Height != 64 {
				t.Fatalf("original %+v, want a re-encoded 32x64 image (orientation 6 turns 64x32)", res.Original)
			}
			img, _, err := decodeFile(filepath.Join(dir, res.Original.File))
			if err != nil {
				t.Fatal(err)
			}
			// Turned clockwise, the red left half becomes the top half.
			top := color.NRGBAModel.Convert(img.At(16, 8)).(color.NRGBA)
			bottom := color.NRGBAModel.Convert(img.At(16, 56)).(color.NRGBA)
			if top.R < 200 || top.B > 60 || bottom.B < 200 || bottom.R > 60 {
				t.Errorf("top %v, bottom %v: want red above blue after orientation 6", top, bottom)
			}
		})
	}
}
