package strip

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sniffFormat returns the format named by a file's magic bytes, or "".
func sniffFormat(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "gif"
	}
	return ""
}

// fixturePaths returns every file in the two fixture directories whose
// extension names one of the four formats.
func fixturePaths(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, dir := range []string{"mastodon", "gotosocial"} {
		entries, err := os.ReadDir(filepath.Join("..", "..", "testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".jpg", ".jpeg", ".png", ".webp", ".gif":
				paths = append(paths, filepath.Join(dir, e.Name()))
			}
		}
	}
	return paths
}

// TestStripFixtures strips every fixture in the format its magic bytes
// name and checks that no metadata remains, the kept items are unchanged
// and every pixel of every frame decodes the same, unless the output is
// byte for byte the input. Fixtures whose bytes match no format
// (test-corrupted.jpg is text) must return ErrMalformed.
func TestStripFixtures(t *testing.T) {
	paths := fixturePaths(t)
	if len(paths) < 40 {
		t.Fatalf("found %d fixtures, expected at least 40", len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			input := readFixture(t, path)
			format := sniffFormat(input)
			if format == "" {
				_, err := Strip("jpeg", input)
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("got error %v for a file that is no known format, expected ErrMalformed", err)
				}
				return
			}

			output := mustStrip(t, format, input)
			if len(output) > len(input)+1 {
				t.Errorf("output is %d bytes, expected at most the input's %d", len(output), len(input))
			}
			checkStripped(t, format, input, output)
			if bytes.Equal(output, input) {
				// Identical bytes decode to identical pixels, so the slow
				// decode of large metadata-free fixtures is skipped.
				return
			}
			checkSamePixels(t, format, input, output)
		})
	}
}

// TestStripFixtureMetadata names fixtures known (from exiftool 12.57) to
// carry metadata and checks each kind is gone while ICC profiles stay.
func TestStripFixtureMetadata(t *testing.T) {
	tests := []struct {
		path        string
		format      string
		wantDropped []string
		wantKept    []string
	}{
		{"gotosocial/test-with-exif.jpg", "jpeg", []string{"APP1"}, nil},
		{"gotosocial/ffmpreg-original.jpeg", "jpeg", []string{"APP1", "APP1"}, []string{"APP0 JFIF", "APP2 ICC_PROFILE"}},
		{"mastodon/attachment.jpg", "jpeg", nil, []string{"APP0 JFIF", "APP2 ICC_PROFILE"}},
		{"mastodon/monochrome.png", "png", []string{"tEXt", "eXIf"}, nil},
		{"gotosocial/marge-original.png", "png", []string{"zTXt"}, []string{"iCCP"}},
		{"gotosocial/test-png-noalphachannel.png", "png", []string{"iTXt"}, []string{"iCCP"}},
		{"gotosocial/peglin.gif", "gif", []string{`application "XMP DataXMP"`}, []string{"extension 0xFF NETSCAPE2.0"}},
		{"gotosocial/big-panda.gif", "gif", []string{"comment"}, nil},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			input := readFixture(t, tc.path)
			dropped, kept, _ := metadataItems(t, tc.format, input)
			for _, want := range tc.wantDropped {
				if !containsPrefix(dropped, want) {
					t.Errorf("input metadata %q has no %q: the fixture or the test walker changed", dropped, want)
				}
			}
			for _, want := range tc.wantKept {
				if !containsPrefix(kept, want) {
					t.Errorf("input items %q have no %q: the fixture or the test walker changed", kept, want)
				}
			}

			output := mustStrip(t, tc.format, input)
			dropped, kept, _ = metadataItems(t, tc.format, output)
			if len(dropped) != 0 {
				t.Errorf("output still contains %q", dropped)
			}
			for _, want := range tc.wantKept {
				if !containsPrefix(kept, want) {
					t.Errorf("output items %q lost %q", kept, want)
				}
			}
		})
	}
}

func containsPrefix(items []string, prefix string) bool {
	for _, item := range items {
		if strings.HasPrefix(item, prefix) {
			return true
		}
	}
	return false
}

func TestStripUnsupportedFormat(t *testing.T) {
	for _, format := range []string{"", "bmp", "JPEG", "jpg", "avif"} {
		out, err := Strip(format, []byte{0xFF, 0xD8, 0xFF, 0xD9})
		if !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("format %q: got %d bytes and error %v, expected ErrUnsupportedFormat", format, len(out), err)
		}
	}
}

func TestStripDispatch(t *testing.T) {
	tests := []struct {
		format string
		input  []byte
		strip  func([]byte) ([]byte, error)
	}{
		{"jpeg", encodeJPEG(t), JPEG},
		{"png", encodePNG(t), PNG},
		{"webp", readFixture(t, "gotosocial/nb-flag-original.webp"), WebP},
		{"gif", encodeGIF(t), GIF},
	}
	for _, tc := range tests {
		got, err := Strip(tc.format, tc.input)
		if err != nil {
			t.Errorf("%s: unexpected error %v", tc.format, err)
			continue
		}
		want, _ := tc.strip(tc.input)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Strip returned %d bytes, the format function %d", tc.format, len(got), len(want))
		}
		if _, err := Strip(tc.format, []byte("not an image")); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got error %v for junk input, expected ErrMalformed", tc.format, err)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := PNG([]byte("nope"))
	if err == nil || !strings.HasPrefix(err.Error(), "strip: png: ") {
		t.Errorf("got error %v, expected a message starting \"strip: png: \"", err)
	}
}

func benchmarkStrip(b *testing.B, format, path string) {
	input := readFixture(b, path)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Strip(format, input); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStripJPEG(b *testing.B) { benchmarkStrip(b, "jpeg", "gotosocial/test-with-exif.jpg") }
func BenchmarkStripPNG(b *testing.B)  { benchmarkStrip(b, "png", "gotosocial/marge-original.png") }
func BenchmarkStripWebP(b *testing.B) {
	benchmarkStrip(b, "webp", "gotosocial/sloth-gear-original.webp")
}
func BenchmarkStripGIF(b *testing.B) { benchmarkStrip(b, "gif", "gotosocial/big-panda.gif") }
