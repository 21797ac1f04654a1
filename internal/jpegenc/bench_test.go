package jpegenc

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"sync"
	"testing"
)

// benchImages caches the synthetic benchmark inputs, which take a while to
// build at full size.
var benchImages = struct {
	sync.Mutex
	rgba map[image.Point]*image.RGBA
}{rgba: map[image.Point]*image.RGBA{}}

func benchRGBA(width, height int) *image.RGBA {
	benchImages.Lock()
	defer benchImages.Unlock()
	size := image.Pt(width, height)
	if img, ok := benchImages.rgba[size]; ok {
		return img
	}
	img := syntheticPhoto(width, height)
	benchImages.rgba[size] = img
	return img
}

// benchPhoto returns the 3264x2448 phone photo of the fixtures as
// image/jpeg decodes it (4:2:0 YCbCr).
func benchPhoto(b *testing.B) image.Image {
	raw, err := os.ReadFile("../../testdata/gotosocial/test-with-exif.jpg")
	if err != nil {
		b.Fatalf("read fixture: %v", err)
	}
	img, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil {
		b.Fatalf("decode fixture: %v", err)
	}
	return img
}

// loopWithCPU runs encode in the benchmark loop and reports the process
// CPU time per operation as cpu-ms/op next to the wall time. On a machine
// shared with other work, CPU time is the steadier figure, and its ratio
// to ns/op shows how many cores an operation used.
func loopWithCPU(b *testing.B, bytes int64, encode func() error) {
	b.SetBytes(bytes)
	b.ReportAllocs()
	start, ok := processCPUTime()
	n := 0
	for b.Loop() {
		if err := encode(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	end, _ := processCPUTime()
	if ok && n > 0 {
		b.ReportMetric(float64((end-start).Microseconds())/1000/float64(n), "cpu-ms/op")
	}
}

// BenchmarkEncodePhoto compares Encode with image/jpeg at quality 85 on a
// real 8 MP phone photo, as YCbCr and as RGBA. Bytes per second count 1.5
// bytes per pixel for YCbCr and 4 for RGBA.
func BenchmarkEncodePhoto(b *testing.B) {
	photo := benchPhoto(b)
	pixels := int64(photo.Bounds().Dx() * photo.Bounds().Dy())
	inputs := []struct {
		name  string
		img   image.Image
		bytes int64
	}{
		{"ycbcr420", photo, pixels * 3 / 2},
		{"rgba", toRGBA(photo), pixels * 4},
	}
	for _, in := range inputs {
		b.Run(in.name+"/jpegenc", func(b *testing.B) {
			loopWithCPU(b, in.bytes, func() error { return Encode(io.Discard, in.img, Options{Quality: 85}) })
		})
		b.Run(in.name+"/stdlib", func(b *testing.B) {
			loopWithCPU(b, in.bytes, func() error { return jpeg.Encode(io.Discard, in.img, &jpeg.Options{Quality: 85}) })
		})
	}
}

// BenchmarkEncode compares Encode with image/jpeg at quality 85 on the
// synthetic photo at the size of a fitted phone photo (3325x2494) and of
// its small variant (554x416), given as 4:2:0 YCbCr and as RGBA. Bytes per
// second count input pixels at 4 bytes each for RGBA and 1.5 bytes each
// for 4:2:0 YCbCr.
func BenchmarkEncode(b *testing.B) {
	sizes := []image.Point{{3325, 2494}, {554, 416}}
	for _, size := range sizes {
		rgba := benchRGBA(size.X, size.Y)
		ycbcr := toYCbCr(rgba, image.YCbCrSubsampleRatio420)
		pixels := int64(size.X * size.Y)
		inputs := []struct {
			name  string
			img   image.Image
			bytes int64
		}{
			{"ycbcr420", ycbcr, pixels * 3 / 2},
			{"rgba", rgba, pixels * 4},
		}
		for _, in := range inputs {
			prefix := fmt.Sprintf("%s_%dx%d", in.name, size.X, size.Y)
			b.Run(prefix+"/jpegenc", func(b *testing.B) {
				loopWithCPU(b, in.bytes, func() error { return Encode(io.Discard, in.img, Options{Quality: 85}) })
			})
			b.Run(prefix+"/stdlib", func(b *testing.B) {
				loopWithCPU(b, in.bytes, func() error { return jpeg.Encode(io.Discard, in.img, &jpeg.Options{Quality: 85}) })
			})
		}
	}
}
