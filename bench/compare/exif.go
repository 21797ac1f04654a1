package main

import (
	"bytes"
	"encoding/binary"
)

// jpegOrientation returns the EXIF Orientation (TIFF tag 0x0112) of IFD0 in
// the first APP1 "Exif\0\0" segment of a JPEG. It returns 1 when the file
// is not a JPEG, has no such segment, or the tag is missing or out of 1..8.
// The segment walk follows ITU-T T.81 section B.1.1.4 (marker, then a
// 2-byte length that counts itself) and stops at the first SOS.
//
// NOTE: PNG eXIf and WebP EXIF chunks are not read. The benchmark inputs
// carry orientation only in JPEG.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	pos := 2
	for pos+4 <= len(data) {
		if data[pos] != 0xFF {
			return 1
		}
		marker := data[pos+1]
		if marker == 0xFF { // fill byte
			pos++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // SOS, EOI
			return 1
		}
		length := int(binary.BigEndian.Uint16(data[pos+2:]))
		if length < 2 || pos+2+length > len(data) {
			return 1
		}
		payload := data[pos+4 : pos+2+length]
		if marker == 0xE1 && bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
			return tiffOrientation(payload[6:])
		}
		pos += 2 + length
	}
	return 1
}

// tiffOrientation reads tag 0x0112 (SHORT) from IFD0 of a TIFF block: a
// byte-order mark "II" or "MM", the magic 42, the offset of IFD0, then
// 12-byte entries (TIFF 6.0 section 2).
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 1
	}
	ifd := int(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 1
	}
	count := int(order.Uint16(tiff[ifd:]))
	for i := 0; i < count; i++ {
		entry := ifd + 2 + 12*i
		if entry+12 > len(tiff) {
			return 1
		}
		if order.Uint16(tiff[entry:]) != 0x0112 {
			continue
		}
		// Type 3 is SHORT; the value sits in the first 2 bytes of the
		// 4-byte value field.
		if order.Uint16(tiff[entry+2:]) != 3 {
			return 1
		}
		v := int(order.Uint16(tiff[entry+8:]))
		if v < 1 || v > 8 {
			return 1
		}
		return v
	}
	return 1
}
