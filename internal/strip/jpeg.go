package strip

import (
	"bytes"
	"encoding/binary"
)

// JPEG marker codes from ITU-T T.81, table B.1.
const (
	markerTEM   = 0x01
	markerRST0  = 0xD0
	markerRST7  = 0xD7
	markerSOI   = 0xD8
	markerEOI   = 0xD9
	markerSOS   = 0xDA
	markerAPP0  = 0xE0
	markerAPP2  = 0xE2
	markerAPP14 = 0xEE
	markerAPP15 = 0xEF
	markerCOM   = 0xFE
)

// jfifHeaderLen is the length of a JFIF APP0 payload without its thumbnail:
// the identifier "JFIF\x00", version, density units, X and Y density, and
// the thumbnail width and height.
const jfifHeaderLen = 14

// JPEG removes metadata segments from a JPEG file. It drops COM and every
// APPn segment (EXIF and XMP in APP1, IPTC in APP13, and so on) except:
//   - APP0 starting "JFIF\x00", cut to its 14-byte header with the thumbnail
//     size set to 0x0, because an embedded thumbnail may show the picture as
//     it was before an edit (APP0 "JFXX" thumbnail extensions are dropped
//     for the same reason),
//   - APP2 starting "ICC_PROFILE\x00", all of them in order, because the ICC
//     profile changes how the pixels are shown,
//   - APP14 starting "Adobe", because decoders read its colour transform
//     flag to tell YCbCr from RGB and YCCK from CMYK.
//
// Every other segment (DQT, DHT, SOFn, DRI, SOS, DNL, ...) and the
// entropy-coded data of every scan are copied byte for byte, in order.
// APPn and COM segments between scans are dropped too. Fill bytes (0xFF),
// which T.81 section B.1.1.2 allows before any marker, are removed. Output
// ends at the first EOI after a scan, so bytes appended after EOI (for
// example a second image or a video) are dropped.
//
// Errors match ErrMalformed: a missing SOI, a segment length below 2 or
// past the end, a marker where none may be, and a file without EOI.
func JPEG(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != markerSOI {
		return nil, malformed("jpeg", "missing SOI marker (FF D8) at offset 0")
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, markerSOI)

	pos := 2
	seenSOS := false
	for {
		if pos >= len(data) {
			return nil, malformed("jpeg", "missing EOI marker: the file ends at offset %d", pos)
		}
		if data[pos] != 0xFF {
			return nil, malformed("jpeg", "expected a marker at offset %d, found byte 0x%02X", pos, data[pos])
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			return nil, malformed("jpeg", "missing EOI marker: the file ends in fill bytes")
		}
		marker := data[pos]
		segmentStart := pos - 1
		pos++

		switch {
		case marker == markerEOI:
			if !seenSOS {
				return nil, malformed("jpeg", "EOI at offset %d comes before any SOS", segmentStart)
			}
			return append(out, 0xFF, markerEOI), nil
		case marker == 0x00 || marker == markerSOI:
			return nil, malformed("jpeg", "unexpected marker FF %02X at offset %d", marker, segmentStart)
		case marker == markerTEM || (marker >= markerRST0 && marker <= markerRST7):
			// TEM and RST0 to RST7 are standalone markers without a length field.
			out = append(out, 0xFF, marker)
			continue
		}

		if pos+2 > len(data) {
			return nil, malformed("jpeg", "segment FF %02X at offset %d has no length field", marker, segmentStart)
		}
		length := int(binary.BigEndian.Uint16(data[pos:]))
		if length < 2 {
			return nil, malformed("jpeg", "segment FF %02X at offset %d has length %d, below the minimum of 2",
				marker, segmentStart, length)
		}
		end := pos + length
		if end > len(data) {
			return nil, malformed("jpeg", "segment FF %02X at offset %d has length %d, past the end of the %d-byte file",
				marker, segmentStart, length, len(data))
		}
		switch payload := data[pos+2 : end]; {
		case marker == markerAPP0 && len(payload) >= jfifHeaderLen && bytes.HasPrefix(payload, []byte("JFIF\x00")):
			out = append(out, 0xFF, markerAPP0, 0, jfifHeaderLen+2)
			out = append(out, payload[:jfifHeaderLen-2]...)
			out = append(out, 0, 0) // no thumbnail (JFIF 1.02 Xthumbnail, Ythumbnail)
		case keepJPEGSegment(marker, payload):
			out = append(out, data[segmentStart:end]...)
		}
		pos = end

		if marker == markerSOS {
			seenSOS = true
			scanEnd := entropyCodedEnd(data, pos)
			out = append(out, data[pos:scanEnd]...)
			pos = scanEnd
		}
	}
}

// keepJPEGSegment reports whether a segment with this marker and payload
// (the bytes after the length field) survives stripping.
func keepJPEGSegment(marker byte, payload []byte) bool {
	switch {
	case marker == markerAPP0:
		return false // a JFIF header is rewritten by JPEG; anything else is an extension
	case marker == markerAPP2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	case marker == markerAPP14:
		return bytes.HasPrefix(payload, []byte("Adobe"))
	case marker > markerAPP0 && marker <= markerAPP15:
		return false
	case marker == markerCOM:
		return false
	}
	return true
}

// entropyCodedEnd returns the offset of the first marker after the
// entropy-coded data that starts at pos, pointing at the first of its
// fill bytes, or len(data) when no marker follows. Inside entropy-coded
// data a 0xFF byte is followed by 0x00 (byte stuffing, T.81 section
// F.1.2.3) or by RST0 to RST7, so any other byte after 0xFF starts a marker.
func entropyCodedEnd(data []byte, pos int) int {
	for {
		i := bytes.IndexByte(data[pos:], 0xFF)
		if i < 0 {
			return len(data)
		}
		start := pos + i
		next := start + 1
		for next < len(data) && data[next] == 0xFF {
			next++
		}
		if next >= len(data) {
			return start
		}
		code := data[next]
		if code != 0x00 && (code < markerRST0 || code > markerRST7) {
			return start
		}
		pos = next + 1
	}
}
