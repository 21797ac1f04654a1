package pngenc

import (
	"fmt"
	"image"
	"image/png"
	"sync"
	"testing"
)

// benchImages caches the benchmark inputs, which take seconds to build.
var benchImages sync.Map // key string -> *image.RGBA

func benchImage(b *testing.B, kind string, w, h int) *image.RGBA {
	key := fmt.Sprintf("%s-%dx%d", kind, w, h)
	if img, ok := benchImages.Load(key); ok {
		return img.(*image.RGBA)
	}
	var img *image.RGBA
	if kind == "photo" {
		img = realPhoto(b, w, h)
	} else {
		img = syntheticPhoto(w, h)
	}
	benchImages.Store(key, img)
	return img
}

// countingWriter counts the bytes written to it and discards them.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// BenchmarkEncode compares Encode at DefaultLevel with image/png at
// DefaultCompression on photo-like RGBA images with alpha. Bytes per
// second count the raw RGBA input (4 bytes per pixel), and out-bytes is
// the PNG file size. Run with -cpu 1,2 to see the effect of Workers, which
// is 0 here and so selects GOMAXPROCS.
func BenchmarkEncode(b *testing.B) {
	for _, size := range []image.Point{{3325, 2494}, {554, 416}} {
		for _, kind := range []string{"photo", "synthetic"} {
			name := fmt.Sprintf("%s-%dx%d", kind, size.X, size.Y)
			b.Run(name+"/pngenc", func(b *testing.B) {
				img := benchImage(b, kind, size.X, size.Y)
				benchPNGEnc(b, img, Options{})
			})
			b.Run(name+"/image-png", func(b *testing.B) {
				img := benchImage(b, kind, size.X, size.Y)
				benchImagePNG(b, img, png.DefaultCompression)
			})
		}
	}
}

// BenchmarkLevels compares the compression levels of Encode with
// image/png at BestSpeed on the 3325x2494 images. BenchmarkEncode has
// image/png at DefaultCompression.
func BenchmarkLevels(b *testing.B) {
	for _, kind := range []string{"photo", "synthetic"} {
		for _, level := range []int{HuffmanOnly, 1, 2, 3, 4, 5, 6} {
			b.Run(fmt.Sprintf("%s/pngenc-level%d", kind, level), func(b *testing.B) {
				benchPNGEnc(b, benchImage(b, kind, 3325, 2494), Options{Level: level})
			})
		}
		b.Run(kind+"/image-png-best-speed", func(b *testing.B) {
			benchImagePNG(b, benchImage(b, kind, 3325, 2494), png.BestSpeed)
		})
	}
}

func benchPNGEnc(b *testing.B, img *image.RGBA, opts Options) {
	b.SetBytes(int64(len(img.Pix)))
	b.ReportAllocs()
	var out countingWriter
	for b.Loop() {
		out.n = 0
		if err := Encode(&out, img, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.n), "out-bytes")
}

func benchImagePNG(b *testing.B, img *image.RGBA, level png.CompressionLevel) {
	b.SetBytes(int64(len(img.Pix)))
	b.ReportAllocs()
	enc := png.Encoder{CompressionLevel: level}
	var out countingWriter
	for b.Loop() {
		out.n = 0
		if err := enc.Encode(&out, img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.n), "out-bytes")
}

// BenchmarkFilterRow measures the adaptive filter choice and filtering of
// one 3325-pixel RGBA row of the photo-like image.
func BenchmarkFilterRow(b *testing.B) {
	img := benchImage(b, "photo", 3325, 64)
	prev := img.Pix[10*img.Stride : 10*img.Stride+4*3325]
	cur := img.Pix[11*img.Stride : 11*img.Stride+4*3325]
	var f rowFilter
	dst := make([]byte, len(cur)+1)
	b.SetBytes(int64(len(cur)))
	b.ReportAllocs()
	for b.Loop() {
		f.filter(dst, cur, prev, 4, true)
	}
}
