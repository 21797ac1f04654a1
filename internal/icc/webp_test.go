package icc

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/image/webp"
)

// addICCP returns a copy of an extended WebP file (RIFF, WEBP, VP8X
// first) with an ICCP chunk inserted after VP8X, the VP8X ICC flag (0x20)
// set and the RIFF size updated (WebP container specification).
func addICCP(t testing.TB, file, profile []byte) []byte {
	t.Helper()
	if string(file[12:16]) != "VP8X" {
		t.Fatalf("file starts with chunk %q, expected VP8X", file[12:16])
	}
	const vp8xEnd = 12 + 8 + 10
	out := append([]byte{}, file[:vp8xEnd]...)
	out[20] |= 0x20
	out = append(out, "ICCP"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(profile)))
	out = append(out, profile...)
	if len(profile)%2 == 1 {
		out = append(out, 0)
	}
	out = append(out, file[vp8xEnd:]...)
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out
}

func TestExtractWebPBuilt(t *testing.T) {
	profile := adobeProfile(t)
	data := addICCP(t, readFixture(t, "mastodon/600x400.webp"), profile)
	got := Extract("webp", data)
	if !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the %d-byte ICCP payload", len(got), len(profile))
	}
	if _, err := webp.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("x/image/webp cannot decode the built file, so it is not a valid test input: %v", err)
	}
	got[0] ^= 0xFF
	if data[8+12+10+8] != profile[0] {
		t.Errorf("changing the returned profile changed the input, expected a copy")
	}
}

func TestExtractWebPRejects(t *testing.T) {
	profile := adobeProfile(t)
	valid := addICCP(t, readFixture(t, "mastodon/600x400.webp"), profile)
	riffTooLarge := append([]byte{}, valid...)
	binary.LittleEndian.PutUint32(riffTooLarge[4:8], uint32(len(valid)))
	chunkTooLarge := append([]byte{}, valid...)
	binary.LittleEndian.PutUint32(chunkTooLarge[34:38], uint32(len(valid)))
	oddProfile := append([]byte{}, profile...)
	oddProfile = append(oddProfile, 0)
	binary.BigEndian.PutUint32(oddProfile[0:4], uint32(len(oddProfile)))
	cases := []struct {
		name string
		data []byte
		want []byte
	}{
		{"odd-sized profile", addICCP(t, readFixture(t, "mastodon/600x400.webp"), oddProfile), oddProfile},
		{"no ICCP", readFixture(t, "mastodon/600x400.webp"), nil},
		{"simple lossless", readFixture(t, "gotosocial/nb-flag-original.webp"), nil},
		{"RIFF size past end", riffTooLarge, nil},
		{"chunk past RIFF end", chunkTooLarge, nil},
		{"header only", valid[:12], nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Extract("webp", c.data); !bytes.Equal(got, c.want) {
				t.Fatalf("Extract returned %d bytes, expected %d", len(got), len(c.want))
			}
		})
	}
}
