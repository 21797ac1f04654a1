package exif

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// ifdEntry is one 12-byte IFD entry for test blocks. value is written into
// the 4-byte value field: a SHORT occupies its first 2 bytes.
type ifdEntry struct {
	tag       uint16
	fieldType uint16
	count     uint32
	value     uint32
}

// testOrder is a byte order that can both read and append.
type testOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func shortEntry(tag uint16, value uint16) ifdEntry {
	return ifdEntry{tag: tag, fieldType: typeShort, count: 1, value: uint32(value)}
}

// buildTIFF returns a TIFF block with IFD0 at ifdOffset (padding the gap
// after the header with zeros), the given entries and next-IFD pointer.
func buildTIFF(order testOrder, ifdOffset uint32, entries []ifdEntry, nextIFD uint32) []byte {
	var b []byte
	if order == binary.LittleEndian {
		b = append(b, 'I', 'I', 42, 0)
	} else {
		b = append(b, 'M', 'M', 0, 42)
	}
	b = order.AppendUint32(b, ifdOffset)
	for uint32(len(b)) < ifdOffset {
		b = append(b, 0)
	}
	return appendIFD(b, order, entries, nextIFD)
}

// appendIFD appends an IFD: entry count, 12-byte entries, next-IFD offset.
func appendIFD(b []byte, order testOrder, entries []ifdEntry, nextIFD uint32) []byte {
	b = order.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = order.AppendUint16(b, e.tag)
		b = order.AppendUint16(b, e.fieldType)
		b = order.AppendUint32(b, e.count)
		if e.fieldType == typeShort {
			b = order.AppendUint16(b, uint16(e.value))
			b = append(b, 0, 0)
		} else {
			b = order.AppendUint32(b, e.value)
		}
	}
	return order.AppendUint32(b, nextIFD)
}

// orientationTIFF returns a minimal big- or little-endian block whose IFD0
// holds Make, Orientation and XResolution entries.
func orientationTIFF(order testOrder, orientation uint16) []byte {
	return buildTIFF(order, 8, []ifdEntry{
		{tag: 0x010F, fieldType: 2, count: 4, value: 0x41424300}, // Make "ABC"
		shortEntry(tagOrientation, orientation),
		{tag: 0x011A, fieldType: 5, count: 1, value: 100}, // XResolution at offset 100
	}, 0)
}

func orderName(order testOrder) string {
	if order == binary.LittleEndian {
		return "II"
	}
	return "MM"
}

func TestParseOrientationAllValues(t *testing.T) {
	for _, order := range []testOrder{binary.LittleEndian, binary.BigEndian} {
		for want := 1; want <= 8; want++ {
			block := orientationTIFF(order, uint16(want))
			got, err := ParseOrientation(block)
			if err != nil {
				t.Errorf("%s orientation %d: unexpected error %v", orderName(order), want, err)
				continue
			}
			if got != want {
				t.Errorf("%s orientation %d: got %d, so the SHORT value was read from the wrong bytes or byte order",
					orderName(order), want, got)
			}
		}
	}
}

func TestParseOrientationCases(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	selfLoop := buildTIFF(be, 8, []ifdEntry{shortEntry(0x0100, 10), shortEntry(tagOrientation, 3)}, 8)

	// IFD0 (offset 8, 18 bytes) has no orientation and points to IFD1 at
	// offset 26, which has orientation 6 and points back to IFD0. Only IFD0
	// counts, so the tag must not be found.
	cycle := buildTIFF(le, 8, []ifdEntry{shortEntry(0x0100, 10)}, 26)
	cycle = appendIFD(cycle, le, []ifdEntry{shortEntry(tagOrientation, 6)}, 8)

	// The entry count declares 200 but only the first 2 entries are present.
	overCount := buildTIFF(le, 8, []ifdEntry{shortEntry(0x0100, 1), shortEntry(tagOrientation, 5)}, 0)
	le.PutUint16(overCount[8:], 200)
	overCountMissing := buildTIFF(le, 8, []ifdEntry{shortEntry(0x0100, 1)}, 0)
	le.PutUint16(overCountMissing[8:], 200)

	longValue := func(order testOrder) []byte {
		return buildTIFF(order, 8, []ifdEntry{{tag: tagOrientation, fieldType: typeLong, count: 1, value: 7}}, 0)
	}
	full := orientationTIFF(be, 6)

	tests := []struct {
		name    string
		block   []byte
		want    int
		wantErr error
	}{
		{"long II", longValue(le), 7, nil},
		{"long MM", longValue(be), 7, nil},
		{"far IFD0 offset", buildTIFF(be, 301, []ifdEntry{shortEntry(tagOrientation, 2)}, 0), 2, nil},
		{"entries out of order", buildTIFF(le, 8, []ifdEntry{shortEntry(0x0213, 1), shortEntry(0x011A, 72), shortEntry(tagOrientation, 4)}, 0), 4, nil},
		{"first duplicate wins", buildTIFF(le, 8, []ifdEntry{shortEntry(tagOrientation, 3), shortEntry(tagOrientation, 8)}, 0), 3, nil},
		{"next IFD points to itself", selfLoop, 3, nil},
		{"cyclic IFD chain", cycle, 0, ErrNoOrientation},
		{"count past end, tag fits", overCount, 5, nil},
		{"count past end, tag missing", overCountMissing, 0, ErrMalformed},
		{"no orientation", buildTIFF(be, 8, []ifdEntry{shortEntry(0x0100, 640)}, 0), 0, ErrNoOrientation},
		{"empty IFD0", buildTIFF(le, 8, nil, 0), 0, ErrNoOrientation},
		{"value 0", orientationTIFF(le, 0), 0, ErrInvalidOrientation},
		{"value 9", orientationTIFF(be, 9), 0, ErrInvalidOrientation},
		{"value 0xFFFF", orientationTIFF(le, 0xFFFF), 0, ErrInvalidOrientation},
		{"long value 2^16+1", buildTIFF(be, 8, []ifdEntry{{tag: tagOrientation, fieldType: typeLong, count: 1, value: 1<<16 + 1}}, 0), 0, ErrInvalidOrientation},
		{"ASCII type", buildTIFF(le, 8, []ifdEntry{{tag: tagOrientation, fieldType: 2, count: 1, value: '1'}}, 0), 0, ErrInvalidOrientation},
		{"count 0", buildTIFF(le, 8, []ifdEntry{{tag: tagOrientation, fieldType: typeShort, count: 0, value: 1}}, 0), 0, ErrInvalidOrientation},
		{"count 2", buildTIFF(be, 8, []ifdEntry{{tag: tagOrientation, fieldType: typeShort, count: 2, value: 1}}, 0), 0, ErrInvalidOrientation},
		{"IFD0 offset past end", buildTIFF(le, 8, nil, 0)[:8], 0, ErrMalformed},
		{"IFD0 offset 0xFFFFFFFF", append([]byte("MM\x00*\xff\xff\xff\xff"), make([]byte, 32)...), 0, ErrMalformed},
		{"IFD0 offset inside header", append([]byte("II*\x00\x02\x00\x00\x00"), make([]byte, 32)...), 0, ErrMalformed},
		{"bad magic", append([]byte("II+\x00\x08\x00\x00\x00"), full[8:]...), 0, ErrMalformed},
		{"mixed byte order marks", append([]byte("IM*\x00\x08\x00\x00\x00"), full[8:]...), 0, ErrMalformed},
		{"header only", full[:8], 0, ErrMalformed},
		{"shorter than header", full[:7], 0, ErrMalformed},
		{"empty", nil, 0, ErrMalformed},
		{"cut inside orientation entry", full[:8+2+12+6], 0, ErrMalformed},
		{"cut after orientation entry", full[:8+2+12+12], 6, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOrientation(tc.block)
			if got != tc.want {
				t.Errorf("got orientation %d, expected %d (error %v)", got, tc.want, err)
			}
			if tc.wantErr == nil && err != nil {
				t.Errorf("unexpected error %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("got error %v, expected one matching %q", err, tc.wantErr)
			}
		})
	}
}

// jpegSegment returns a marker segment with a correct length field.
func jpegSegment(marker byte, payload []byte) []byte {
	b := []byte{0xFF, marker}
	b = binary.BigEndian.AppendUint16(b, uint16(len(payload)+2))
	return append(b, payload...)
}

// buildJPEG wraps segments between SOI and a minimal SOS, entropy-coded
// byte and EOI. The result is not decodable and only serves the walker.
func buildJPEG(segments ...[]byte) []byte {
	b := []byte{0xFF, markerSOI}
	for _, s := range segments {
		b = append(b, s...)
	}
	b = append(b, jpegSegment(markerSOS, []byte{1, 1, 0, 0, 63, 0})...)
	return append(b, 0x12, 0xFF, markerEOI)
}

func exifAPP1(tiff []byte) []byte {
	return jpegSegment(markerAPP1, append([]byte("Exif\x00\x00"), tiff...))
}

func TestJPEGContainer(t *testing.T) {
	jfif := jpegSegment(0xE0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00"))
	xmp := jpegSegment(markerAPP1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"))
	exif6 := exifAPP1(orientationTIFF(binary.BigEndian, 6))
	exif3 := exifAPP1(orientationTIFF(binary.LittleEndian, 3))

	// The EXIF segment claims 1000 bytes more than the file holds, but
	// its TIFF block is complete.
	longExif := exifAPP1(orientationTIFF(binary.LittleEndian, 8))
	binary.BigEndian.PutUint16(longExif[2:], uint16(len(longExif)-2+1000))
	truncatedLength := append([]byte{0xFF, markerSOI}, jfif...)
	truncatedLength = append(truncatedLength, longExif...)

	// A DQT segment whose length runs past the end hides the EXIF segment.
	pastEnd := append([]byte{0xFF, markerSOI, 0xFF, 0xDB, 0xFF, 0xF0, 0}, exif6...)

	afterSOS := append(buildJPEG(jfif), exif6...)

	truncatedTIFF := buildJPEG(exifAPP1(orientationTIFF(binary.BigEndian, 6)[:20]))

	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"EXIF first", buildJPEG(exif6), 6},
		{"after JFIF", buildJPEG(jfif, exif3), 3},
		{"XMP before EXIF", buildJPEG(jfif, xmp, exif6), 6},
		{"first EXIF wins", buildJPEG(exif3, exif6), 3},
		{"fill bytes", append([]byte{0xFF, markerSOI, 0xFF, 0xFF, 0xFF}, exif6[1:]...), 6},
		{"empty APP1 before EXIF", buildJPEG(jpegSegment(markerAPP1, nil), exif6), 6},
		{"empty COM before EXIF", buildJPEG(jpegSegment(0xFE, nil), exif3), 3},
		{"standalone TEM", buildJPEG([]byte{0xFF, markerTEM}, exif3), 3},
		{"zero length field", buildJPEG([]byte{0xFF, 0xE2, 0, 0}, exif6), 0},
		{"length field 1", buildJPEG([]byte{0xFF, 0xE2, 0, 1}, exif6), 0},
		{"EXIF length past end", truncatedLength, 8},
		{"other length past end", pastEnd, 0},
		{"EXIF after SOS", afterSOS, 0},
		{"truncated TIFF", truncatedTIFF, 0},
		{"no EXIF", buildJPEG(jfif, xmp), 0},
		{"missing marker prefix", append([]byte{0xFF, markerSOI, 0x00}, exif6...), 0},
		{"stuffed zero marker", append([]byte{0xFF, markerSOI, 0xFF, 0x00}, exif6...), 0},
		{"ends after marker", []byte{0xFF, markerSOI, 0xFF, 0xE1}, 0},
		{"ends in fill bytes", []byte{0xFF, markerSOI, 0xFF, 0xFF}, 0},
		{"ends inside length", []byte{0xFF, markerSOI, 0xFF, 0xE1, 0x00}, 0},
		{"SOI only", []byte{0xFF, markerSOI}, 0},
		{"not JPEG", append([]byte{0x00, 0x00}, exif6...), 0},
		{"empty", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Orientation("jpeg", tc.data); got != tc.want {
				t.Errorf("got orientation %d, expected %d", got, tc.want)
			}
		})
	}
}

// pngChunk returns a PNG chunk with a correct CRC-32 over type and data.
func pngChunk(chunkType string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, chunkType...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

func buildPNG(chunks ...[]byte) []byte {
	b := append([]byte(nil), pngSignature...)
	b = append(b, pngChunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0})...)
	for _, c := range chunks {
		b = append(b, c...)
	}
	return b
}

func TestPNGContainer(t *testing.T) {
	tiff := orientationTIFF(binary.BigEndian, 5)
	iend := pngChunk("IEND", nil)
	idat := pngChunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01})

	badCRC := pngChunk("eXIf", tiff)
	badCRC[len(badCRC)-1] ^= 0xFF

	pastEnd := pngChunk("tEXt", []byte("Comment\x00hi"))
	binary.BigEndian.PutUint32(pastEnd, 0x7FFFFFFF)

	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"before IDAT", buildPNG(pngChunk("eXIf", tiff), idat, iend), 5},
		{"after IDAT", buildPNG(idat, pngChunk("eXIf", tiff), iend), 5},
		{"Exif prefix", buildPNG(pngChunk("eXIf", append([]byte("Exif\x00\x00"), tiff...)), idat, iend), 5},
		{"little endian", buildPNG(pngChunk("eXIf", orientationTIFF(binary.LittleEndian, 2)), idat, iend), 2},
		{"bad CRC", buildPNG(badCRC, idat, iend), 0},
		{"after IEND", buildPNG(idat, iend, pngChunk("eXIf", tiff)), 0},
		{"chunk length past end", buildPNG(pastEnd, pngChunk("eXIf", tiff)), 0},
		{"truncated eXIf", buildPNG(pngChunk("eXIf", tiff))[:60], 0},
		{"truncated TIFF", buildPNG(pngChunk("eXIf", tiff[:12]), idat, iend), 0},
		{"no eXIf", buildPNG(idat, iend), 0},
		{"not PNG", tiff, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Orientation("png", tc.data); got != tc.want {
				t.Errorf("got orientation %d, expected %d", got, tc.want)
			}
		})
	}
}

func riffChunk(fourCC string, data []byte) []byte {
	b := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func buildWebP(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	b = append(b, "WEBP"...)
	return append(b, body...)
}

func TestWebPContainer(t *testing.T) {
	vp8x := riffChunk("VP8X", []byte{0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	image := riffChunk("VP8L", []byte{0x2f, 0, 0, 0, 0})
	tiff := orientationTIFF(binary.LittleEndian, 7)

	// The RIFF size ends before the EXIF chunk that follows in the file.
	shortRIFF := buildWebP(vp8x, image)
	shortRIFF = append(shortRIFF, riffChunk("EXIF", tiff)...)

	// The EXIF chunk claims 500 more bytes than the file holds.
	longExif := buildWebP(vp8x, riffChunk("EXIF", tiff))
	sizeAt := len(longExif) - len(tiff) - 4
	binary.LittleEndian.PutUint32(longExif[sizeAt:], uint32(len(tiff)+500))
	binary.LittleEndian.PutUint32(longExif[4:], uint32(len(longExif)-8+500))

	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"after image", buildWebP(vp8x, image, riffChunk("EXIF", tiff)), 7},
		{"Exif prefix", buildWebP(vp8x, image, riffChunk("EXIF", append([]byte("Exif\x00\x00"), tiff...))), 7},
		{"after odd chunk", buildWebP(vp8x, riffChunk("ICCP", []byte{1, 2, 3}), image, riffChunk("EXIF", tiff)), 7},
		{"big endian", buildWebP(vp8x, image, riffChunk("EXIF", orientationTIFF(binary.BigEndian, 4))), 4},
		{"outside RIFF size", shortRIFF, 0},
		{"EXIF size past end", longExif, 7},
		{"no EXIF", buildWebP(vp8x, image, riffChunk("XMP ", []byte("<x/>"))), 0},
		{"damaged TIFF", buildWebP(vp8x, image, riffChunk("EXIF", tiff[:9])), 0},
		{"not WebP", append([]byte("RIFF\x00\x01\x00\x00WAVE"), riffChunk("EXIF", tiff)...), 0},
		{"header only", []byte("RIFF\x04\x00\x00\x00WEBP"), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Orientation("webp", tc.data); got != tc.want {
				t.Errorf("got orientation %d, expected %d", got, tc.want)
			}
		})
	}
}

func TestOrientationOtherFormats(t *testing.T) {
	// A TIFF block that would read as 6 in any container.
	tiff := orientationTIFF(binary.BigEndian, 6)
	gif := append([]byte("GIF89a"), tiff...)
	for _, format := range []string{"gif", "bmp", "", "JPEG"} {
		if got := Orientation(format, buildJPEG(exifAPP1(tiff))); got != 0 {
			t.Errorf("format %q: got orientation %d from JPEG bytes, expected 0 because only \"jpeg\" reads JPEG", format, got)
		}
	}
	if got := Orientation("gif", gif); got != 0 {
		t.Errorf("gif: got orientation %d, expected 0 because GIF has no EXIF storage", got)
	}
}

// TestRealFiles checks fixtures against exiftool 12.57 (`exiftool -n
// -Orientation`): test-with-exif.jpg has an EXIF IFD0 with 9 entries but no
// Orientation tag, ffmpreg-original.jpeg and monochrome.png store
// orientation 1, and marge-original.png stores orientation 1 only in a
// zTXt "Raw profile type exif" chunk, which this package does not read.
func TestRealFiles(t *testing.T) {
	tests := []struct {
		path    string
		format  string
		want    int
		hasTIFF bool
	}{
		{"gotosocial/test-with-exif.jpg", "jpeg", 0, true},
		{"gotosocial/ffmpreg-original.jpeg", "jpeg", 1, true},
		{"mastodon/monochrome.png", "png", 1, true},
		{"gotosocial/marge-original.png", "png", 0, false},
		{"mastodon/attachment.jpg", "jpeg", 0, false},
		{"mastodon/600x400.webp", "webp", 0, false},
		{"gotosocial/sloth-gear-original.webp", "webp", 0, false},
		{"gotosocial/test-corrupted.jpg", "jpeg", 0, false},
		{"gotosocial/peglin.gif", "gif", 0, false},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "testdata", tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if got := Orientation(tc.format, data); got != tc.want {
				t.Errorf("got orientation %d, expected %d as exiftool reports", got, tc.want)
			}

			var tiff []byte
			switch tc.format {
			case "jpeg":
				tiff = FromJPEG(data)
			case "png":
				tiff = FromPNG(data)
			case "webp":
				tiff = FromWebP(data)
			}
			if got := tiff != nil; got != tc.hasTIFF {
				t.Errorf("found a TIFF block: %v, expected %v", got, tc.hasTIFF)
			}
		})
	}
}

func TestRealFileNoOrientationTag(t *testing.T) {
	data, err := os.ReadFile("../../testdata/gotosocial/test-with-exif.jpg")
	if err != nil {
		t.Fatal(err)
	}
	tiff := FromJPEG(data)
	if !bytes.HasPrefix(tiff, []byte("MM\x00*")) {
		t.Fatalf("TIFF block starts % x, expected the big-endian header \"MM\\x00*\" that exiftool reports", tiff[:min(len(tiff), 4)])
	}
	_, err = ParseOrientation(tiff)
	if !errors.Is(err, ErrNoOrientation) {
		t.Errorf("got error %v, expected ErrNoOrientation because IFD0 has 9 entries and none is 0x0112", err)
	}
}

func BenchmarkOrientation(b *testing.B) {
	data, err := os.ReadFile("../../testdata/gotosocial/ffmpreg-original.jpeg")
	if err != nil {
		b.Fatal(err)
	}
	// Only the segments up to the end of the EXIF block are read, so
	// SetBytes counts those bytes and not the whole file.
	tiff := FromJPEG(data)
	if tiff == nil {
		b.Fatal("fixture has no EXIF block")
	}
	b.SetBytes(int64(len(data) - cap(tiff) + len(tiff)))
	b.ReportAllocs()
	for b.Loop() {
		if Orientation("jpeg", data) != 1 {
			b.Fatal("orientation changed")
		}
	}
}
