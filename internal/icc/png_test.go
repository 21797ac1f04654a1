package icc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image/png"
	"testing"
)

func TestEmbedPNGRoundTrip(t *testing.T) {
	profile := adobeProfile(t)
	srgb := buildChunk("sRGB", []byte{0})
	in := insertAfterIHDR(encodePNG(t), srgb)
	out, err := EmbedPNG(in, profile)
	if err != nil {
		t.Fatalf("EmbedPNG: %v", err)
	}
	if got := Extract("png", out); !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the %d-byte profile that EmbedPNG wrote", len(got), len(profile))
	}
	chunks := pngChunks(t, out)
	if chunks[0].typ != "IHDR" || chunks[1].typ != "iCCP" {
		t.Errorf("chunks start %q, %q, expected IHDR then iCCP", chunks[0].typ, chunks[1].typ)
	}
	if !bytes.HasPrefix(chunks[1].data, []byte("ICC profile\x00\x00")) {
		t.Errorf("iCCP data starts %q, expected the name \"ICC profile\", NUL and method 0", chunks[1].data[:min(14, len(chunks[1].data))])
	}
	for _, c := range chunks {
		if c.typ == "sRGB" {
			t.Errorf("output has an sRGB chunk, expected it removed because PNG forbids sRGB with iCCP")
		}
	}

	want, err := png.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("image/png cannot decode the output: %v", err)
	}
	bounds := want.Bounds()
	if got.Bounds() != bounds {
		t.Fatalf("decoded bounds %v, expected %v", got.Bounds(), bounds)
	}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			if got.At(x, y) != want.At(x, y) {
				t.Fatalf("pixel (%d,%d) is %v, expected %v", x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
}

func TestEmbedPNGReplacesProfile(t *testing.T) {
	first, err := EmbedPNG(encodePNG(t), paddedProfile(t, 5000))
	if err != nil {
		t.Fatal(err)
	}
	profile := adobeProfile(t)
	out, err := EmbedPNG(first, profile)
	if err != nil {
		t.Fatalf("EmbedPNG on a file that has a profile: %v", err)
	}
	count := 0
	for _, c := range pngChunks(t, out) {
		if c.typ == "iCCP" {
			count++
		}
	}
	if count != 1 {
		t.Errorf("output has %d iCCP chunks, expected 1", count)
	}
	if got := Extract("png", out); !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the new %d-byte profile", len(got), len(profile))
	}
}

func TestEmbedPNGErrors(t *testing.T) {
	profile := adobeProfile(t)
	pngData := encodePNG(t)
	noIHDR := append([]byte{}, pngData...)
	copy(noIHDR[12:16], "IHDX")
	cases := []struct {
		name    string
		data    []byte
		profile []byte
		want    error
	}{
		{"no signature", pngData[1:], profile, ErrInvalidImage},
		{"no IHDR", noIHDR, profile, ErrInvalidImage},
		{"no IEND", pngData[:len(pngData)-12], profile, ErrInvalidImage},
		{"chunk past end", pngData[:len(pngData)-13], profile, ErrInvalidImage},
		{"bad profile", pngData, profile[:127], ErrInvalidProfile},
		{"over cap", pngData, paddedProfile(t, MaxProfileSize+1), ErrProfileTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := EmbedPNG(c.data, c.profile)
			if !errors.Is(err, c.want) {
				t.Fatalf("got error %v, expected one matching %v", err, c.want)
			}
			if out != nil {
				t.Errorf("got %d bytes with the error, expected nil", len(out))
			}
		})
	}
}

// iccpChunk builds an iCCP chunk from a name, a compression method and
// the stream bytes.
func iccpChunk(name string, method byte, stream []byte) []byte {
	body := append([]byte(name), 0, method)
	return buildChunk("iCCP", append(body, stream...))
}

// zlibBytes compresses data with compress/zlib at the fastest level.
func zlibBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractPNGChunk(t *testing.T) {
	profile := adobeProfile(t)
	base := encodePNG(t)
	stream := zlibBytes(t, profile)
	badCRC := iccpChunk("x", 0, stream)
	badCRC[len(badCRC)-1] ^= 1
	badAdler := append([]byte{}, stream...)
	badAdler[len(badAdler)-1] ^= 1
	longName := string(bytes.Repeat([]byte{'n'}, 80))
	cases := []struct {
		name  string
		chunk []byte
		want  []byte
	}{
		{"valid", iccpChunk("sRGB built-in", 0, stream), profile},
		{"79-byte name", iccpChunk(longName[:79], 0, stream), profile},
		{"80-byte name", iccpChunk(longName, 0, stream), nil},
		{"empty name", iccpChunk("", 0, stream), nil},
		{"method 1", iccpChunk("x", 1, stream), nil},
		{"no method byte", buildChunk("iCCP", []byte("x\x00")), nil},
		{"bad CRC", badCRC, nil},
		{"bad Adler-32", iccpChunk("x", 0, badAdler), nil},
		{"cut stream", iccpChunk("x", 0, stream[:len(stream)/2]), nil},
		{"trailing data", iccpChunk("x", 0, zlibBytes(t, append(append([]byte{}, profile...), 0))), nil},
		{"not zlib", iccpChunk("x", 0, profile), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Extract("png", insertAfterIHDR(base, c.chunk))
			if !bytes.Equal(got, c.want) {
				t.Fatalf("Extract returned %d bytes, expected %d (nil means the chunk must be rejected)", len(got), len(c.want))
			}
		})
	}
}

func TestExtractPNGAfterIDAT(t *testing.T) {
	base := encodePNG(t)
	iend := len(base) - 12
	data := append(append(append([]byte{}, base[:iend]...), iccpChunk("x", 0, zlibBytes(t, adobeProfile(t)))...), base[iend:]...)
	if got := Extract("png", data); got != nil {
		t.Fatalf("Extract returned %d bytes from an iCCP chunk after IDAT, expected nil (PNG requires iCCP before IDAT)", len(got))
	}
}

func TestExtractPNGChunkLength(t *testing.T) {
	base := encodePNG(t)
	chunk := iccpChunk("x", 0, zlibBytes(t, adobeProfile(t)))
	for _, length := range []uint32{1 << 31, 0xFFFFFFFF, uint32(len(chunk))} {
		bad := append([]byte{}, chunk...)
		binary.BigEndian.PutUint32(bad, length)
		if got := Extract("png", insertAfterIHDR(base, bad)); got != nil {
			t.Errorf("chunk length %d: Extract returned %d bytes, expected nil for a length past the chunk", length, len(got))
		}
	}
}
