package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
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

// benchPictures returns the benchmark photo in both internal layouts.
func benchPictures(w, h int) map[string]picture {
	rgba := benchPhoto(w, h)
	ycc := image.NewYCbCr(rgba.Rect, image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*rgba.Stride + x*4
			yy, cb, cr := color.RGBToYCbCr(rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2])
			ycc.Y[ycc.YOffset(x, y)] = yy
			ycc.Cb[ycc.COffset(x, y)] = cb
			ycc.Cr[ycc.COffset(x, y)] = cr
		}
	}
	return map[string]picture{"rgba": {rgba: rgba}, "ycbcr420": {ycc: ycc}}
}

func BenchmarkOrient6(b *testing.B) {
	for name, pic := range benchPictures(4032, 3024) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pic.oriented(6)
			}
			reportPixels(b, 4032*3024)
		})
	}
}

func BenchmarkResize(b *testing.B) {
	for name, pic := range benchPictures(4032, 3024) {
		for _, size := range []image.Point{{3325, 2494}, {554, 416}} {
			b.Run(name+"/"+size.String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := pic.scaled(size.X, size.Y); err != nil {
						b.Fatal(err)
					}
				}
				reportPixels(b, 4032*3024)
			})
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, tt := range []struct {
		layout, format string
		w, h           int
	}{
		{"ycbcr420", "jpeg", 3325, 2494},
		{"ycbcr420", "jpeg", 554, 416},
		{"rgba", "jpeg", 554, 416},
		{"rgba", "png", 3325, 2494},
		{"rgba", "png", 554, 416},
	} {
		pic := benchPictures(tt.w, tt.h)[tt.layout]
		b.Run(tt.layout+"/"+tt.format+"/"+image.Pt(tt.w, tt.h).String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pic.encode(tt.format, DefaultJPEGQuality); err != nil {
					b.Fatal(err)
				}
			}
			reportPixels(b, tt.w*tt.h)
		})
	}
}

func BenchmarkBlurhash(b *testing.B) {
	for name, pic := range benchPictures(554, 416) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := computeBlurhash(pic); err != nil {
					b.Fatal(err)
				}
			}
		})
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
