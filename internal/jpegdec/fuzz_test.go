package jpegdec

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that arbitrary input never panics or hangs, and that a
// successful decode agrees with DecodeConfig on size and colour model.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*.jpg")
	if err != nil {
		f.Fatal(err)
	}
	more, err := filepath.Glob("../../testdata/*/*.jp*g")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(files, more...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		// Large seeds slow every fuzzing iteration that mutates them.
		if len(data) <= 64<<10 {
			f.Add(data, uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		cfg, err := DecodeConfig(data)
		if err != nil {
			return
		}
		// Callers bound memory through DecodeConfig; this bound keeps each
		// iteration fast enough for the fuzzer to explore.
		if cfg.Width*cfg.Height > 1<<18 {
			return
		}
		scale := 1 << (opt & 3)
		img, err := Decode(data, Options{Scale: scale, Workers: 1 + int(opt>>2&1)})
		if err != nil {
			return
		}
		want := image.Rect(0, 0, (cfg.Width+scale-1)/scale, (cfg.Height+scale-1)/scale)
		if img.Bounds() != want {
			t.Fatalf("Decode bounds %v at scale 1/%d, DecodeConfig size %dx%d", img.Bounds(), scale, cfg.Width, cfg.Height)
		}
		var model color.Model
		switch img.(type) {
		case *image.YCbCr:
			model = color.YCbCrModel
		case *image.Gray:
			model = color.GrayModel
		case *image.RGBA:
			model = color.RGBAModel
		case *image.CMYK:
			model = color.CMYKModel
		}
		if model != cfg.ColorModel {
			t.Fatalf("Decode returned %T, DecodeConfig reports colour model %v", img, cfg.ColorModel)
		}
	})
}
