package exif

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzFormats maps the fuzzer's selector byte to a container. The last
// entry feeds the bytes to ParseOrientation as a bare TIFF block.
var fuzzFormats = []string{"jpeg", "png", "webp", "gif", "tiff"}

// seedPrefix limits fixture seeds to their first bytes. EXIF sits in the
// file header, and short seeds keep each fuzz iteration fast.
const seedPrefix = 64 << 10

func formatOfFile(name string) (int, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg":
		return 0, true
	case ".png":
		return 1, true
	case ".webp":
		return 2, true
	case ".gif":
		return 3, true
	}
	return 0, false
}

func FuzzOrientation(f *testing.F) {
	paths, err := filepath.Glob("../../testdata/*/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range paths {
		selector, ok := formatOfFile(path)
		if !ok {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(selector), data[:min(len(data), seedPrefix)])
	}
	for orientation := uint16(0); orientation <= 9; orientation++ {
		tiff := orientationTIFF(binary.BigEndian, orientation)
		f.Add(uint8(4), tiff)
		f.Add(uint8(0), buildJPEG(exifAPP1(orientationTIFF(binary.LittleEndian, orientation))))
		f.Add(uint8(1), buildPNG(pngChunk("eXIf", tiff), pngChunk("IEND", nil)))
		f.Add(uint8(2), buildWebP(riffChunk("EXIF", tiff)))
	}

	f.Fuzz(func(t *testing.T, selector uint8, data []byte) {
		format := fuzzFormats[int(selector)%len(fuzzFormats)]
		if format == "tiff" {
			got, err := ParseOrientation(data)
			if err == nil && (got < 1 || got > 8) {
				t.Fatalf("ParseOrientation returned %d without error, expected 1 to 8", got)
			}
			if err != nil && got != 0 {
				t.Fatalf("ParseOrientation returned %d with error %v, expected 0", got, err)
			}
			return
		}
		if got := Orientation(format, data); got < 0 || got > 8 {
			t.Fatalf("Orientation(%q) returned %d, expected 0 to 8", format, got)
		}
	})
}
