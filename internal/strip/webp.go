package strip

import "encoding/binary"

// VP8X flag bits in the first payload byte of the "VP8X" chunk (WebP
// container specification, extended file format).
const (
	vp8xFlagXMP  = 0x04
	vp8xFlagEXIF = 0x08

	// vp8xMinSize is the VP8X payload size: flags (1), reserved (3),
	// canvas width minus one (3) and canvas height minus one (3).
	vp8xMinSize = 10
)

// WebP removes the "EXIF" and "XMP " chunks from a RIFF WebP file and
// clears the EXIF (0x08) and XMP (0x04) bits of the VP8X flags byte. It
// copies every other chunk (VP8X, ICCP, ANIM, ANMF, ALPH, VP8, VP8L and
// unknown ones) byte for byte, in order. Chunks keep their padding to an
// even length (RIFF rule). When the last chunk has an odd size and no
// padding byte, a zero padding byte is added. The RIFF size field is
// rewritten for the output, and bytes after the input's RIFF size are
// dropped.
//
// Errors match ErrMalformed: a missing "RIFF"/"WEBP" header, a RIFF size
// below 4 or past the end of data, a chunk past the RIFF size, and a VP8X
// chunk shorter than 10 bytes.
func WebP(data []byte) ([]byte, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, malformed("webp", "missing \"RIFF\" and \"WEBP\" header")
	}
	riffSize := uint64(binary.LittleEndian.Uint32(data[4:8]))
	end := 8 + riffSize
	if riffSize < 4 {
		return nil, malformed("webp", "RIFF size %d is below 4, the size of the \"WEBP\" form type", riffSize)
	}
	if end > uint64(len(data)) {
		return nil, malformed("webp", "RIFF size %d is past the end of the %d-byte file", riffSize, len(data))
	}
	out := make([]byte, 0, end)
	out = append(out, data[:12]...)

	pos := uint64(12)
	for pos < end {
		if pos+8 > end {
			return nil, malformed("webp", "chunk header at offset %d is cut off at the RIFF end %d", pos, end)
		}
		fourCC := string(data[pos : pos+4])
		size := uint64(binary.LittleEndian.Uint32(data[pos+4:]))
		bodyEnd := pos + 8 + size
		if bodyEnd > end {
			return nil, malformed("webp", "chunk %q at offset %d has size %d, past the RIFF end %d",
				fourCC, pos, size, end)
		}
		paddedEnd := bodyEnd + size&1

		switch fourCC {
		case "EXIF", "XMP ":
			pos = paddedEnd
			continue
		case "VP8X":
			if size < vp8xMinSize {
				return nil, malformed("webp", "VP8X chunk at offset %d has size %d, expected at least %d",
					pos, size, vp8xMinSize)
			}
		}

		chunkStart := len(out)
		out = append(out, data[pos:min(paddedEnd, end)]...)
		if paddedEnd > end {
			// Only the last chunk can lack its padding byte.
			out = append(out, 0)
		}
		if fourCC == "VP8X" {
			out[chunkStart+8] &^= vp8xFlagEXIF | vp8xFlagXMP
		}
		pos = paddedEnd
	}

	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
