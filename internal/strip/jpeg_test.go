package strip

import (
	"bytes"
	"image/jpeg"
	"testing"
)

// encodeJPEG returns a baseline JPEG from image/jpeg, which writes SOI,
// DQT, SOF0, DHT, SOS, entropy-coded data and EOI and no APPn segment.
func encodeJPEG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(37, 23), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Metadata segments spliced into test JPEGs.
var (
	jfifSegment  = jpegMarkerSegment(0xE0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"))
	jfxxSegment  = jpegMarkerSegment(0xE0, []byte("JFXX\x00\x13"))
	avi1Segment  = jpegMarkerSegment(0xE0, []byte("AVI1\x00\x00\x00\x00"))
	exifSegment  = jpegMarkerSegment(0xE1, []byte("Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"))
	xmpSegment   = jpegMarkerSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>GPS 52.1,4.3</x:xmpmeta>"))
	icc1Segment  = jpegMarkerSegment(0xE2, []byte("ICC_PROFILE\x00\x01\x02first half of a profile"))
	icc2Segment  = jpegMarkerSegment(0xE2, []byte("ICC_PROFILE\x00\x02\x02second half"))
	mpfSegment   = jpegMarkerSegment(0xE2, []byte("MPF\x00II*\x00"))
	app3Segment  = jpegMarkerSegment(0xE3, []byte("vendor data"))
	iptcSegment  = jpegMarkerSegment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x07\x1c\x02\x50\x00\x03Bob"))
	adobeSegment = jpegMarkerSegment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"))
	app15Segment = jpegMarkerSegment(0xEF, []byte("x"))
	comSegment   = jpegMarkerSegment(0xFE, []byte("taken at home"))
)

func TestJPEGSplicedMetadata(t *testing.T) {
	encoded := encodeJPEG(t)

	input := splice(encoded, 2,
		jfifSegment, exifSegment, xmpSegment, icc1Segment, iptcSegment, comSegment, mpfSegment,
		icc2Segment, adobeSegment, avi1Segment, app3Segment, app15Segment, jpegMarkerSegment(0xFE, nil),
		jfxxSegment)
	input = splice(input, len(input)-2, comSegment, exifSegment)
	input = append(input, "trailing data after EOI"...)

	out := mustStrip(t, "jpeg", input)

	want := splice(encoded, 2, jfifSegment, icc1Segment, icc2Segment, adobeSegment)
	if !bytes.Equal(out, want) {
		t.Errorf("output is %d bytes, expected the %d-byte encoder output with only JFIF, both ICC_PROFILE and Adobe segments added after SOI",
			len(out), len(want))
	}
	checkStripped(t, "jpeg", input, out)
	checkSamePixels(t, "jpeg", input, out)
}

func TestJPEGDropsJFIFThumbnail(t *testing.T) {
	encoded := encodeJPEG(t)
	// JFIF 1.02 header with a 2x1 RGB thumbnail of 6 bytes.
	withThumbnail := jpegMarkerSegment(0xE0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x02\x01\xff\x00\x00\x00\xff\x00"))
	out := mustStrip(t, "jpeg", splice(encoded, 2, withThumbnail))
	want := splice(encoded, 2, jfifSegment)
	if !bytes.Equal(out, want) {
		t.Errorf("output is %d bytes, want the %d-byte encoder output with a JFIF header whose thumbnail is 0x0 and empty", len(out), len(want))
	}
	checkSamePixels(t, "jpeg", splice(encoded, 2, withThumbnail), out)
}

func TestJPEGFillBytes(t *testing.T) {
	encoded := encodeJPEG(t)
	// Three fill bytes before a COM marker and two before DQT.
	input := splice(encoded, 2, []byte{0xFF, 0xFF}, comSegment, []byte{0xFF})
	out := mustStrip(t, "jpeg", input)
	if !bytes.Equal(out, encoded) {
		t.Errorf("output differs from the encoder output: fill bytes or the COM segment were not removed")
	}
	checkSamePixels(t, "jpeg", input, out)
}

// TestJPEGProgressiveScans uses a progressive fixture, whose scans are
// separated by DHT and SOS segments, and splices COM and APP1 segments
// between two scans and before EOI.
func TestJPEGProgressiveScans(t *testing.T) {
	original := readFixture(t, "mastodon/600x400.jpeg")
	segments, _ := walkJPEG(t, original)

	// The fixture carries one 17-byte COM segment in its header.
	var scans []int
	clean := original
	for _, s := range segments {
		switch s.marker {
		case markerSOS:
			scans = append(scans, s.offset)
		case markerCOM:
			segmentEnd := s.offset + 4 + len(s.payload)
			clean = append(append([]byte(nil), original[:s.offset]...), original[segmentEnd:]...)
		}
	}
	if len(scans) < 3 {
		t.Fatalf("fixture has %d SOS segments, expected a progressive file with several", len(scans))
	}
	if len(clean) != len(original)-21 {
		t.Fatalf("fixture without its COM segment is %d bytes, expected %d", len(clean), len(original)-21)
	}

	stripped := mustStrip(t, "jpeg", original)
	if !bytes.Equal(stripped, clean) {
		t.Errorf("stripping the fixture gave %d bytes, expected the %d bytes left after removing its COM segment",
			len(stripped), len(clean))
	}

	input := splice(original, len(original)-2, comSegment)
	input = splice(input, scans[2], xmpSegment, comSegment)
	out := mustStrip(t, "jpeg", input)
	if !bytes.Equal(out, clean) {
		t.Errorf("output is %d bytes, expected the %d-byte fixture without COM: segments between scans were kept or scan data changed",
			len(out), len(clean))
	}
	checkStripped(t, "jpeg", input, out)
	checkSamePixels(t, "jpeg", input, out)
}

func TestJPEGHostile(t *testing.T) {
	encoded := encodeJPEG(t)
	sosOffset := bytes.Index(encoded, []byte{0xFF, markerSOS})

	tests := []struct {
		name  string
		input []byte
		// valid inputs must strip to the encoder output
		valid bool
	}{
		{"empty", nil, false},
		{"one byte", []byte{0xFF}, false},
		{"not JPEG", []byte("GIF89a"), false},
		{"SOI only", []byte{0xFF, markerSOI}, false},
		{"SOI and EOI", []byte{0xFF, markerSOI, 0xFF, markerEOI}, false},
		{"zero length", splice(encoded, 2, []byte{0xFF, 0xE1, 0x00, 0x00}), false},
		{"length 1", splice(encoded, 2, []byte{0xFF, 0xFE, 0x00, 0x01}), false},
		{"length past end", append(encoded[:2:2], 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x'), false},
		{"cut in length field", []byte{0xFF, markerSOI, 0xFF, 0xE1, 0x00}, false},
		{"cut after marker", []byte{0xFF, markerSOI, 0xFF, 0xE1}, false},
		{"cut in fill bytes", []byte{0xFF, markerSOI, 0xFF, 0xFF}, false},
		{"cut in header", encoded[:sosOffset-7], false},
		{"cut in scan", encoded[:len(encoded)/2], false},
		{"cut before EOI", encoded[:len(encoded)-2], false},
		{"cut after EOI marker byte", encoded[:len(encoded)-1], false},
		{"byte where marker expected", splice(encoded, 2, []byte{0x00}), false},
		{"stuffed zero in header", splice(encoded, 2, []byte{0xFF, 0x00}), false},
		{"second SOI", splice(encoded, 2, []byte{0xFF, markerSOI}), false},
		{"empty APP1", splice(encoded, 2, jpegMarkerSegment(0xE1, nil)), true},
		{"empty COM", splice(encoded, 2, jpegMarkerSegment(markerCOM, nil)), true},
		{"trailing data", append(append([]byte(nil), encoded...), 0xFF, markerSOI, 1, 2, 3), true},
		{"second image after EOI", append(append([]byte(nil), encoded...), encoded...), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkHostileStrip(t, JPEG, tc.input, tc.valid, encoded)
		})
	}
}
