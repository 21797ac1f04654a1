package strip

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// webpChunks returns the chunks of a fixture as complete byte slices
// (header, payload and padding), keyed by FourCC.
func webpChunks(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	chunks, _ := walkWebP(t, data)
	byFourCC := map[string][]byte{}
	for _, c := range chunks {
		byFourCC[c.fourCC] = riffChunk(c.fourCC, c.data)
	}
	return byFourCC
}

// vp8xChunk returns a VP8X chunk for a 600x400 canvas with the given flags.
func vp8xChunk(flags byte) []byte {
	// Canvas width and height minus one, 24-bit little-endian each.
	width, height := 600-1, 400-1
	payload := []byte{flags, 0, 0, 0}
	payload = append(payload, byte(width), byte(width>>8), 0, byte(height), byte(height>>8), 0)
	return riffChunk("VP8X", payload)
}

func TestWebPExtendedMetadata(t *testing.T) {
	// The fixture is VP8X (alpha flag 0x10), ALPH and VP8 (lossy).
	fixture := readFixture(t, "mastodon/600x400.webp")
	chunks := webpChunks(t, fixture)
	if fixture[20] != 0x10 {
		t.Fatalf("fixture VP8X flags are 0x%02X, expected alpha only (0x10)", fixture[20])
	}

	// 131 and 25 bytes: odd sizes that need a padding byte.
	iccp := riffChunk("ICCP", bytes.Repeat([]byte{0xA5}, 131))
	exif := riffChunk("EXIF", []byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00"))
	xmp := riffChunk("XMP ", []byte("<x:xmpmeta>GPS 52.1,4.3</x:xmpmeta>!"))
	if len(iccp)%2 != 0 || len(exif) != 8+25+1 {
		t.Fatalf("test chunks are not padded as expected: ICCP %d bytes, EXIF %d bytes", len(iccp), len(exif))
	}

	const allFlags = 0x10 | 0x20 | 0x08 | 0x04 // alpha, ICC, EXIF, XMP
	input := buildWebP(vp8xChunk(allFlags), iccp, chunks["ALPH"], chunks["VP8 "], exif, xmp)
	input = append(input, "trailing data after the RIFF size"...)

	out := mustStrip(t, "webp", input)

	want := buildWebP(vp8xChunk(0x10|0x20), iccp, chunks["ALPH"], chunks["VP8 "])
	if !bytes.Equal(out, want) {
		t.Errorf("output is %d bytes, expected the %d-byte file of VP8X (flags 0x30), ICCP, ALPH and VP8",
			len(out), len(want))
	}
	checkStripped(t, "webp", input, out)
	checkSamePixels(t, "webp", fixture, out)
	checkSamePixels(t, "webp", input, out)
}

func TestWebPSimpleWithEXIF(t *testing.T) {
	// The fixture is a single VP8L chunk of odd size 273.
	fixture := readFixture(t, "gotosocial/nb-flag-original.webp")
	chunks := webpChunks(t, fixture)
	input := buildWebP(chunks["VP8L"], riffChunk("EXIF", []byte("MM\x00*\x00\x00\x00\x08\x00\x00")))

	out := mustStrip(t, "webp", input)
	if !bytes.Equal(out, fixture) {
		t.Errorf("output is %d bytes, expected the %d-byte fixture", len(out), len(fixture))
	}
	checkSamePixels(t, "webp", input, out)
}

func TestWebPMissingLastPadding(t *testing.T) {
	// Drop the padding byte of the last (odd-sized) chunk and shrink the
	// RIFF size to match.
	fixture := readFixture(t, "gotosocial/nb-flag-original.webp")
	if fixture[len(fixture)-1] != 0 {
		t.Fatalf("fixture does not end in a zero padding byte")
	}
	input := append([]byte(nil), fixture[:len(fixture)-1]...)
	binary.LittleEndian.PutUint32(input[4:], uint32(len(input)-8))

	out := mustStrip(t, "webp", input)
	if !bytes.Equal(out, fixture) {
		t.Errorf("output is %d bytes, expected the %d-byte fixture with its padding byte restored", len(out), len(fixture))
	}
}

func TestWebPHostile(t *testing.T) {
	fixture := readFixture(t, "gotosocial/nb-flag-original.webp")
	vp8l := webpChunks(t, fixture)["VP8L"]

	withRIFFSize := func(data []byte, size uint32) []byte {
		data = append([]byte(nil), data...)
		binary.LittleEndian.PutUint32(data[4:], size)
		return data
	}
	chunkPastEnd := buildWebP(vp8l, []byte("EXIF\xff\xff\x00\x00abcd"))

	tests := []struct {
		name  string
		input []byte
		// valid inputs must strip to the fixture
		valid bool
	}{
		{"empty", nil, false},
		{"not RIFF", []byte("GIF89a......"), false},
		{"not WEBP", []byte("RIFF\x04\x00\x00\x00WAVE"), false},
		{"RIFF size 0", withRIFFSize(fixture, 0), false},
		{"RIFF size past end", withRIFFSize(fixture, uint32(len(fixture))), false},
		{"RIFF size 0xFFFFFFFF", withRIFFSize(fixture, 0xFFFFFFFF), false},
		{"cut in chunk header", withRIFFSize(fixture[:16], 8), false},
		{"chunk past RIFF end", chunkPastEnd, false},
		{"short VP8X", buildWebP(riffChunk("VP8X", []byte{0x08, 0, 0, 0}), vp8l), false},
		{"trailing data", append(append([]byte(nil), fixture...), riffChunk("EXIF", []byte("MM"))...), true},
		{"empty XMP", buildWebP(vp8l, riffChunk("XMP ", nil)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkHostileStrip(t, WebP, tc.input, tc.valid, fixture)
		})
	}
}
