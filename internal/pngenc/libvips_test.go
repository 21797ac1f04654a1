package pngenc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// maxSizeVersusLibvips is the largest accepted ratio of Encode's output at
// DefaultLevel to libvips' default pngsave output for the same image.
const maxSizeVersusLibvips = 1.1

// TestSizeVersusLibvips encodes the two 3325x2494 photo-like images at
// DefaultLevel and compares the file sizes with `vips pngsave` at its
// defaults (vips 8.14 writes zlib level 6 with filter type None on every
// row). It needs the vips command and is skipped in -short mode and
// under the race detector.
func TestSizeVersusLibvips(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("encodes two 8.3-megapixel images: skipped in -short mode and under the race detector")
	}
	vips, err := exec.LookPath("vips")
	if err != nil {
		t.Skip("the vips command (Debian package libvips-tools) is not installed")
	}
	dir := t.TempDir()
	for _, kind := range []string{"synthetic", "photo"} {
		t.Run(kind, func(t *testing.T) {
			var img = syntheticPhoto(3325, 2494)
			if kind == "photo" {
				img = realPhoto(t, 3325, 2494)
			}
			in := filepath.Join(dir, kind+".png")
			out := filepath.Join(dir, kind+"-vips.png")
			if err := os.WriteFile(in, encode(t, img, Options{Level: BestSpeed}), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if msg, err := exec.CommandContext(ctx, vips, "pngsave", in, out).CombinedOutput(); err != nil {
				t.Fatalf("vips pngsave %s: %v\n%s", in, err, msg)
			}
			info, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			vipsSize := info.Size()
			ours := len(encode(t, img, Options{}))
			ratio := float64(ours) / float64(vipsSize)
			t.Logf("%s: pngenc DefaultLevel %d bytes, vips pngsave %d bytes, ratio %.3f", kind, ours, vipsSize, ratio)
			if ratio > maxSizeVersusLibvips {
				t.Errorf("pngenc output is %.3f times the size of vips' (%d vs %d bytes), expected at most %.2f: raise DefaultFlateLevel",
					ratio, ours, vipsSize, maxSizeVersusLibvips)
			}
		})
	}
}
