// Package exif reads the EXIF orientation (TIFF tag 0x0112 in IFD0) of a
// JPEG, PNG or WebP file without third-party packages.
//
// Every reader here is defensive: it bounds-checks each offset and length
// taken from the file, reads only IFD0, and returns 0 or an error where
// the data is damaged. No input makes it panic or loop.
package exif

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors returned by ParseOrientation. Callers can tell them apart with
// errors.Is.
var (
	// ErrMalformed means the TIFF structure cannot be read: a bad header,
	// an IFD0 offset outside the block or an entry table cut short.
	ErrMalformed = errors.New("exif: malformed TIFF block")

	// ErrNoOrientation means IFD0 is readable but has no Orientation tag.
	ErrNoOrientation = errors.New("exif: no orientation tag in IFD0")

	// ErrInvalidOrientation means the Orientation entry exists but its
	// type, count or value is outside what the EXIF standard allows.
	ErrInvalidOrientation = errors.New("exif: invalid orientation entry")
)

// TIFF constants from the TIFF 6.0 specification, section 2 (TIFF
// structure). EXIF (CIPA DC-008) stores its IFD0 in this TIFF layout.
const (
	tagOrientation = 0x0112 // Orientation, tag 274, in IFD0

	typeShort = 3 // 16-bit unsigned integer
	typeLong  = 4 // 32-bit unsigned integer

	tiffHeaderSize = 8  // byte order (2), magic 42 (2), IFD0 offset (4)
	ifdEntrySize   = 12 // tag (2), type (2), count (4), value or offset (4)
)

// Orientation returns the EXIF orientation of an image file, 1 to 8 as
// defined by EXIF tag 0x0112, or 0 when the file has no orientation or the
// EXIF block is damaged. format is "jpeg", "png", "webp" or "gif" and data
// is the whole file. GIF has no EXIF storage, so "gif" and any other format
// name return 0. Orientation does not panic on any input, which
// FuzzOrientation checks.
func Orientation(format string, data []byte) int {
	var tiff []byte
	switch format {
	case "jpeg":
		tiff = FromJPEG(data)
	case "png":
		tiff = FromPNG(data)
	case "webp":
		tiff = FromWebP(data)
	default:
		return 0
	}
	if tiff == nil {
		return 0
	}
	orientation, err := ParseOrientation(tiff)
	if err != nil {
		return 0
	}
	return orientation
}

// ParseOrientation reads the Orientation tag (0x0112) from IFD0 of a TIFF
// block, the bytes that follow "Exif\x00\x00" in a JPEG APP1 segment. It
// accepts both byte orders ("II*\x00" and "MM\x00*"), any IFD0 offset at
// or after the 8-byte header, and the entry in any position of IFD0. The
// entry must have type SHORT (3) or LONG (4) and count 1, and its value
// must be 1 to 8.
//
// It returns ErrMalformed, ErrNoOrientation or ErrInvalidOrientation
// (wrapped with details) and 0 on failure. It reads only IFD0 and never
// follows the next-IFD pointer, so cyclic IFD chains cannot make it loop.
// When the entry count runs past the end of the block, the entries that
// fit are still searched.
func ParseOrientation(tiff []byte) (int, error) {
	if len(tiff) < tiffHeaderSize {
		return 0, fmt.Errorf("%w: %d bytes is shorter than the %d-byte TIFF header",
			ErrMalformed, len(tiff), tiffHeaderSize)
	}

	var order binary.ByteOrder
	switch {
	case tiff[0] == 'I' && tiff[1] == 'I' && tiff[2] == 42 && tiff[3] == 0:
		order = binary.LittleEndian
	case tiff[0] == 'M' && tiff[1] == 'M' && tiff[2] == 0 && tiff[3] == 42:
		order = binary.BigEndian
	default:
		return 0, fmt.Errorf("%w: header % x is neither \"II*\\x00\" nor \"MM\\x00*\"",
			ErrMalformed, tiff[:4])
	}

	// Offsets are compared as uint64 so that a 32-bit offset near 4 GiB
	// cannot overflow int on 32-bit platforms.
	size := uint64(len(tiff))
	ifdOffset := uint64(order.Uint32(tiff[4:8]))
	if ifdOffset < tiffHeaderSize || ifdOffset+2 > size {
		return 0, fmt.Errorf("%w: IFD0 offset %d is outside the %d-byte block",
			ErrMalformed, ifdOffset, size)
	}

	count := uint64(order.Uint16(tiff[ifdOffset:]))
	fits := (size - ifdOffset - 2) / ifdEntrySize
	truncated := count > fits
	if truncated {
		count = fits
	}

	for i := uint64(0); i < count; i++ {
		entry := tiff[ifdOffset+2+i*ifdEntrySize:][:ifdEntrySize]
		if order.Uint16(entry[0:2]) != tagOrientation {
			continue
		}
		return parseOrientationEntry(entry, order)
	}

	if truncated {
		return 0, fmt.Errorf("%w: IFD0 at offset %d declares %d entries but only %d fit in the %d-byte block",
			ErrMalformed, ifdOffset, order.Uint16(tiff[ifdOffset:]), fits, size)
	}
	return 0, ErrNoOrientation
}

// parseOrientationEntry decodes one 12-byte IFD entry whose tag is 0x0112.
// A value of count 1 fits in the 4-byte value field, so it is read in
// place: a SHORT from the first 2 bytes, a LONG from all 4 (TIFF 6.0
// section 2, "Value/Offset").
func parseOrientationEntry(entry []byte, order binary.ByteOrder) (int, error) {
	fieldType := order.Uint16(entry[2:4])
	count := order.Uint32(entry[4:8])
	if count != 1 {
		return 0, fmt.Errorf("%w: count %d, expected 1", ErrInvalidOrientation, count)
	}

	var value uint32
	switch fieldType {
	case typeShort:
		value = uint32(order.Uint16(entry[8:10]))
	case typeLong:
		value = order.Uint32(entry[8:12])
	default:
		return 0, fmt.Errorf("%w: field type %d, expected SHORT (3) or LONG (4)",
			ErrInvalidOrientation, fieldType)
	}

	if value < 1 || value > 8 {
		return 0, fmt.Errorf("%w: value %d is outside 1 to 8", ErrInvalidOrientation, value)
	}
	return int(value), nil
}
