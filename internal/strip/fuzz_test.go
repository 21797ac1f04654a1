package strip

import (
	"bytes"
	"errors"
	"testing"
)

// Fuzz limits. Small seeds and canvases keep each iteration, which may
// decode two images, in the millisecond range.
const (
	maxSeedSize     = 64 << 10
	maxFuzzPixels   = 1 << 20
	maxOutputGrowth = 1 // WebP may add one padding byte
)

// addFixtureSeeds adds every fixture up to maxSeedSize whose magic bytes
// name format.
func addFixtureSeeds(f *testing.F, format string) {
	for _, path := range fixturePaths(f) {
		data := readFixture(f, path)
		if len(data) <= maxSeedSize && sniffFormat(data) == format {
			f.Add(data)
		}
	}
}

// fuzzStrip checks that Strip does not panic, fails only with
// ErrMalformed, grows a file by at most one padding byte and gives the
// same bytes when run on its own output. When the input decodes, the
// output must decode to the same frames and pixels.
func fuzzStrip(f *testing.F, format string) {
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Strip(format, data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		if len(out) > len(data)+maxOutputGrowth {
			t.Fatalf("output is %d bytes, expected at most %d for a %d-byte input",
				len(out), len(data)+maxOutputGrowth, len(data))
		}
		again, err := Strip(format, out)
		if err != nil {
			t.Fatalf("stripping the output again failed: %v", err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("stripping the output again changed it from %d to %d bytes, expected no change",
				len(out), len(again))
		}

		want, err := decodeAll(format, data, maxFuzzPixels)
		if err != nil {
			return
		}
		got, err := decodeAll(format, out, maxFuzzPixels)
		if err != nil {
			t.Fatalf("input decodes but stripped output does not: %v", err)
		}
		if diff := diffDecoded(want, got); diff != "" {
			t.Fatalf("stripped output decodes differently from the input: %s", diff)
		}
	})
}

func FuzzJPEG(f *testing.F) {
	addFixtureSeeds(f, "jpeg")
	encoded := encodeJPEG(f)
	f.Add(splice(encoded, 2, jfifSegment, exifSegment, xmpSegment, icc1Segment, iptcSegment, comSegment,
		icc2Segment, adobeSegment, app3Segment))
	f.Add(append(splice(encoded, len(encoded)-2, comSegment), "trailing"...))
	fuzzStrip(f, "jpeg")
}

func FuzzPNG(f *testing.F) {
	addFixtureSeeds(f, "png")
	encoded := encodePNG(f)
	f.Add(splice(encoded, ihdrEnd, pngMetadataChunks(f)...))
	f.Add(append(append([]byte(nil), encoded...), "trailing"...))
	fuzzStrip(f, "png")
}

func FuzzWebP(f *testing.F) {
	addFixtureSeeds(f, "webp")
	// The ALPH and VP8 chunks of the fixture follow its 18-byte VP8X chunk.
	imageChunks := readFixture(f, "mastodon/600x400.webp")[12+18:]
	f.Add(buildWebP(vp8xChunk(0x3C), riffChunk("ICCP", []byte{1, 2, 3}), imageChunks,
		riffChunk("EXIF", []byte("MM\x00*\x00\x00\x00\x08\x00")), riffChunk("XMP ", []byte("<x/>"))))
	fuzzStrip(f, "webp")
}

func FuzzGIF(f *testing.F) {
	addFixtureSeeds(f, "gif")
	encoded := encodeGIF(f)
	f.Add(splice(encoded, len(encoded)-1, gifExtensionBlock(0xFE, []byte("comment")),
		gifApplicationBlock("XMP DataXMP", []byte("<x/>")), gifPlainTextBlock("hi")))
	fuzzStrip(f, "gif")
}
