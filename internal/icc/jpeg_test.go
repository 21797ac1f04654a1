package icc

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"testing"

	"github.com/fedimedia/media/internal/jpegenc"
)

func TestEmbedJPEGRoundTrip(t *testing.T) {
	profile := adobeProfile(t)
	in := encodeJPEG(t)
	out, err := EmbedJPEG(in, profile)
	if err != nil {
		t.Fatalf("EmbedJPEG: %v", err)
	}
	if got := Extract("jpeg", out); !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the %d-byte profile that EmbedJPEG wrote", len(got), len(profile))
	}
	segs := jpegSegmentsBeforeSOS(t, out)
	if segs[0].marker != 0xE2 {
		t.Errorf("first segment after SOI is marker 0x%02X, expected APP2 (0xE2) because image/jpeg writes no JFIF APP0", segs[0].marker)
	}
	if want := len(in) + 4 + 14 + len(profile); len(out) != want {
		t.Errorf("output is %d bytes, expected %d: input plus one 18-byte segment header and the profile", len(out), want)
	}
	if !bytes.Equal(out[len(out)-len(in)+2:], in[2:]) {
		t.Errorf("bytes after the inserted segment differ from the input after SOI")
	}
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Errorf("image/jpeg cannot decode the output: %v", err)
	}
}

func TestEmbedJPEGAfterJFIF(t *testing.T) {
	var buf bytes.Buffer
	if err := jpegenc.Encode(&buf, gradient(32, 24), jpegenc.Options{}); err != nil {
		t.Fatal(err)
	}
	in := buf.Bytes()

	if segs := jpegSegmentsBeforeSOS(t, in); segs[0].marker != 0xE0 || !bytes.HasPrefix(segs[0].payload, []byte("JFIF\x00")) {
		t.Fatalf("jpegenc output does not start with APP0 JFIF, so this test cannot check the insertion point")
	}
	profile := adobeProfile(t)
	out, err := EmbedJPEG(in, profile)
	if err != nil {
		t.Fatalf("EmbedJPEG: %v", err)
	}
	segs := jpegSegmentsBeforeSOS(t, out)
	if segs[0].marker != 0xE0 {
		t.Errorf("first segment is marker 0x%02X, expected APP0 JFIF to stay first", segs[0].marker)
	}
	if segs[1].marker != 0xE2 {
		t.Errorf("second segment is marker 0x%02X, expected the APP2 ICC_PROFILE right after APP0 JFIF", segs[1].marker)
	}
	if got := Extract("jpeg", out); !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the %d-byte profile", len(got), len(profile))
	}

	before, err := jpeg.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	after, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("image/jpeg cannot decode the output: %v", err)
	}
	if !bytes.Equal(before.(*image.YCbCr).Y, after.(*image.YCbCr).Y) {
		t.Errorf("decoded luma differs after embedding, expected identical pixels")
	}
}

func TestEmbedJPEGLargeProfile(t *testing.T) {
	const size = 3*MaxJPEGChunkSize + 1000 // four segments, the last one short
	profile := paddedProfile(t, size)
	out, err := EmbedJPEG(encodeJPEG(t), profile)
	if err != nil {
		t.Fatalf("EmbedJPEG: %v", err)
	}
	var chunkSizes []int
	for _, seg := range jpegSegmentsBeforeSOS(t, out) {
		if seg.marker == 0xE2 && bytes.HasPrefix(seg.payload, []byte("ICC_PROFILE\x00")) {
			seq, count := seg.payload[12], seg.payload[13]
			if int(seq) != len(chunkSizes)+1 || count != 4 {
				t.Errorf("segment %d has sequence %d of %d, expected %d of 4", len(chunkSizes)+1, seq, count, len(chunkSizes)+1)
			}
			chunkSizes = append(chunkSizes, len(seg.payload)-14)
		}
	}
	want := []int{MaxJPEGChunkSize, MaxJPEGChunkSize, MaxJPEGChunkSize, 1000}
	if len(chunkSizes) != len(want) {
		t.Fatalf("got %d ICC segments with sizes %v, expected sizes %v", len(chunkSizes), chunkSizes, want)
	}
	for i := range want {
		if chunkSizes[i] != want[i] {
			t.Errorf("segment %d holds %d profile bytes, expected %d", i+1, chunkSizes[i], want[i])
		}
	}
	if got := Extract("jpeg", out); !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the %d-byte profile reassembled in order", len(got), size)
	}
}

func TestEmbedJPEGReplacesProfile(t *testing.T) {
	first, err := EmbedJPEG(encodeJPEG(t), paddedProfile(t, 2*MaxJPEGChunkSize))
	if err != nil {
		t.Fatal(err)
	}
	profile := adobeProfile(t)
	out, err := EmbedJPEG(first, profile)
	if err != nil {
		t.Fatalf("EmbedJPEG on a file that has a profile: %v", err)
	}
	if got := Extract("jpeg", out); !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the new %d-byte profile with the old segments removed", len(got), len(profile))
	}
}

func TestEmbedJPEGEmptyProfile(t *testing.T) {
	in := encodeJPEG(t)
	out, err := EmbedJPEG(in, nil)
	if err != nil {
		t.Fatalf("EmbedJPEG with no profile: %v", err)
	}
	if !bytes.Equal(out, in) {
		t.Errorf("output differs from input, expected no change for an empty profile")
	}
}

func TestEmbedJPEGErrors(t *testing.T) {
	profile := adobeProfile(t)
	jpegData := encodeJPEG(t)
	tooLarge := paddedProfile(t, 255*MaxJPEGChunkSize+1)
	badSize := append([]byte{}, profile...)
	badSize[3]++
	cases := []struct {
		name    string
		data    []byte
		profile []byte
		want    error
	}{
		{"no SOI", jpegData[2:], profile, ErrInvalidImage},
		{"segment past end", jpegData[:30], profile, ErrInvalidImage},
		{"short profile", jpegData, profile[:100], ErrInvalidProfile},
		{"size field", jpegData, badSize, ErrInvalidProfile},
		{"256 segments", jpegData, tooLarge, ErrProfileTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := EmbedJPEG(c.data, c.profile)
			if !errors.Is(err, c.want) {
				t.Fatalf("got error %v, expected one matching %v", err, c.want)
			}
			if out != nil {
				t.Errorf("got %d bytes with the error, expected nil", len(out))
			}
		})
	}
}

func TestEmbedJPEGMaxSegments(t *testing.T) {
	profile := paddedProfile(t, 255*MaxJPEGChunkSize)
	out, err := EmbedJPEG(encodeJPEG(t), profile)
	if err != nil {
		t.Fatalf("EmbedJPEG with exactly 255 segments: %v", err)
	}
	if got := Extract("jpeg", out); !bytes.Equal(got, profile) {
		t.Fatalf("Extract returned %d bytes, expected the %d-byte profile in 255 segments", len(got), len(profile))
	}
}

func TestExtractJPEGSegments(t *testing.T) {
	profile := paddedProfile(t, 1500)
	a, b, c := profile[:500], profile[500:1000], profile[1000:]
	base := encodeJPEG(t)
	jfif := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 0, 0, 1, 0, 1, 0, 0}
	cases := []struct {
		name     string
		segments [][]byte
		want     []byte
	}{
		{"in order", [][]byte{iccAPP2(1, 3, a), iccAPP2(2, 3, b), iccAPP2(3, 3, c)}, profile},
		{"out of order", [][]byte{iccAPP2(3, 3, c), iccAPP2(1, 3, a), iccAPP2(2, 3, b)}, profile},
		{"between others", [][]byte{iccAPP2(2, 3, b), jfif, iccAPP2(3, 3, c), iccAPP2(1, 3, a)}, profile},
		{"fill bytes", [][]byte{{0xFF, 0xFF}, iccAPP2(1, 3, a), {0xFF}, iccAPP2(2, 3, b), iccAPP2(3, 3, c)}, profile},
		{"missing chunk", [][]byte{iccAPP2(1, 3, a), iccAPP2(3, 3, c)}, nil},
		{"duplicate chunk", [][]byte{iccAPP2(1, 3, a), iccAPP2(2, 3, b), iccAPP2(2, 3, b), iccAPP2(3, 3, c)}, nil},
		{"counts disagree", [][]byte{iccAPP2(1, 3, a), iccAPP2(2, 4, b), iccAPP2(3, 3, c)}, nil},
		{"sequence zero", [][]byte{iccAPP2(0, 3, a), iccAPP2(2, 3, b), iccAPP2(3, 3, c)}, nil},
		{"sequence above count", [][]byte{iccAPP2(1, 2, a), iccAPP2(2, 2, b), iccAPP2(3, 2, c)}, nil},
		{"count zero", [][]byte{iccAPP2(1, 0, profile)}, nil},
		{"no sequence bytes", [][]byte{{0xFF, 0xE2, 0, 14, 'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0}}, nil},
		{"wrong total size", [][]byte{iccAPP2(1, 2, a), iccAPP2(2, 2, b)}, nil},
		{"other APP2", [][]byte{{0xFF, 0xE2, 0, 6, 'M', 'P', 'F', 0}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Extract("jpeg", insertAfterSOI(base, c.segments...))
			if !bytes.Equal(got, c.want) {
				t.Fatalf("Extract returned %d bytes, expected %d (nil means the profile must be rejected)", len(got), len(c.want))
			}
			if c.want == nil && got != nil {
				t.Fatalf("Extract returned an empty non-nil slice, expected nil")
			}
		})
	}
}

func TestExtractJPEGAfterSOS(t *testing.T) {
	base := encodeJPEG(t)
	profile := adobeProfile(t)
	data := append(append([]byte{}, base...), iccAPP2(1, 1, profile)...)
	if got := Extract("jpeg", data); got != nil {
		t.Fatalf("Extract returned %d bytes from a segment after SOS, expected nil because only segments before SOS count", len(got))
	}
}

func TestExtractJPEGHeaderCheck(t *testing.T) {
	base := encodeJPEG(t)
	profile := adobeProfile(t)
	noSignature := append([]byte{}, profile...)
	copy(noSignature[36:40], "xxxx")
	short := append([]byte{}, profile[:100]...)
	short[3] = 100
	cases := []struct {
		name    string
		profile []byte
	}{
		{"no acsp", noSignature},
		{"size field too large", profile[:len(profile)-1]},
		{"shorter than header", short},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Extract("jpeg", insertAfterSOI(base, iccAPP2(1, 1, c.profile))); got != nil {
				t.Fatalf("Extract returned %d bytes, expected nil for a profile that fails the ICC header check", len(got))
			}
		})
	}
}
