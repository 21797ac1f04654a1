package webpframe

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"testing"

	"golang.org/x/image/webp"
)

func TestFirstFrameOfAnimation(t *testing.T) {
	data, err := os.ReadFile("../../testdata/hostile/animated.webp")
	if err != nil {
		t.Fatal(err)
	}
	f, err := FirstFrame(data)
	if err != nil {
		t.Fatal(err)
	}
	// webpmux -info: canvas 60x40; frame 1 is 43x40 at (8,0), lossy with alpha.
	if f.CanvasWidth != 60 || f.CanvasHeight != 40 || f.X != 8 || f.Y != 0 {
		t.Errorf("canvas %dx%d, offset (%d,%d); want 60x40 and (8,0)", f.CanvasWidth, f.CanvasHeight, f.X, f.Y)
	}
	img, err := webp.Decode(bytes.NewReader(f.Still))
	if err != nil {
		t.Fatalf("extracted frame does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 43 || b.Dy() != 40 {
		t.Errorf("frame decodes to %v, want 43x40", b)
	}
	if _, ok := img.(*image.NYCbCrA); !ok {
		t.Errorf("frame decodes to %T, want *image.NYCbCrA because it carries an ALPH chunk", img)
	}

	refData, err := os.ReadFile("../../testdata/hostile/animated-frame0.png")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := png.Decode(bytes.NewReader(refData))
	if err != nil {
		t.Fatal(err)
	}
	var sum, n float64
	for y := 0; y < 40; y++ {
		for x := 0; x < 43; x++ {
			_, _, _, a1 := img.At(x, y).RGBA()
			_, _, _, a2 := ref.At(x+8, y).RGBA()
			d := float64(int(a1>>8) - int(a2>>8))
			sum += max(d, -d)
			n++
		}
	}
	if mean := sum / n; mean > 2 {
		t.Errorf("frame alpha differs from the source frame by %.2f on average, want at most 2", mean)
	}
}

func TestFirstFrameStillFile(t *testing.T) {
	data, err := os.ReadFile("../../testdata/mastodon/600x400.webp")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FirstFrame(data); !errors.Is(err, ErrNotAnimated) {
		t.Errorf("still file: error = %v, want ErrNotAnimated", err)
	}
}

func TestFirstFrameMalformed(t *testing.T) {
	data, err := os.ReadFile("../../testdata/hostile/animated.webp")
	if err != nil {
		t.Fatal(err)
	}
	for cut := 0; cut < len(data); cut += 7 {
		if f, err := FirstFrame(data[:cut]); err == nil {
			if _, err := webp.Decode(bytes.NewReader(f.Still)); err == nil && cut < len(data)-1000 {
				t.Errorf("file cut at %d of %d bytes gave a decodable frame", cut, len(data))
			}
		}
	}
	outside := append([]byte(nil), data...)
	i := bytes.Index(outside, []byte("ANMF"))
	outside[i+8] = 0xff // X offset far outside the canvas
	if _, err := FirstFrame(outside); err == nil {
		t.Error("frame outside the canvas: no error")
	}
}
