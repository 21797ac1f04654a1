package icc

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
)

// TestExtractTruncated cuts each file at every offset. A prefix that ends
// before the last profile byte must give nil, and no prefix may give
// bytes other than the full profile.
func TestExtractTruncated(t *testing.T) {
	profile := paddedProfile(t, MaxJPEGChunkSize+300)
	jpegData, err := EmbedJPEG(encodeJPEG(t), profile)
	if err != nil {
		t.Fatal(err)
	}
	pngData, err := EmbedPNG(encodePNG(t), profile)
	if err != nil {
		t.Fatal(err)
	}
	webpData := addICCP(t, readFixture(t, "mastodon/600x400.webp"), profile)
	cases := []struct {
		format string
		data   []byte
		// profileEnd is the offset after which a prefix may hold the
		// whole profile: the end of the last APP2 segment, the end of
		// the iCCP CRC or the RIFF size of the WebP file.
		profileEnd int
	}{
		{"jpeg", jpegData, 2 + 2*(4+14) + len(profile)},
		{"png", pngData, 33 + len(pngChunks(t, pngData)[1].data) + 12},
		{"webp", webpData, len(webpData)},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			if got := Extract(c.format, c.data); !bytes.Equal(got, profile) {
				t.Fatalf("whole file: Extract returned %d bytes, expected %d", len(got), len(profile))
			}
			for n := range len(c.data) {
				got := Extract(c.format, c.data[:n])
				if got == nil {
					continue
				}
				if n < c.profileEnd {
					t.Fatalf("prefix of %d bytes: Extract returned %d bytes, expected nil because the profile ends at %d", n, len(got), c.profileEnd)
				}
				if !bytes.Equal(got, profile) {
					t.Fatalf("prefix of %d bytes: Extract returned %d bytes that differ from the profile", n, len(got))
				}
			}
		})
	}
}

// TestExtractLengthsPastEnd sets each length field on the way to the
// profile to values past the end of the file.
func TestExtractLengthsPastEnd(t *testing.T) {
	profile := adobeProfile(t)
	jpegData := insertAfterSOI(encodeJPEG(t), iccAPP2(1, 1, profile))
	pngData, err := EmbedPNG(encodePNG(t), profile)
	if err != nil {
		t.Fatal(err)
	}
	webpData := addICCP(t, readFixture(t, "mastodon/600x400.webp"), profile)
	cases := []struct {
		name   string
		format string
		data   []byte
		offset int
		width  int // 2 for JPEG (big-endian), 4 for PNG (big-endian) and WebP (little-endian)
	}{
		{"jpeg APP2", "jpeg", jpegData, 4, 2},
		{"png IHDR", "png", pngData, 8, 4},
		{"png iCCP", "png", pngData, 33, 4},
		{"webp RIFF", "webp", webpData, 4, 4},
		{"webp VP8X", "webp", webpData, 16, 4},
		{"webp ICCP", "webp", webpData, 34, 4},
	}
	for _, c := range cases {
		for _, value := range []uint32{0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, uint32(len(c.data))} {
			data := append([]byte{}, c.data...)
			switch {
			case c.width == 2:
				binary.BigEndian.PutUint16(data[c.offset:], uint16(value))
			case c.format == "webp":
				binary.LittleEndian.PutUint32(data[c.offset:], value)
			default:
				binary.BigEndian.PutUint32(data[c.offset:], value)
			}
			if got := Extract(c.format, data); got != nil {
				t.Errorf("%s length 0x%X: Extract returned %d bytes, expected nil", c.name, value, len(got))
			}
		}
	}
}

// bombProfile returns a profile-shaped buffer of size bytes: the fixture
// header with its size field set to declared, then zeros.
func bombProfile(t testing.TB, size int, declared uint32) []byte {
	t.Helper()
	data := make([]byte, size)
	copy(data, adobeProfile(t)[:headerSize])
	binary.BigEndian.PutUint32(data[0:4], declared)
	return data
}

// allocatedBytes returns the bytes the heap allocated while f ran.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestExtractZlibBomb checks iCCP streams of a few KB that inflate past
// MaxProfileSize. Extract must return nil and allocate far less than the
// inflated size: the header is read first, so only a size field up to
// MaxProfileSize is ever allocated.
func TestExtractZlibBomb(t *testing.T) {
	const inflated = 64 << 20
	base := encodePNG(t)
	cases := []struct {
		name     string
		declared uint32
		maxAlloc uint64
	}{
		// The size field is above the cap: nothing beyond the header
		// and the zlib state is allocated.
		{"size field above cap", inflated, 1 << 20},
		// The size field is small but the stream goes on: the extra
		// bytes are never buffered.
		{"stream longer than size field", 4096, 1 << 20},
		// The size field is at the cap: one buffer of the cap.
		{"size field at cap", MaxProfileSize, MaxProfileSize + 1<<20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stream := zlibBytes(t, bombProfile(t, inflated, c.declared))
			if len(stream) > 512<<10 {
				t.Fatalf("bomb stream is %d bytes, expected a small stream", len(stream))
			}
			data := insertAfterIHDR(base, iccpChunk("bomb", 0, stream))
			var got []byte
			alloc := allocatedBytes(func() { got = Extract("png", data) })
			if got != nil {
				t.Fatalf("Extract returned %d bytes from a %d-byte stream that inflates to %d, expected nil", len(got), len(stream), inflated)
			}
			if alloc > c.maxAlloc {
				t.Errorf("Extract allocated %d bytes, expected at most %d", alloc, c.maxAlloc)
			}
		})
	}
}

// TestExtractPNGAtCap checks that a profile of exactly MaxProfileSize
// bytes is returned, and with one allocation of about its size.
func TestExtractPNGAtCap(t *testing.T) {
	profile := paddedProfile(t, MaxProfileSize)
	data := insertAfterIHDR(encodePNG(t), iccpChunk("big", 0, zlibBytes(t, profile)))
	var got []byte
	alloc := allocatedBytes(func() { got = Extract("png", data) })
	if !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the %d-byte profile at the cap", len(got), len(profile))
	}
	if limit := uint64(MaxProfileSize + 1<<20); alloc > limit {
		t.Errorf("Extract allocated %d bytes, expected at most %d (the profile plus zlib state)", alloc, limit)
	}
}

func TestExtractOtherFormats(t *testing.T) {
	profile := adobeProfile(t)
	jpegData := insertAfterSOI(encodeJPEG(t), iccAPP2(1, 1, profile))
	cases := []struct {
		name   string
		format string
		data   []byte
	}{
		{"gif", "gif", readFixture(t, "mastodon/mini-static.gif")},
		{"unknown format", "avif", jpegData},
		{"jpeg as png", "png", jpegData},
		{"empty jpeg", "jpeg", nil},
		{"empty png", "png", nil},
		{"empty webp", "webp", nil},
	}
	for _, c := range cases {
		if got := Extract(c.format, c.data); got != nil {
			t.Errorf("%s: Extract returned %d bytes, expected nil", c.name, len(got))
		}
	}
}
