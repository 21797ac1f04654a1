package jpegdec

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// photoLike returns a deterministic w x h image that compresses like a
// photograph: smooth colour gradients, soft shading, hard-edged shapes and
// per-pixel noise, so most blocks carry AC coefficients.
func photoLike(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(0x9e3779b9)
	noise := func() int {
		// xorshift32: a fixed sequence, so every run encodes the same file.
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		return int(seed%13) - 6
	}
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(w)
			shade := 40 * math.Sin(fx*7+fy*3) * math.Cos(fy*5-fx*2)
			r := 60 + 140*fx + shade
			g := 80 + 100*fy - shade/2
			b := 160 - 90*fx*fy + shade/3
			// Hard edges: a disc and a band of stripes.
			dx, dy := fx-0.6, fy-0.4
			if dx*dx+dy*dy < 0.03 {
				r, g, b = 230-r/4, 200-g/5, 40+b/6
			}
			if fy > 0.75 && int(fx*60)%2 == 0 {
				r, g, b = r/2, g/2, b/2
			}
			n := noise()
			i := img.PixOffset(x, y)
			img.Pix[i] = clampByte(int(r) + n)
			img.Pix[i+1] = clampByte(int(g) + n)
			img.Pix[i+2] = clampByte(int(b) + noise())
			img.Pix[i+3] = 255
		}
	}
	return img
}

var (
	benchOnce     sync.Once
	benchBaseline []byte
	benchProgOnce sync.Once
	benchProg     []byte
	benchProgErr  string
)

// baselineBench returns a 4032x3024 (a 12-megapixel phone photo) image
// encoded by image/jpeg at quality 90, which writes baseline 4:2:0.
func baselineBench(b *testing.B) []byte {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, photoLike(4032, 3024), &jpeg.Options{Quality: 90}); err != nil {
			panic(err)
		}
		benchBaseline = buf.Bytes()
	})
	return benchBaseline
}

// progressiveBench converts the baseline benchmark file to progressive with
// jpegtran (libjpeg-turbo-progs), which keeps the coefficients unchanged.
func progressiveBench(b *testing.B) []byte {
	base := baselineBench(b)
	benchProgOnce.Do(func() {
		path, err := exec.LookPath("jpegtran")
		if err != nil {
			benchProgErr = "jpegtran not found (Debian package libjpeg-turbo-progs); no progressive encoder exists in Go"
			return
		}
		cmd := exec.Command(path, "-progressive")
		cmd.Stdin = bytes.NewReader(base)
		out, err := cmd.Output()
		if err != nil {
			benchProgErr = "jpegtran -progressive failed: " + err.Error()
			return
		}
		benchProg = out
	})
	if benchProg == nil {
		b.Skip(benchProgErr)
	}
	return benchProg
}

// processCPU returns the CPU time (user plus system) of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLoop runs decode and reports, besides wall time, the process CPU time
// per operation (cpu-ms/op): on a machine shared with other jobs wall time
// varies with their load, CPU time much less.
func benchLoop(b *testing.B, size int, decode func() error) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu0 := processCPU()
	n := 0
	for b.Loop() {
		if err := decode(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
}

func benchDecode(b *testing.B, data []byte, opts Options) {
	benchLoop(b, len(data), func() error {
		_, err := Decode(data, opts)
		return err
	})
}

func benchStdlib(b *testing.B, data []byte) {
	benchLoop(b, len(data), func() error {
		_, err := jpeg.Decode(bytes.NewReader(data))
		return err
	})
}

func BenchmarkBaseline(b *testing.B) {
	data := baselineBench(b)
	b.Run("scale1", func(b *testing.B) { benchDecode(b, data, Options{}) })
	b.Run("scale1-1worker", func(b *testing.B) { benchDecode(b, data, Options{Workers: 1}) })
	b.Run("scale2", func(b *testing.B) { benchDecode(b, data, Options{Scale: 2}) })
	b.Run("scale8", func(b *testing.B) { benchDecode(b, data, Options{Scale: 8}) })
	b.Run("image-jpeg", func(b *testing.B) { benchStdlib(b, data) })
}

func BenchmarkProgressive(b *testing.B) {
	data := progressiveBench(b)
	b.Run("scale1", func(b *testing.B) { benchDecode(b, data, Options{}) })
	b.Run("scale8", func(b *testing.B) { benchDecode(b, data, Options{Scale: 8}) })
	b.Run("image-jpeg", func(b *testing.B) { benchStdlib(b, data) })
}

// BenchmarkIDCT8 measures the full-size inverse DCT on a block with a
// typical quality-90 spread of non-zero coefficients.
func BenchmarkIDCT8(b *testing.B) {
	var c component
	var q [64]uint16
	for i := range q {
		q[i] = uint16(2 + i/8)
	}
	c.setQuant(&q)
	var blk [64]int16
	for k := 0; k < 40; k++ {
		blk[zigzag[k]] = int16((k*37)%19 - 9)
	}
	dst := make([]byte, 8*8)
	b.ReportAllocs()
	for b.Loop() {
		idct8(&blk, &c.qAAN, dst, 8)
	}
}
