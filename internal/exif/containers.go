package exif

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// exifHeader prefixes the TIFF block in a JPEG APP1 segment. Some PNG and
// WebP writers copy it into their EXIF chunks too.
var exifHeader = []byte("Exif\x00\x00")

// JPEG marker codes from ITU-T T.81, table B.1.
const (
	markerTEM  = 0x01
	markerRST0 = 0xD0
	markerRST7 = 0xD7
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP1 = 0xE1
)

// FromJPEG returns the TIFF block of the first EXIF APP1 segment (payload
// starting "Exif\x00\x00") found between SOI and SOS, or nil when there is
// none or the segment walk breaks first. The result aliases data.
//
// The walk skips fill bytes (0xFF) before each marker (ITU-T T.81 section
// B.1.1.2), skips other APP1 segments such as XMP, and stops at a segment
// length below 2. An EXIF segment whose length runs past the end of data is
// returned cut at the end of data, so ParseOrientation can still read an
// IFD0 that survived the truncation.
func FromJPEG(data []byte) []byte {
	if len(data) < 2 || data[0] != 0xFF || data[1] != markerSOI {
		return nil
	}
	pos := 2
	for {
		if pos >= len(data) || data[pos] != 0xFF {
			return nil
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			return nil
		}
		marker := data[pos]
		pos++

		switch {
		case marker == markerSOS || marker == markerEOI || marker == 0x00:
			// EXIF must precede the first scan. 0xFF00 outside entropy-coded
			// data is invalid.
			return nil
		case marker == markerTEM || (marker >= markerRST0 && marker <= markerRST7) || marker == markerSOI:
			// Standalone markers carry no length field.
			continue
		}

		if pos+2 > len(data) {
			return nil
		}
		length := int(binary.BigEndian.Uint16(data[pos:]))
		if length < 2 {
			// The length field counts itself, so 0 and 1 are invalid and the
			// next marker cannot be located.
			return nil
		}
		end := pos + length
		payloadStart := pos + 2
		if marker == markerAPP1 {
			payload := data[payloadStart:min(end, len(data))]
			if bytes.HasPrefix(payload, exifHeader) {
				return payload[len(exifHeader):]
			}
		}
		if end > len(data) {
			return nil
		}
		pos = end
	}
}

// pngSignature is the 8-byte PNG file signature (PNG specification, third
// edition, section 5.2).
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// FromPNG returns the contents of the first eXIf chunk of a PNG file, or
// nil when there is none. A leading "Exif\x00\x00", which the eXIf
// definition does not allow but some writers add, is removed. The walk
// stops at IEND, at a chunk that runs past the end of data, and at an eXIf
// chunk whose CRC-32 does not match (the chunk is then treated as absent).
// The result aliases data.
//
// NOTE: EXIF stored by ImageMagick as hex text in a zTXt chunk keyed "Raw
// profile type exif" is not read.
func FromPNG(data []byte) []byte {
	if !bytes.HasPrefix(data, pngSignature) {
		return nil
	}
	pos := len(pngSignature)
	for pos+8 <= len(data) {
		length := uint64(binary.BigEndian.Uint32(data[pos:]))
		chunkType := string(data[pos+4 : pos+8])
		// Each chunk is length (4), type (4), data (length), CRC (4).
		end := uint64(pos) + 8 + length + 4
		if end > uint64(len(data)) {
			return nil
		}
		body := data[pos+8 : int(end)-4]
		switch chunkType {
		case "eXIf":
			want := binary.BigEndian.Uint32(data[int(end)-4:])
			if crc32.ChecksumIEEE(data[pos+4:int(end)-4]) != want {
				return nil
			}
			return bytes.TrimPrefix(body, exifHeader)
		case "IEND":
			return nil
		}
		pos = int(end)
	}
	return nil
}

// FromWebP returns the contents of the first "EXIF" chunk of a RIFF WebP
// file, or nil when there is none. A leading "Exif\x00\x00", which some
// writers add, is removed. Chunks are walked within the RIFF size, each
// padded to an even length (RIFF rule). An EXIF chunk whose size runs past
// the end is returned cut at the end of data. The result aliases data.
func FromWebP(data []byte) []byte {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil
	}
	limit := uint64(8) + uint64(binary.LittleEndian.Uint32(data[4:8]))
	limit = min(limit, uint64(len(data)))

	pos := uint64(12)
	for pos+8 <= limit {
		fourCC := string(data[pos : pos+4])
		size := uint64(binary.LittleEndian.Uint32(data[pos+4:]))
		start := pos + 8
		end := start + size
		if fourCC == "EXIF" {
			return bytes.TrimPrefix(data[start:min(end, limit)], exifHeader)
		}
		pos = end + size&1
	}
	return nil
}
