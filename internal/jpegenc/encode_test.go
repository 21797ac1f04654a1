package jpegenc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// opaqueImage hides the concrete type of an image, so that Encode reads it
// through At.
type opaqueImage struct{ image.Image }

// inputCase is one input type built from the same RGBA pixels.
type inputCase struct {
	name string
	// gray reports that the output must have one component.
	gray bool
	make func(src *image.RGBA) image.Image
}

func inputCases() []inputCase {
	ycbcr := func(ratio image.YCbCrSubsampleRatio) func(*image.RGBA) image.Image {
		return func(src *image.RGBA) image.Image { return toYCbCr(src, ratio) }
	}
	return []inputCase{
		{"rgba", false, func(src *image.RGBA) image.Image { return src }},
		{"nrgba", false, func(src *image.RGBA) image.Image {
			return &image.NRGBA{Pix: src.Pix, Stride: src.Stride, Rect: src.Rect}
		}},
		{"gray", true, func(src *image.RGBA) image.Image { return toGray(src) }},
		{"gray16", true, func(src *image.RGBA) image.Image {
			dst := image.NewGray16(src.Bounds())
			for i, v := range toGray(src).Pix {
				dst.Pix[2*i], dst.Pix[2*i+1] = v, v
			}
			return dst
		}},
		{"ycbcr444", false, ycbcr(image.YCbCrSubsampleRatio444)},
		{"ycbcr422", false, ycbcr(image.YCbCrSubsampleRatio422)},
		{"ycbcr420", false, ycbcr(image.YCbCrSubsampleRatio420)},
		{"ycbcr440", false, ycbcr(image.YCbCrSubsampleRatio440)},
		{"ycbcr411", false, ycbcr(image.YCbCrSubsampleRatio411)},
		{"ycbcr410", false, ycbcr(image.YCbCrSubsampleRatio410)},
		{"nycbcra", false, func(src *image.RGBA) image.Image {
			y := toYCbCr(src, image.YCbCrSubsampleRatio420)
			alpha := bytes.Repeat([]byte{0xff}, len(y.Y))
			return &image.NYCbCrA{YCbCr: *y, A: alpha, AStride: y.YStride}
		}},
		{"rgba64", false, func(src *image.RGBA) image.Image {
			dst := image.NewRGBA64(src.Bounds())
			for i, v := range src.Pix {
				dst.Pix[2*i], dst.Pix[2*i+1] = v, v
			}
			return dst
		}},
		{"paletted", false, func(src *image.RGBA) image.Image {
			palette := make(color.Palette, 0, 216)
			for r := range 6 {
				for g := range 6 {
					for b := range 6 {
						palette = append(palette, color.RGBA{uint8(r * 51), uint8(g * 51), uint8(b * 51), 255})
					}
				}
			}
			dst := image.NewPaletted(src.Bounds(), palette)
			for y := range src.Bounds().Dy() {
				for x := range src.Bounds().Dx() {
					dst.Set(x, y, src.At(x, y))
				}
			}
			return dst
		}},
	}
}

// frameComponents returns the component count and the sampling factors
// byte of the first component from the SOF0 segment of data.
func frameComponents(t *testing.T, data []byte) (n int, sampling byte) {
	t.Helper()
	sof := findSegments(headerSegments(t, data), markerSOF0)
	if len(sof) != 1 || len(sof[0].payload) < 9 {
		t.Fatalf("output has %d SOF0 segments, want 1 of at least 9 bytes", len(sof))
	}
	return int(sof[0].payload[5]), sof[0].payload[7]
}

// TestEncodeSizesAndTypes encodes every input type at sizes that leave
// partial MCUs, decodes the result with image/jpeg and checks the size,
// the component count and the fidelity.
func TestEncodeSizesAndTypes(t *testing.T) {
	sizes := []image.Point{{1, 1}, {17, 9}, {1, 100}, {100, 1}, {33, 47}, {64, 64}}
	for _, size := range sizes {
		src := syntheticPhoto(size.X, size.Y)
		for _, in := range inputCases() {
			t.Run(fmt.Sprintf("%s_%dx%d", in.name, size.X, size.Y), func(t *testing.T) {
				img := in.make(src)
				data := encodeOwn(t, img, Options{})
				got := decode(t, data)
				if got.Bounds().Size() != size {
					t.Fatalf("decoded size %v, want %v", got.Bounds().Size(), size)
				}
				n, _ := frameComponents(t, data)
				if wantN := map[bool]int{true: 1, false: 3}[in.gray]; n != wantN {
					t.Errorf("frame has %d components, want %d", n, wantN)
				}
				// The reference is the input as image/color converts it,
				// because paletted and grey inputs have already lost detail.
				psnr := psnrRGB
				if in.gray {
					psnr = lumaPSNR
				}
				own := psnr(t, img, got)
				std := psnr(t, img, decode(t, encodeStd(t, img, DefaultQuality)))
				if own < std-0.5 {
					t.Errorf("PSNR %.2f dB against the input, more than 0.5 dB below image/jpeg's %.2f dB", own, std)
				}
				// Quality 85 on this noisy content measures as little as
				// 23 dB RGB PSNR at 17x9, where 4:2:0 chroma loses most.
				if own < 20 {
					t.Errorf("PSNR %.2f dB against the input, want at least 20 dB", own)
				}
			})
		}
	}
}

// TestEncodeLargePhotoSize covers the size of a fitted 8.3 MP phone photo.
func TestEncodeLargePhotoSize(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("skipping the 3325x2494 encode in short mode and under the race detector, where it takes minutes")
	}
	src := syntheticPhoto(3325, 2494)
	for _, in := range []image.Image{src, toYCbCr(src, image.YCbCrSubsampleRatio420)} {
		data := encodeOwn(t, in, Options{Workers: 2})
		got := decode(t, data)
		if got.Bounds().Size() != src.Bounds().Size() {
			t.Fatalf("%T: decoded size %v, want %v", in, got.Bounds().Size(), src.Bounds().Size())
		}
		if psnr := lumaPSNR(t, in, got); psnr < 30 {
			t.Errorf("%T: luma PSNR %.2f dB, want at least 30 dB", in, psnr)
		}
	}
}

// TestEncodePSNRVersusStdlib checks that at the same quality the output is
// at most 0.5 dB worse than that of image/jpeg, on synthetic images and on
// real photos, for luma and for RGB.
func TestEncodePSNRVersusStdlib(t *testing.T) {
	type sample struct {
		name string
		rgba *image.RGBA
		// ycbcr is the decoded photo as it is, nil for synthetic images.
		ycbcr image.Image
	}
	samples := []sample{
		{"synthetic_256x192", syntheticPhoto(256, 192), nil},
		{"synthetic_555x417", syntheticPhoto(555, 417), nil},
	}
	paths, err := filepath.Glob("../../testdata/gotosocial/*.jpg")
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "../../testdata/mastodon/600x400.jpeg")
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read fixture: %v", err)
		}
		img, err := jpeg.Decode(bytes.NewReader(raw))
		if err != nil {
			// test-corrupted.jpg is not a JPEG on purpose.
			t.Logf("skipping %s: image/jpeg cannot decode it: %v", path, err)
			continue
		}
		// Larger photos are cut to their central 1024x768 pixels to keep
		// the test fast. The even origin keeps 4:2:0 chroma aligned.
		if b := img.Bounds(); b.Dx() > 1024 || b.Dy() > 768 {
			x0 := (b.Min.X + (b.Dx()-min(b.Dx(), 1024))/2) &^ 1
			y0 := (b.Min.Y + (b.Dy()-min(b.Dy(), 768))/2) &^ 1
			crop := image.Rect(x0, y0, x0+min(b.Dx(), 1024), y0+min(b.Dy(), 768))
			img = img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(crop)
		}
		samples = append(samples, sample{filepath.Base(path), toRGBA(img), img})
	}
	if len(samples) < 8 {
		t.Fatalf("only %d samples, want the 2 synthetic images and at least 6 photos", len(samples))
	}

	for _, s := range samples {
		inputs := []struct {
			kind string
			img  image.Image
		}{{"rgba", s.rgba}}
		if s.ycbcr != nil {
			inputs = append(inputs, struct {
				kind string
				img  image.Image
			}{fmt.Sprintf("%T", s.ycbcr), s.ycbcr})
		}
		qualities := []int{85}
		if s.ycbcr == nil {
			qualities = []int{1, 50, 85, 100}
		}
		for _, in := range inputs {
			for _, quality := range qualities {
				own := decode(t, encodeOwn(t, in.img, Options{Quality: quality}))
				std := decode(t, encodeStd(t, in.img, quality))
				ownY, stdY := lumaPSNR(t, in.img, own), lumaPSNR(t, in.img, std)
				ownRGB, stdRGB := psnrRGB(t, in.img, own), psnrRGB(t, in.img, std)
				t.Logf("%s %s q%d: luma %.2f dB (image/jpeg %.2f), RGB %.2f dB (image/jpeg %.2f)",
					s.name, in.kind, quality, ownY, stdY, ownRGB, stdRGB)
				if ownY < stdY-0.5 {
					t.Errorf("%s %s quality %d: luma PSNR %.2f dB is more than 0.5 dB below image/jpeg's %.2f dB",
						s.name, in.kind, quality, ownY, stdY)
				}
				if ownRGB < stdRGB-0.5 {
					t.Errorf("%s %s quality %d: RGB PSNR %.2f dB is more than 0.5 dB below image/jpeg's %.2f dB",
						s.name, in.kind, quality, ownRGB, stdRGB)
				}
			}
		}
	}
}

// TestEncodeWorkersSameBytes checks that the output does not depend on the
// number of workers.
func TestEncodeWorkersSameBytes(t *testing.T) {
	src := syntheticPhoto(301, 277)
	for _, in := range inputCases() {
		img := in.make(src)
		want := encodeOwn(t, img, Options{Workers: 1})
		for _, workers := range []int{2, 3, 4, 8, 64} {
			if got := encodeOwn(t, img, Options{Workers: workers}); !bytes.Equal(got, want) {
				t.Errorf("%s: output with %d workers (%d bytes) differs from the output with 1 worker (%d bytes)",
					in.name, workers, len(got), len(want))
			}
		}
	}
}

// TestEncodePathsAgree checks the fast paths against the generic ones on
// the same pixels: the outputs must be byte-identical, because the paths
// feed the same samples to the coder.
func TestEncodePathsAgree(t *testing.T) {
	src := syntheticPhoto(77, 51)
	nrgba := &image.NRGBA{Pix: bytes.Clone(src.Pix), Stride: src.Stride, Rect: src.Rect}
	for i := 3; i < len(nrgba.Pix); i += 4 {
		nrgba.Pix[i] = uint8(i) // alpha must be ignored
	}
	gray := toGray(src)
	gray16 := image.NewGray16(gray.Rect)
	for i, v := range gray.Pix {
		gray16.Pix[2*i], gray16.Pix[2*i+1] = v, v
	}
	y420 := toYCbCr(src, image.YCbCrSubsampleRatio420)
	// A 4:4:0 image whose chroma repeats in pixel pairs carries the same
	// samples as y420 but goes through the resampling path.
	y440 := image.NewYCbCr(y420.Rect, image.YCbCrSubsampleRatio440)
	copy(y440.Y, y420.Y)
	for y := range y420.Rect.Dy() {
		for x := range y420.Rect.Dx() {
			y440.Cb[y440.COffset(x, y)] = y420.Cb[y420.COffset(x, y)]
			y440.Cr[y440.COffset(x, y)] = y420.Cr[y420.COffset(x, y)]
		}
	}

	translucent := &image.NYCbCrA{YCbCr: *y420, A: make([]byte, len(y420.Y)), AStride: y420.YStride}
	for i := range translucent.A {
		translucent.A[i] = uint8(i) // alpha must be ignored
	}

	tests := []struct {
		name      string
		fast, ref image.Image
	}{
		{"rgba_vs_at", src, opaqueImage{src}},
		{"nycbcra_vs_ycbcr", translucent, y420},
		{"nrgba_vs_rgba", nrgba, src},
		{"gray_vs_gray16", gray, gray16},
		{"gray_vs_at", gray, opaqueImage{gray}},
		{"ycbcr420_vs_resampled440", y420, y440},
	}
	for _, tt := range tests {
		for _, quality := range []int{1, 85, 100} {
			fast := encodeOwn(t, tt.fast, Options{Quality: quality})
			ref := encodeOwn(t, tt.ref, Options{Quality: quality})
			if !bytes.Equal(fast, ref) {
				t.Errorf("%s quality %d: outputs differ (%d and %d bytes), so the paths read different samples",
					tt.name, quality, len(fast), len(ref))
			}
		}
	}
}

// TestEncodeSubImage checks images whose bounds do not start at the origin,
// including odd origins that move 4:2:0 chroma off the MCU grid.
func TestEncodeSubImage(t *testing.T) {
	src := syntheticPhoto(90, 70)
	y420 := toYCbCr(src, image.YCbCrSubsampleRatio420)
	y422 := toYCbCr(src, image.YCbCrSubsampleRatio422)
	rects := []image.Rectangle{image.Rect(10, 20, 60, 53), image.Rect(11, 21, 60, 53), image.Rect(3, 0, 90, 1)}
	for _, r := range rects {
		for _, img := range []image.Image{src.SubImage(r), y420.SubImage(r), y422.SubImage(r), toGray(src).SubImage(r)} {
			got := decode(t, encodeOwn(t, img, Options{}))
			if got.Bounds().Size() != r.Size() {
				t.Fatalf("%T %v: decoded size %v, want %v", img, r, got.Bounds().Size(), r.Size())
			}
			if psnr := lumaPSNR(t, img, got); psnr < 30 {
				t.Errorf("%T %v: luma PSNR %.2f dB, want at least 30 dB (misplaced pixels score lower)", img, r, psnr)
			}
		}
	}
}

// TestEncodeQualityExtremes checks quality 1 and 100 on the photo-like
// image: both decode, 100 is nearly lossless for luma, and 1 is small.
func TestEncodeQualityExtremes(t *testing.T) {
	src := syntheticPhoto(160, 120)
	ycc := toYCbCr(src, image.YCbCrSubsampleRatio444)
	best := encodeOwn(t, ycc, Options{Quality: 100})
	worst := encodeOwn(t, ycc, Options{Quality: 1})
	// Quantizer steps of 1 leave only DCT rounding and the decoder's
	// integer IDCT.
	if psnr := lumaPSNR(t, ycc, decode(t, best)); psnr < 50 {
		t.Errorf("quality 100: luma PSNR %.2f dB, want at least 50 dB", psnr)
	}
	if psnr := lumaPSNR(t, ycc, decode(t, worst)); psnr < 15 {
		t.Errorf("quality 1: luma PSNR %.2f dB, want at least 15 dB", psnr)
	}
	if len(worst)*10 > len(best) {
		t.Errorf("quality 1 output is %d bytes, want less than a tenth of the %d bytes at quality 100", len(worst), len(best))
	}

	// Extreme sample values at quality 100 reach the largest coefficients.
	extremes := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range extremes.Pix {
		if (i/64+i%64)%2 == 0 {
			extremes.Pix[i] = 255
		}
	}
	got := decode(t, encodeOwn(t, extremes, Options{Quality: 100}))
	if psnr := lumaPSNR(t, extremes, got); psnr < 40 {
		t.Errorf("quality 100 checkerboard: PSNR %.2f dB, want at least 40 dB", psnr)
	}
}

func TestEncodeGrayOneComponent(t *testing.T) {
	gray := toGray(syntheticPhoto(40, 30))
	data := encodeOwn(t, gray, Options{})
	n, sampling := frameComponents(t, data)
	if n != 1 || sampling != 0x11 {
		t.Errorf("frame has %d components with sampling 0x%02x, want 1 with 0x11", n, sampling)
	}
	if got := decode(t, data); fmt.Sprintf("%T", got) != "*image.Gray" {
		t.Errorf("image/jpeg decodes the output as %T, want *image.Gray", got)
	}
	if n := len(findSegments(headerSegments(t, data), markerDQT)[0].payload); n != 65 {
		t.Errorf("DQT payload is %d bytes, want 65 (one table)", n)
	}
}

func TestEncodeSubsamplingKept(t *testing.T) {
	src := syntheticPhoto(40, 30)
	tests := []struct {
		img  image.Image
		want byte
	}{
		{toYCbCr(src, image.YCbCrSubsampleRatio444), 0x11},
		{toYCbCr(src, image.YCbCrSubsampleRatio422), 0x21},
		{toYCbCr(src, image.YCbCrSubsampleRatio420), 0x22},
		{toYCbCr(src, image.YCbCrSubsampleRatio411), 0x22},
		{src, 0x22},
	}
	for _, tt := range tests {
		if _, got := frameComponents(t, encodeOwn(t, tt.img, Options{})); got != tt.want {
			t.Errorf("%T %v: luma sampling factors 0x%02x, want 0x%02x", tt.img, tt.img.ColorModel(), got, tt.want)
		}
	}
}

// TestEncodeRestartMarkers checks the DRI interval and that one RSTm
// marker, m counting 0..7 and wrapping, ends every MCU row but the last.
func TestEncodeRestartMarkers(t *testing.T) {
	tests := []struct {
		name     string
		img      image.Image
		interval int
		rows     int
	}{
		{"rgba 4:2:0", syntheticPhoto(100, 300), 7, 19},
		{"gray", toGray(syntheticPhoto(100, 90)), 13, 12},
		{"one row", syntheticPhoto(100, 16), 0, 1},
	}
	for _, tt := range tests {
		data := encodeOwn(t, tt.img, Options{Workers: 3})
		dri := findSegments(headerSegments(t, data), markerDRI)
		switch {
		case tt.interval == 0 && len(dri) != 0:
			t.Errorf("%s: has a DRI segment, want none for a single MCU row", tt.name)
		case tt.interval != 0 && (len(dri) != 1 || int(dri[0].payload[0])<<8|int(dri[0].payload[1]) != tt.interval):
			t.Errorf("%s: DRI segments %v, want one with interval %d", tt.name, dri, tt.interval)
		}
		scan := scanData(t, data)
		var markers []byte
		for i := 0; i+1 < len(scan); i++ {
			if scan[i] == 0xff && scan[i+1] != 0 {
				markers = append(markers, scan[i+1])
				i++
			}
		}
		if len(markers) != tt.rows-1 {
			t.Fatalf("%s: scan contains %d markers, want %d (one per MCU row but the last)", tt.name, len(markers), tt.rows-1)
		}
		for i, m := range markers {
			if want := byte(markerRST0 + i%8); m != want {
				t.Errorf("%s: marker %d is 0x%02x, want RST%d (0x%02x)", tt.name, i, m, i%8, want)
			}
		}
	}
}

// failingWriter accepts limit bytes and then fails.
type failingWriter struct {
	limit int
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errDiskFull
	}
	w.limit -= len(p)
	return len(p), nil
}

func TestEncodeWriterError(t *testing.T) {
	img := syntheticPhoto(200, 200)
	for _, workers := range []int{1, 2} {
		for _, limit := range []int{0, 100, 1000, 10000} {
			err := Encode(&failingWriter{limit: limit}, img, Options{Workers: workers})
			if !errors.Is(err, errDiskFull) {
				t.Errorf("workers %d, writer failing after %d bytes: error %v, want one wrapping %v", workers, limit, err, errDiskFull)
			}
		}
	}
}

func TestEncodeInvalidInput(t *testing.T) {
	valid := syntheticPhoto(8, 8)
	tests := []struct {
		name string
		img  image.Image
		opts Options
		want error
	}{
		{"quality -1", valid, Options{Quality: -1}, ErrInvalidOptions},
		{"quality 101", valid, Options{Quality: 101}, ErrInvalidOptions},
		{"workers -1", valid, Options{Workers: -1}, ErrInvalidOptions},
		{"empty", image.NewRGBA(image.Rect(0, 0, 0, 5)), Options{}, ErrInvalidImage},
		{"inverted bounds", &image.Gray{Rect: image.Rect(5, 5, 0, 0)}, Options{}, ErrInvalidImage},
		{"too wide", opaqueImage{image.NewGray(image.Rect(0, 0, 65536, 1))}, Options{}, ErrInvalidImage},
		{"too tall", &image.Gray{Pix: nil, Stride: 1, Rect: image.Rect(0, 0, 1, 65536)}, Options{}, ErrInvalidImage},
		{"short rgba pix", &image.RGBA{Pix: make([]byte, 10), Stride: 16, Rect: image.Rect(0, 0, 4, 4)}, Options{}, ErrInvalidImage},
		{"short stride", &image.NRGBA{Pix: make([]byte, 64), Stride: 8, Rect: image.Rect(0, 0, 4, 4)}, Options{}, ErrInvalidImage},
		{"short gray pix", &image.Gray{Pix: make([]byte, 15), Stride: 4, Rect: image.Rect(0, 0, 4, 4)}, Options{}, ErrInvalidImage},
		{"short ycbcr planes", &image.YCbCr{Y: make([]byte, 16), Cb: make([]byte, 1), Cr: make([]byte, 4),
			YStride: 4, CStride: 2, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, 4, 4)}, Options{}, ErrInvalidImage},
		{"short luma stride", &image.YCbCr{Y: make([]byte, 16), Cb: make([]byte, 16), Cr: make([]byte, 16),
			YStride: 2, CStride: 4, SubsampleRatio: image.YCbCrSubsampleRatio444, Rect: image.Rect(0, 0, 4, 4)}, Options{}, ErrInvalidImage},
		{"short chroma stride", &image.YCbCr{Y: make([]byte, 16), Cb: make([]byte, 16), Cr: make([]byte, 16),
			YStride: 4, CStride: 1, SubsampleRatio: image.YCbCrSubsampleRatio444, Rect: image.Rect(0, 0, 4, 4)}, Options{}, ErrInvalidImage},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := Encode(&buf, tt.img, tt.opts)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want one wrapping %v", tt.name, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing, want none", tt.name, buf.Len())
		}
	}
}

// TestEncodeDjpeg checks the output with the libjpeg-turbo decoder, which
// is stricter about markers than image/jpeg.
func TestEncodeDjpeg(t *testing.T) {
	djpeg, err := exec.LookPath("djpeg")
	if err != nil {
		t.Skip("djpeg not found; install it with apt-get install libjpeg-turbo-progs to run this check")
	}
	src := syntheticPhoto(131, 67)
	for _, in := range inputCases() {
		for _, quality := range []int{1, 85, 100} {
			data := encodeOwn(t, in.make(src), Options{Quality: quality, Workers: 2})
			cmd := exec.Command(djpeg, "-pnm")
			cmd.Stdin = bytes.NewReader(data)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Errorf("%s quality %d: djpeg failed: %v: %s", in.name, quality, err, stderr.String())
				continue
			}
			// djpeg prints warnings such as corrupt data or premature
			// markers on stderr but still exits with status 0.
			if stderr.Len() != 0 {
				t.Errorf("%s quality %d: djpeg warned: %s", in.name, quality, stderr.String())
			}
			want := "P6\n131 67\n255\n"
			if in.gray {
				want = "P5\n131 67\n255\n"
			}
			if !bytes.HasPrefix(stdout.Bytes(), []byte(want)) {
				t.Errorf("%s quality %d: djpeg output starts %q, want %q", in.name, quality, stdout.Bytes()[:min(stdout.Len(), 20)], want)
			}
		}
	}
}

// TestEncodeAllocations checks that allocations do not grow with the
// number of blocks.
func TestEncodeAllocations(t *testing.T) {
	small := toYCbCr(syntheticPhoto(128, 96), image.YCbCrSubsampleRatio420)
	large := toYCbCr(syntheticPhoto(1024, 768), image.YCbCrSubsampleRatio420)
	for _, workers := range []int{1, 2} {
		for _, img := range []*image.YCbCr{small, large} {
			allocs := testing.AllocsPerRun(5, func() {
				var buf bytes.Buffer
				buf.Grow(1 << 20)
				if err := Encode(&buf, img, Options{Workers: workers}); err != nil {
					t.Fatal(err)
				}
			})
			// The large image has 18432 blocks. The encoder, the stripe
			// table, the goroutines and a few buffer growths are allowed.
			if allocs > 30 {
				t.Errorf("workers %d, %v: %.0f allocations per call, want at most 30", workers, img.Rect.Size(), allocs)
			}
		}
	}
}

func TestEncodeDefaultQuality(t *testing.T) {
	img := syntheticPhoto(40, 24)
	zero := encodeOwn(t, img, Options{})
	explicit := encodeOwn(t, img, Options{Quality: DefaultQuality})
	if !bytes.Equal(zero, explicit) {
		t.Errorf("Quality 0 gives %d bytes that differ from the %d bytes of Quality %d", len(zero), len(explicit), DefaultQuality)
	}
}

// panickyImage panics in At for one row.
type panickyImage struct{ image.Rectangle }

func (p panickyImage) ColorModel() color.Model { return color.RGBAModel }
func (p panickyImage) Bounds() image.Rectangle { return p.Rectangle }
func (p panickyImage) At(x, y int) color.Color {
	if y == 100 {
		panic("At failed")
	}
	return color.RGBA{uint8(x), uint8(y), 0, 255}
}

// TestEncodePanicInWorker checks that a panic in a worker goroutine reaches
// the caller, which can then recover it, instead of ending the process.
func TestEncodePanicInWorker(t *testing.T) {
	for _, workers := range []int{1, 4} {
		recovered := func() (r any) {
			defer func() { r = recover() }()
			Encode(io.Discard, panickyImage{image.Rect(0, 0, 64, 256)}, Options{Workers: workers})
			return nil
		}()
		if recovered != "At failed" {
			t.Errorf("workers %d: recovered %v, want the panic value \"At failed\"", workers, recovered)
		}
	}
}
