package icc

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// This file holds test-only builders and parsers. They are written apart
// from the package code so that a bug there cannot hide itself in the
// checks.

// adobeDescription is the "desc" tag text of the fixture profile.
const adobeDescription = "Compatible with Adobe RGB (1998)"

// readTestdata reads a file from this package's testdata directory.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readFixture reads a file under the repository's testdata directory.
func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// adobeProfile returns the 580-byte Adobe RGB (1998) compatible profile
// from Debian's icc-profiles-free package.
func adobeProfile(t testing.TB) []byte {
	t.Helper()
	return readTestdata(t, "compatibleWithAdobeRGB1998.icc")
}

// paddedProfile returns the fixture profile grown to size bytes by
// appending bytes after its last tag's data, with the header size field
// set to size. The padding is a sequence with period 251, so chunks cut at
// MaxJPEGChunkSize boundaries differ from each other and a reordering
// shows up as changed bytes.
func paddedProfile(t testing.TB, size int) []byte {
	t.Helper()
	profile := adobeProfile(t)
	if size < len(profile) {
		t.Fatalf("paddedProfile: size %d is below the fixture's %d bytes", size, len(profile))
	}
	for i := len(profile); i < size; i++ {
		profile = append(profile, byte(i%251))
	}
	binary.BigEndian.PutUint32(profile[0:4], uint32(size))
	return profile
}

// gradient returns a w x h RGBA image whose pixels all differ in at least
// one channel for w, h <= 256.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / max(w-1, 1)), G: uint8(y * 255 / max(h-1, 1)), B: uint8((x + y) * 7), A: 255})
		}
	}
	return img
}

// encodeJPEG encodes a 32x24 gradient with image/jpeg, which writes no
// APP0 JFIF segment.
func encodeJPEG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gradient(32, 24), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodePNG encodes a 32x24 gradient with image/png.
func encodePNG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, gradient(32, 24)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testSegment is one JPEG marker segment as the test parser reads it.
type testSegment struct {
	marker  byte
	payload []byte
}

// jpegSegmentsBeforeSOS lists the marker segments of a JPEG file from SOI
// to SOS. It assumes a well-formed file without fill bytes.
func jpegSegmentsBeforeSOS(t testing.TB, data []byte) []testSegment {
	t.Helper()
	var segs []testSegment
	pos := 2
	for pos+4 <= len(data) {
		if data[pos] != 0xFF {
			t.Fatalf("expected a marker at offset %d, found 0x%02X", pos, data[pos])
		}
		marker := data[pos+1]
		if marker == 0xDA {
			return segs
		}
		length := int(data[pos+2])<<8 | int(data[pos+3])
		segs = append(segs, testSegment{marker: marker, payload: data[pos+4 : pos+2+length]})
		pos += 2 + length
	}
	t.Fatalf("no SOS marker in %d bytes", len(data))
	return nil
}

// iccAPP2 builds one APP2 ICC_PROFILE segment with the given sequence
// number, chunk count and chunk bytes.
func iccAPP2(seq, count byte, chunk []byte) []byte {
	seg := []byte{0xFF, 0xE2, 0, 0}
	seg = append(seg, "ICC_PROFILE\x00"...)
	seg = append(seg, seq, count)
	seg = append(seg, chunk...)
	binary.BigEndian.PutUint16(seg[2:4], uint16(len(seg)-2))
	return seg
}

// insertAfterSOI returns a copy of a JPEG file with segments inserted
// right after SOI, in order.
func insertAfterSOI(jpegData []byte, segments ...[]byte) []byte {
	out := append([]byte{}, jpegData[:2]...)
	for _, seg := range segments {
		out = append(out, seg...)
	}
	return append(out, jpegData[2:]...)
}

// testChunk is one PNG chunk as the test parser reads it.
type testChunk struct {
	typ  string
	data []byte
	crc  uint32
}

// pngChunks lists the chunks of a well-formed PNG file.
func pngChunks(t testing.TB, data []byte) []testChunk {
	t.Helper()
	var chunks []testChunk
	pos := 8
	for pos < len(data) {
		if pos+12 > len(data) {
			t.Fatalf("chunk at offset %d is cut off", pos)
		}
		length := int(binary.BigEndian.Uint32(data[pos:]))
		end := pos + 12 + length
		if end > len(data) {
			t.Fatalf("chunk at offset %d with length %d is past the end of %d bytes", pos, length, len(data))
		}
		chunks = append(chunks, testChunk{
			typ:  string(data[pos+4 : pos+8]),
			data: data[pos+8 : pos+8+length],
			crc:  binary.BigEndian.Uint32(data[end-4:]),
		})
		pos = end
	}
	return chunks
}

// buildChunk encodes one PNG chunk with a correct CRC.
func buildChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// insertAfterIHDR returns a copy of a PNG file with chunks inserted
// right after the 25-byte IHDR chunk that follows the signature.
func insertAfterIHDR(pngData []byte, chunks ...[]byte) []byte {
	const ihdrEnd = 8 + 12 + 13
	out := append([]byte{}, pngData[:ihdrEnd]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, pngData[ihdrEnd:]...)
}

// exiftoolTag writes data to a temporary file and returns the value of
// tag as exiftool prints it with -s3. The test is skipped when exiftool
// is not on PATH.
func exiftoolTag(t *testing.T, data []byte, ext, tag string) string {
	t.Helper()
	path, err := exec.LookPath("exiftool")
	if err != nil {
		t.Skip("exiftool is not on PATH: install libimage-exiftool-perl to check the output with a real reader")
	}
	file := filepath.Join(t.TempDir(), "image."+ext)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "-s3", "-"+tag, file).Output()
	if err != nil {
		t.Fatalf("exiftool -%s %s failed: %v", tag, file, err)
	}
	return strings.TrimSpace(string(out))
}
