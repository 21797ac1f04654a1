package jpegdec

import (
	"bytes"
	"errors"
	"image/color"
	"image/jpeg"
	"os"
	"runtime"
	"testing"
)

func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// segmentOffset returns the offset of the first marker segment with the
// given marker code, found by walking the segments from SOI.
func segmentOffset(t testing.TB, data []byte, marker byte) int {
	t.Helper()
	for pos := 2; pos+4 <= len(data); {
		if data[pos] != 0xff {
			t.Fatalf("no marker at offset %d while looking for 0x%02x", pos, marker)
		}
		if data[pos+1] == marker {
			return pos
		}
		if data[pos+1] == markerSOS {
			break
		}
		pos += 2 + (int(data[pos+2])<<8 | int(data[pos+3]))
	}
	t.Fatalf("no marker 0x%02x before the first scan", marker)
	return 0
}

// patched returns a copy of data with bytes from offset off replaced.
func patched(data []byte, off int, b ...byte) []byte {
	out := bytes.Clone(data)
	copy(out[off:], b)
	return out
}

func TestDecodeConfigFixtures(t *testing.T) {
	cases := []struct {
		path        string
		w, h, comps int
		model       color.Model
		progressive bool
	}{
		{"../../testdata/mastodon/600x400.jpeg", 600, 400, 3, color.YCbCrModel, true},
		{"../../testdata/mastodon/attachment.jpg", 600, 400, 3, color.YCbCrModel, false},
		{"testdata/gray.jpg", 150, 100, 1, color.GrayModel, false},
		{"testdata/progressive-gray.jpg", 150, 100, 1, color.GrayModel, true},
		{"testdata/cmyk.jpg", 150, 100, 4, color.CMYKModel, false},
		{"testdata/rgb.jpg", 150, 100, 3, color.RGBAModel, false},
		{"testdata/size-17x9.jpg", 17, 9, 3, color.YCbCrModel, false},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			data := readFixture(t, tc.path)
			cfg, err := DecodeConfig(data)
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			want := Config{Width: tc.w, Height: tc.h, Components: tc.comps, ColorModel: tc.model, Progressive: tc.progressive}
			if cfg != want {
				t.Fatalf("DecodeConfig = %+v, want %+v", cfg, want)
			}
			std, err := jpeg.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("image/jpeg DecodeConfig: %v", err)
			}
			if std.Width != cfg.Width || std.Height != cfg.Height || std.ColorModel != cfg.ColorModel {
				t.Fatalf("image/jpeg reports %dx%d %v, this package %dx%d %v", std.Width, std.Height, std.ColorModel, cfg.Width, cfg.Height, cfg.ColorModel)
			}
		})
	}
}

func TestDecodeUnsupported(t *testing.T) {
	base := readFixture(t, "testdata/sample-2x2.jpg")
	sof := segmentOffset(t, base, markerSOF0)
	cases := []struct {
		name string
		data []byte
	}{
		{"arithmetic", readFixture(t, "testdata/unsupported-arithmetic.jpg")},
		{"12-bit precision", patched(base, sof+4, 12)},
		{"lossless SOF3", patched(base, sof+1, 0xc3)},
		{"progressive arithmetic SOF10", patched(base, sof+1, 0xca)},
		{"height 0 (DNL)", patched(base, sof+5, 0, 0)},
		{"CMYK without Adobe APP14", patched(readFixture(t, "testdata/cmyk.jpg"), segmentOffset(t, readFixture(t, "testdata/cmyk.jpg"), markerAPPE)+4, 'X')},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data, Options{})
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("Decode error = %v, want an *UnsupportedError so callers can fall back", err)
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	base := readFixture(t, "testdata/sample-2x2.jpg")
	sof := segmentOffset(t, base, markerSOF0)
	dht := segmentOffset(t, base, markerDHT)
	sos := segmentOffset(t, base, markerSOS)
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"no SOI", base[2:]},
		{"width 0", patched(base, sof+7, 0, 0)},
		{"overfull Huffman table", patched(base, dht+5, 3)}, // three 1-bit codes
		{"unknown marker 0x02", append(append(bytes.Clone(base[:sof]), 0xff, 0x02, 0, 2), base[sof:]...)},
		{"segment length 1", patched(base, sof+2, 0, 1)},
		{"scan of unknown component", patched(base, sos+5, 99)},
		{"DQT table 5", patched(base, segmentOffset(t, base, markerDQT)+4, 5)},
		{"no SOS before EOI", append(bytes.Clone(base[:sos]), 0xff, markerEOI)},
		{"not a JPEG", readFixture(t, "../../testdata/gotosocial/test-corrupted.jpg")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data, Options{})
			var fe *FormatError
			if !errors.As(err, &fe) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("Decode error = %v, want a *FormatError or ErrTruncated", err)
			}
		})
	}
}

func TestDecodeBadScale(t *testing.T) {
	data := readFixture(t, "testdata/size-1x1.jpg")
	for _, s := range []int{-1, 3, 16} {
		if _, err := Decode(data, Options{Scale: s}); err == nil {
			t.Errorf("Decode with Scale %d succeeded, want an error", s)
		}
	}
}

// TestDecodeTruncated cuts files at many offsets: every cut must fail with
// ErrTruncated or a FormatError, never panic and never return an image.
func TestDecodeTruncated(t *testing.T) {
	files := []string{
		"testdata/sample-2x2.jpg",
		"testdata/progressive-420.jpg",
		"testdata/restart-3.jpg",
		"testdata/restart-3-progressive.jpg",
		"testdata/gray.jpg",
		"testdata/size-17x9.jpg",
	}
	for _, path := range files {
		data := readFixture(t, path)
		for n := 0; n < len(data); n++ {
			// Every eighth cut also exercises the pipelined path's shutdown.
			workers := 1
			if n%8 == 0 {
				workers = 2
			}
			_, err := Decode(data[:n], Options{Workers: workers})
			var fe *FormatError
			if !errors.Is(err, ErrTruncated) && !errors.As(err, &fe) {
				t.Fatalf("%s cut to %d of %d bytes: error %v, want ErrTruncated or *FormatError", path, n, len(data), err)
			}
		}
	}
}

// TestDecodeCorruptEntropy flips bytes inside the entropy-coded data. The
// result may be an error or a garbled image, but never a panic or a hang.
func TestDecodeCorruptEntropy(t *testing.T) {
	for _, path := range []string{"testdata/sample-2x2.jpg", "testdata/progressive-420.jpg", "testdata/restart-3.jpg"} {
		data := readFixture(t, path)
		start := segmentOffset(t, data, markerSOS)
		seed := uint32(7)
		for trial := 0; trial < 300; trial++ {
			bad := bytes.Clone(data)
			for i := 0; i < 1+trial%4; i++ {
				seed = seed*1664525 + 1013904223
				off := start + int(seed>>8)%(len(data)-start)
				bad[off] ^= byte(seed >> 24)
			}
			for _, s := range []int{1, 8} {
				img, err := Decode(bad, Options{Scale: s})
				if err == nil && img.Bounds().Dx() != (150+s-1)/s {
					t.Fatalf("%s trial %d: image width %d, want %d", path, trial, img.Bounds().Dx(), (150+s-1)/s)
				}
			}
		}
	}
}

// TestDecodeHugeDeclaredSize declares a 65535x65535 frame over a few hundred
// bytes of data: Decode must reject it before allocating the planes.
func TestDecodeHugeDeclaredSize(t *testing.T) {
	data := readFixture(t, "testdata/size-1x1.jpg")
	sof := segmentOffset(t, data, markerSOF0)
	huge := patched(data, sof+5, 0xff, 0xff, 0xff, 0xff)
	cfg, err := DecodeConfig(huge)
	if err != nil {
		t.Fatalf("DecodeConfig: %v", err)
	}
	if cfg.Width != 65535 || cfg.Height != 65535 {
		t.Fatalf("DecodeConfig size %dx%d, want 65535x65535", cfg.Width, cfg.Height)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Decode(huge, Options{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("Decode error = %v, want ErrTruncated", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("Decode allocated %d bytes for a file it rejects, want under 1 MiB", grew)
	}
}
