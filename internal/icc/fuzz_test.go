package icc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// maxSeedSize keeps fuzz seeds small so that each iteration stays fast.
const maxSeedSize = 64 << 10

// FuzzExtract runs Extract for every format on arbitrary bytes. A
// non-nil result must pass the ICC header check, and must survive a round
// trip through EmbedJPEG and EmbedPNG unchanged.
func FuzzExtract(f *testing.F) {
	var paths []string
	for _, pattern := range []string{
		filepath.Join("..", "..", "testdata", "*", "*"),
		filepath.Join("testdata", "*"),
	} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		paths = append(paths, matches...)
	}
	for _, path := range paths {
		info, err := os.Stat(path)
		if err != nil || info.IsDir() || info.Size() > maxSeedSize {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(addICCP(f, readFixture(f, "mastodon/600x400.webp"), adobeProfile(f)))

	jpegBase := encodeJPEG(f)
	pngBase := encodePNG(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"jpeg", "png", "webp", "gif"} {
			profile := Extract(format, data)
			if profile == nil {
				continue
			}
			if format == "gif" {
				t.Fatalf("Extract returned %d bytes for GIF, expected nil", len(profile))
			}
			if err := checkProfile(profile); err != nil {
				t.Fatalf("%s: Extract returned a profile that fails the header check: %v", format, err)
			}
			jpegData, err := EmbedJPEG(jpegBase, profile)
			if err != nil {
				t.Fatalf("%s: EmbedJPEG rejected an extracted %d-byte profile: %v", format, len(profile), err)
			}
			if got := Extract("jpeg", jpegData); !bytes.Equal(got, profile) {
				t.Fatalf("%s: JPEG round trip returned %d bytes, expected %d", format, len(got), len(profile))
			}
			if len(profile) > MaxProfileSize {
				continue
			}
			pngData, err := EmbedPNG(pngBase, profile)
			if err != nil {
				t.Fatalf("%s: EmbedPNG rejected an extracted %d-byte profile: %v", format, len(profile), err)
			}
			if got := Extract("png", pngData); !bytes.Equal(got, profile) {
				t.Fatalf("%s: PNG round trip returned %d bytes, expected %d", format, len(got), len(profile))
			}
		}
	})
}
