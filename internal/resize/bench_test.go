package resize

import (
	"fmt"
	"image"
	"runtime"
	"sync"
	"testing"
)

var benchSource = sync.OnceValue(func() *image.RGBA { return synthPhoto(4032, 3024) })

// benchSizes are the variants the media library makes of a 4032×3024
// photo: "original" capped below the source size and "small".
var benchSizes = [][2]int{{554, 416}, {3325, 2494}}

// The benchmarks loop over b.N rather than b.Loop: with Go 1.26.8, a
// b.Loop benchmark runs its whole timing loop inside the first call, before
// the testing package applies the -cpu setting, so "-cpu 1" would measure
// with the default GOMAXPROCS.

// BenchmarkRGBA resizes a 4032×3024 RGBA photo. Run with -cpu 1,2 to see
// the effect of the worker count, which follows GOMAXPROCS.
func BenchmarkRGBA(b *testing.B) {
	src := benchSource()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("4032x3024_to_%dx%d", size[0], size[1]), func(b *testing.B) {
			dst := image.NewRGBA(image.Rect(0, 0, size[0], size[1]))
			b.SetBytes(int64(len(src.Pix)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := RGBA(dst, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPlane resizes the three planes of a 4032×3024 4:2:0 YCbCr
// image: the full-size Y plane and the half-size Cb and Cr planes, each to
// the matching fraction of the output size.
func BenchmarkPlane(b *testing.B) {
	rgba := benchSource()
	ycc := image.NewYCbCr(rgba.Bounds(), image.YCbCrSubsampleRatio420)
	// Any deterministic content does for speed; the planes get the red,
	// green and blue bytes of the photo.
	for y := range 3024 {
		for x := range 4032 {
			ycc.Y[y*ycc.YStride+x] = rgba.Pix[y*rgba.Stride+x*4+1]
		}
	}
	for y := range 1512 {
		for x := range 2016 {
			ycc.Cb[y*ycc.CStride+x] = rgba.Pix[2*y*rgba.Stride+2*x*4+2]
			ycc.Cr[y*ycc.CStride+x] = rgba.Pix[2*y*rgba.Stride+2*x*4]
		}
	}
	srcBytes := len(ycc.Y) + len(ycc.Cb) + len(ycc.Cr)
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("4032x3024_to_%dx%d", size[0], size[1]), func(b *testing.B) {
			dst := image.NewYCbCr(image.Rect(0, 0, size[0], size[1]), image.YCbCrSubsampleRatio420)
			cw, ch := (size[0]+1)/2, (size[1]+1)/2
			b.SetBytes(int64(srcBytes))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				err := Plane(dst.Y, size[0], size[1], dst.YStride, ycc.Y, 4032, 3024, ycc.YStride)
				if err == nil {
					err = Plane(dst.Cb, cw, ch, dst.CStride, ycc.Cb, 2016, 1512, ycc.CStride)
				}
				if err == nil {
					err = Plane(dst.Cr, cw, ch, dst.CStride, ycc.Cr, 2016, 1512, ycc.CStride)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRGBAWorkers fixes the worker count through Options instead of
// GOMAXPROCS, for comparing 1 and 2 workers in one run.
func BenchmarkRGBAWorkers(b *testing.B) {
	src := benchSource()
	dst := image.NewRGBA(image.Rect(0, 0, 554, 416))
	for _, workers := range []int{1, 2} {
		if workers > runtime.GOMAXPROCS(0) {
			continue
		}
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(src.Pix)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := RGBA(dst, src, Options{Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
