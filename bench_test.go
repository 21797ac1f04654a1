package media

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"sync"
	"testing"
)

// benchPhoto returns a deterministic, photo-like w x h image: smooth colour
// gradients with edges and fine grain, so that codecs and filters do real
// work (flat colour would flatter them).
func benchPhoto(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(2463534242)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			grain := int(seed&31) - 16
			r := 255*x/w + grain
			g := 255*y/h + grain
			b := 128 + grain
			if (x/97+y/61)%5 == 0 { // hard-edged blocks
				r, g = 255-r, 255-g
			}
			i := y*img.Stride + x*4
			img.Pix[i] = uint8(min(max(r, 0), 255))
			img.Pix[i+1] = uint8(min(max(g, 0), 255))
			img.Pix[i+2] = uint8(min(max(b, 0), 255))
			img.Pix[i+3] = 0xff
		}
	}
	return img
}

var benchInputs = sync.OnceValues(func() (map[string][]byte, error) {
	out := make(map[string][]byte)
	for name, size := range map[string]image.Point{"4032x3024": {4032, 3024}, "1920x1080": {1920, 1080}} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, benchPhoto(size.X, size.Y), &jpeg.Options{Quality: 90}); err != nil {
			return nil, err
		}
		out[name+".jpg"] = buf.Bytes()
	}
	return out, nil
})

func benchInput(b *testing.B, name string) []byte {
	b.Helper()
	inputs, err := benchInputs()
	if err != nil {
		b.Fatal(err)
	}
	return inputs[name]
}

func reportPixels(b *testing.B, pixels int) {
	b.ReportMetric(float64(pixels)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}

func BenchmarkDecodeJPEG(b *testing.B) {
	data := benchInput(b, "4032x3024.jpg")
	dec, _ := DefaultRegistry().Lookup("image/jpeg")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
	reportPixels(b, 4032*3024)
}

func BenchmarkOrient6(b *testing.B) {
	img := benchPhoto(4032, 3024)
	b.SetBytes(int64(len(img.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		orient(img, 6)
	}
	reportPixels(b, 4032*3024)
}

func BenchmarkResize(b *testing.B) {
	img := benchPhoto(4032, 3024)
	for _, size := range []image.Point{{3325, 2494}, {554, 416}} {
		b.Run(image.Rect(0, 0, size.X, size.Y).Size().String(), func(b *testing.B) {
			b.SetBytes(int64(len(img.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				scaleRGBA(img, size.X, size.Y)
			}
			reportPixels(b, 4032*3024)
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, tt := range []struct {
		format string
		w, h   int
	}{{"jpeg", 3325, 2494}, {"jpeg", 554, 416}, {"png", 554, 416}} {
		img := benchPhoto(tt.w, tt.h)
		b.Run(tt.format+"/"+img.Rect.Size().String(), func(b *testing.B) {
			b.SetBytes(int64(len(img.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encode(img, tt.format, DefaultJPEGQuality); err != nil {
					b.Fatal(err)
				}
			}
			reportPixels(b, tt.w*tt.h)
		})
	}
}

func BenchmarkBlurhash(b *testing.B) {
	small := benchPhoto(554, 416)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := computeBlurhash(small); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	p, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"4032x3024.jpg", "1920x1080.jpg"} {
		data := benchInput(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Process(context.Background(), bytes.NewReader(data), Request{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkProcessPNG(b *testing.B) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, benchPhoto(1000, 750)); err != nil {
		b.Fatal(err)
	}
	p, _ := New(Options{})
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Process(context.Background(), bytes.NewReader(buf.Bytes()), Request{}); err != nil {
			b.Fatal(err)
		}
	}
}
