package icc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestExiftoolReadsEmbedded(t *testing.T) {
	cases := []struct {
		name    string
		profile []byte
	}{
		{"small", adobeProfile(t)},
		{"three segments", paddedProfile(t, 2*MaxJPEGChunkSize+10)},
	}
	for _, c := range cases {
		t.Run(c.name+"/jpeg", func(t *testing.T) {
			out, err := EmbedJPEG(encodeJPEG(t), c.profile)
			if err != nil {
				t.Fatal(err)
			}
			if got := exiftoolTag(t, out, "jpg", "ProfileDescription"); got != adobeDescription {
				t.Fatalf("exiftool read ProfileDescription %q, expected %q", got, adobeDescription)
			}
		})
		t.Run(c.name+"/png", func(t *testing.T) {
			out, err := EmbedPNG(encodePNG(t), c.profile)
			if err != nil {
				t.Fatal(err)
			}
			if got := exiftoolTag(t, out, "png", "ProfileDescription"); got != adobeDescription {
				t.Fatalf("exiftool read ProfileDescription %q, expected %q", got, adobeDescription)
			}
		})
	}
}

// TestExtractToolFiles reads files that libvips 8.14 and ImageMagick 6.9
// wrote with the fixture profile (testdata/generate.sh).
func TestExtractToolFiles(t *testing.T) {
	profile := adobeProfile(t)
	cases := []struct{ file, format string }{
		{"vips-adobergb.jpg", "jpeg"},
		{"vips-adobergb.png", "png"},
		{"vips-adobergb.webp", "webp"},
		{"magick-adobergb.jpg", "jpeg"},
		{"magick-adobergb.png", "png"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := Extract(c.format, readTestdata(t, c.file))
			if !bytes.Equal(got, profile) {
				t.Fatalf("Extract returned %d bytes, expected the %d-byte profile the tool embedded", len(got), len(profile))
			}
		})
	}
}

// TestExtractMatchesExiftool compares Extract with the ICC_Profile block
// that exiftool reads from every repository fixture. Files without a
// profile must give nil from both.
func TestExtractMatchesExiftool(t *testing.T) {
	tool, err := exec.LookPath("exiftool")
	if err != nil {
		t.Skip("exiftool is not on PATH: install libimage-exiftool-perl to compare with a real reader")
	}
	formats := map[string]string{".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp", ".gif": "gif"}
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	withProfile := 0
	for _, path := range paths {
		format, ok := formats[filepath.Ext(path)]
		if !ok || format == "gif" {
			continue
		}
		want, err := exec.Command(tool, "-b", "-ICC_Profile", path).Output()
		if err != nil {
			t.Fatalf("exiftool -b -ICC_Profile %s: %v", path, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := Extract(format, data)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Extract returned %d bytes, exiftool read %d", path, len(got), len(want))
		}
		if len(want) > 0 {
			withProfile++
		}
	}
	if withProfile < 5 {
		t.Errorf("only %d fixtures carry a profile, expected at least 5 (the GIMP and Display profiles in testdata)", withProfile)
	}
}
