package pngenc

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
)

// photoPath is the real photo (1920x1200, JPEG) behind the photo-like
// test images.
const photoPath = "../../testdata/gotosocial/sickos-original.jpeg"

// syntheticPhoto returns a deterministic w x h premultiplied RGBA image
// that resembles a photo with an alpha channel. It has smooth colour
// gradients, per-pixel grain of up to +-6 levels, and hard-edged discs and
// bars. Its alpha ramp is opaque at the top left, fully transparent in the
// bottom right corner and partly transparent between.
func syntheticPhoto(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))

	waveX := make([]float64, w)
	for x := range waveX {
		waveX[x] = math.Sin(float64(x) / 310)
	}
	waveY := make([]float64, h)
	for y := range waveY {
		waveY[y] = math.Cos(float64(y) / 470)
	}
	type disc struct {
		cx, cy, r2 int
		c          [3]int
	}
	discs := make([]disc, 40)
	for i := range discs {
		r := 20 + rng.IntN(max(1, min(w, h)/6))
		discs[i] = disc{rng.IntN(w), rng.IntN(h), r * r, [3]int{rng.IntN(256), rng.IntN(256), rng.IntN(256)}}
	}

	colors := make([][3]int, w)
	for y := range h {
		for x := range colors {
			colors[x] = [3]int{
				128 + int(90*waveX[x]*waveY[y]),
				100 + int(60*waveX[x]) + 40*y/max(1, h),
				140 + int(70*waveY[y]) - 50*x/max(1, w),
			}
		}
		// Paint the discs in order over the row: the pixels with
		// dx*dx + dy*dy < r*r, so |dx| <= isqrt(r*r - dy*dy - 1).
		for _, d := range discs {
			dy := y - d.cy
			if dy*dy >= d.r2 {
				continue
			}
			half := int(math.Sqrt(float64(d.r2 - dy*dy - 1)))
			for half*half > d.r2-dy*dy-1 {
				half--
			}
			for (half+1)*(half+1) <= d.r2-dy*dy-1 {
				half++
			}
			for x := max(0, d.cx-half); x <= min(w-1, d.cx+half); x++ {
				colors[x] = d.c
			}
		}
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			c := colors[x]
			if (x/97)%11 == 3 {
				c = [3]int{30, 30, 35} // dark vertical bars
			}
			grain := rng.IntN(13) - 6
			alpha := 255 - 300*(x+y)/max(1, w+h)
			alpha = min(255, max(0, alpha+40))
			p := row[4*x : 4*x+4]
			for k := range 3 {
				v := min(255, max(0, c[k]+grain))
				p[k] = byte((v*alpha + 127) / 255)
			}
			p[3] = byte(alpha)
		}
	}
	return img
}

// loadPhoto decodes the photo at photoPath into RGBA pixels.
var loadPhoto = sync.OnceValues(func() (*image.RGBA, error) {
	f, err := os.Open(photoPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	photo, err := jpeg.Decode(f)
	if err != nil {
		return nil, err
	}
	r := photo.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(rgba, rgba.Rect, photo, r.Min, draw.Src)
	return rgba, nil
})

// realPhoto returns a w x h premultiplied RGBA image made from the photo
// at photoPath, tiled with every other tile mirrored so that no pixel run
// repeats within a row, under the same alpha ramp as syntheticPhoto.
func realPhoto(tb testing.TB, w, h int) *image.RGBA {
	tb.Helper()
	photo, err := loadPhoto()
	if err != nil {
		tb.Fatalf("decode %s: %v", photoPath, err)
	}
	pw, ph := photo.Rect.Dx(), photo.Rect.Dy()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		sy := y % ph
		if (y/ph)%2 == 1 {
			sy = ph - 1 - sy
		}
		for x := range w {
			sx := x % pw
			if (x/pw)%2 == 1 {
				sx = pw - 1 - sx
			}
			s := photo.Pix[sy*photo.Stride+4*sx:]
			alpha := 255 - 300*(x+y)/max(1, w+h)
			a := uint32(min(255, max(0, alpha+40)))
			d := img.Pix[y*img.Stride+4*x:]
			for k := range 3 {
				d[k] = byte((uint32(s[k])*a + 127) / 255)
			}
			d[3] = byte(a)
		}
	}
	return img
}

// encode encodes img with opts and fails the test on error.
func encode(tb testing.TB, img image.Image, opts Options) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, img, opts); err != nil {
		tb.Fatalf("Encode(%T %v, %+v): %v", img, img.Bounds(), opts, err)
	}
	return buf.Bytes()
}

// decode decodes a PNG file with image/png and fails the test on error.
func decode(tb testing.TB, data []byte) image.Image {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("image/png cannot decode the output (%d bytes): %v", len(data), err)
	}
	return img
}
