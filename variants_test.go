package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"testing"
)

func TestFitPixels(t *testing.T) {
	tests := []struct {
		w, h, budget int
		wantW, wantH int
	}{
		{600, 400, 230_400, 588, 392},
		{600, 400, 160_000, 490, 327},
		{640, 480, 230_400, 554, 416}, // exact height 415.5 rounds up
		{640, 480, 160_000, 461, 346}, // the box is 462x346, the width comes out 1 px smaller
		{4000, 3000, 8_294_400, 3325, 2494},
		{3000, 4000, 230_400, 416, 554},
		{4096, 4097, 8_294_400, 2879, 2880},
		{4096, 4097, 230_400, 480, 480},
		{1920, 1080, 230_400, 640, 360},
		{4032, 3024, 8_294_400, 3325, 2494},
		{4032, 3024, 230_400, 554, 416},
		{780, 171, 230_400, 780, 171},
		{150, 150, 230_400, 150, 150},
		{480, 480, 230_400, 480, 480}, // exactly the budget stays
		{1, 1, 230_400, 1, 1},
		{16383, 1, 1000, 4048, 1}, // the box height rounds to 0 and is raised to 1
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%dx%d/%d", tt.w, tt.h, tt.budget)
		t.Run(name, func(t *testing.T) {
			w, h := FitPixels(tt.w, tt.h, tt.budget)
			if w != tt.wantW || h != tt.wantH {
				t.Errorf("FitPixels(%d, %d, %d) = %dx%d, want %dx%d", tt.w, tt.h, tt.budget, w, h, tt.wantW, tt.wantH)
			}
		})
	}
}

func TestFitInsideUpscale(t *testing.T) {
	tests := []struct{ w, h, wantW, wantH int }{
		{588, 392, 100, 67},
		{392, 588, 67, 100},
		{32, 32, 100, 100},
		{1, 1000, 1, 100}, // 0.1 px rounds to 0 and is raised to 1
	}
	for _, tt := range tests {
		w, h := fitInside(tt.w, tt.h, 100, 100, true)
		if w != tt.wantW || h != tt.wantH {
			t.Errorf("fitInside(%d, %d) into 100x100 = %dx%d, want %dx%d", tt.w, tt.h, w, h, tt.wantW, tt.wantH)
		}
	}
}

func TestToRGBAPremultipliesLikeDraw(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 256, 4))
	for x := 0; x < 256; x++ {
		for y := 0; y < 4; y++ {
			src.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: uint8(255 - x), B: uint8(x * 7), A: uint8(y*85 + x%2)})
		}
	}
	want := image.NewRGBA(src.Rect)
	draw.Draw(want, want.Rect, src, image.Point{}, draw.Src)
	got := toRGBA(src)
	if !bytes.Equal(got.Pix, want.Pix) {
		for i := range got.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Fatalf("byte %d (pixel %d) = %d, image/draw gives %d", i, i/4, got.Pix[i], want.Pix[i])
			}
		}
	}
}
