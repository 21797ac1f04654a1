package strip

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image/png"
	"testing"
)

// ihdrEnd is the offset just past IHDR: signature (8) and a 13-byte IHDR
// chunk (25).
const ihdrEnd = 33

// encodePNG returns a PNG from image/png, which writes IHDR, IDAT and
// IEND only.
func encodePNG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(29, 17)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zlibBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngMetadataChunks returns chunks that PNG must drop, in the order they
// are spliced into test files.
func pngMetadataChunks(t testing.TB) [][]byte {
	return [][]byte{
		pngChunk("tEXt", []byte("Comment\x00taken at home")),
		pngChunk("zTXt", append([]byte("Raw profile type exif\x00\x00"), zlibBytes(t, []byte("exif\n 10\n4d4d002a00000008"))...)),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>GPS 52.1,4.3</x:xmpmeta>")),
		pngChunk("eXIf", []byte("MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00")),
		pngChunk("tIME", []byte{0x07, 0xE8, 1, 2, 3, 4, 5}),
	}
}

func TestPNGSplicedMetadata(t *testing.T) {
	encoded := encodePNG(t)
	iccp := pngChunk("iCCP", append([]byte("ICC Profile\x00\x00"), zlibBytes(t, []byte("not a real profile"))...))
	gama := pngChunk("gAMA", binary.BigEndian.AppendUint32(nil, 45455))
	phys := pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1})
	srgb := pngChunk("sRGB", []byte{0})
	meta := pngMetadataChunks(t)

	input := splice(encoded, ihdrEnd, meta[0], iccp, meta[1], gama, meta[2], meta[3], phys, meta[4], srgb)
	iendOffset := len(input) - 12
	input = splice(input, iendOffset, meta[0], meta[4])
	input = append(input, "trailing data after IEND"...)

	out := mustStrip(t, "png", input)

	want := splice(encoded, ihdrEnd, iccp, gama, phys, srgb)
	if !bytes.Equal(out, want) {
		t.Errorf("output is %d bytes, expected the %d-byte encoder output with only iCCP, gAMA, pHYs and sRGB added after IHDR",
			len(out), len(want))
	}
	checkStripped(t, "png", input, out)
	checkSamePixels(t, "png", input, out)

	chunks, _ := walkPNG(t, out)
	for _, c := range chunks {
		if !c.crcValid {
			t.Errorf("kept chunk %s at offset %d has an invalid CRC", c.chunkType, c.offset)
		}
	}
}

func TestPNGBadCRCInDroppedChunk(t *testing.T) {
	encoded := encodePNG(t)
	text := pngChunk("tEXt", []byte("Comment\x00hi"))
	text[len(text)-1] ^= 0xFF
	input := splice(encoded, ihdrEnd, text)

	if _, err := png.Decode(bytes.NewReader(input)); err == nil {
		t.Fatalf("image/png decoded the input, expected it to reject the bad tEXt CRC")
	}
	out := mustStrip(t, "png", input)
	if !bytes.Equal(out, encoded) {
		t.Errorf("output is %d bytes, expected the %d-byte encoder output without the tEXt chunk", len(out), len(encoded))
	}
	checkSamePixels(t, "png", encoded, out)
}

func TestPNGBadCRCInKeptChunk(t *testing.T) {
	encoded := encodePNG(t)
	phys := pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1})
	phys[len(phys)-1] ^= 0xFF
	input := splice(encoded, ihdrEnd, phys)

	out := mustStrip(t, "png", input)
	if !bytes.Equal(out, input) {
		t.Errorf("output is %d bytes, expected the unchanged %d-byte input: a kept chunk with a bad CRC is copied as is",
			len(out), len(input))
	}
}

func TestPNGAnimated(t *testing.T) {
	input := readFixture(t, "mastodon/600x400-animated.png")
	input = splice(input, ihdrEnd, pngMetadataChunks(t)...)
	out := mustStrip(t, "png", input)

	_, kept, _ := metadataItems(t, "png", out)
	counts := map[string]int{}
	for _, chunkType := range kept {
		counts[chunkType]++
	}
	for _, chunkType := range []string{"acTL", "fcTL", "fdAT"} {
		if counts[chunkType] == 0 {
			t.Errorf("output has no %s chunk, expected the APNG chunks to be kept", chunkType)
		}
	}
	checkStripped(t, "png", input, out)
	checkSamePixels(t, "png", input, out)
}

func TestPNGHostile(t *testing.T) {
	encoded := encodePNG(t)
	signature := encoded[:8]

	hugeLength := splice(encoded, ihdrEnd, []byte{0x80, 0, 0, 0, 't', 'E', 'X', 't'})
	badType := splice(encoded, ihdrEnd, pngChunk("tE1t", nil))

	tests := []struct {
		name  string
		input []byte
		// valid inputs must strip to the encoder output
		valid bool
	}{
		{"empty", nil, false},
		{"signature only", signature, false},
		{"not PNG", []byte("GIF89a"), false},
		{"first chunk not IHDR", splice(encoded, 8, pngChunk("tEXt", []byte("a\x00b"))), false},
		{"length above 2^31-1", hugeLength, false},
		{"length past end", splice(encoded, ihdrEnd, []byte{0, 0, 0xFF, 0xFF, 't', 'E', 'X', 't', 1, 2}), false},
		{"type not letters", badType, false},
		{"cut in chunk header", encoded[:ihdrEnd+5], false},
		{"cut in CRC", encoded[:len(encoded)-14], false},
		{"missing IEND", encoded[:len(encoded)-12], false},
		{"cut in IEND", encoded[:len(encoded)-3], false},
		{"empty tEXt", splice(encoded, ihdrEnd, pngChunk("tEXt", nil)), true},
		{"trailing data", append(append([]byte(nil), encoded...), pngChunk("tEXt", []byte("a\x00b"))...), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkHostileStrip(t, PNG, tc.input, tc.valid, encoded)
		})
	}
}
