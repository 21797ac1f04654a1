package icc

import "encoding/binary"

// extractWebP returns the payload of the first "ICCP" chunk of an extended
// WebP file (WebP container specification, extended file format). The
// file must start with "RIFF", a RIFF size that fits in data, "WEBP" and a
// "VP8X" chunk. The ICCP chunk must come before the image data, so the
// walk stops at the first ANIM, ANMF, ALPH, VP8 or VP8L chunk. It returns
// nil when any of these checks fails or a chunk ends past the RIFF size.
//
// NOTE: the VP8X ICC flag (0x20) is not required, so a file with an ICCP
// chunk but a cleared flag still returns its profile.
func extractWebP(data []byte) []byte {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil
	}
	end := 8 + uint64(binary.LittleEndian.Uint32(data[4:8]))
	if end > uint64(len(data)) {
		return nil
	}
	pos := uint64(12)
	for pos+8 <= end {
		fourCC := string(data[pos : pos+4])
		size := uint64(binary.LittleEndian.Uint32(data[pos+4 : pos+8]))
		bodyEnd := pos + 8 + size
		if bodyEnd > end {
			return nil
		}
		switch {
		case pos == 12 && fourCC != "VP8X":
			return nil
		case fourCC == "ICCP":
			return data[pos+8 : bodyEnd]
		case fourCC == "ANIM" || fourCC == "ANMF" || fourCC == "ALPH" || fourCC == "VP8 " || fourCC == "VP8L":
			return nil
		}
		// RIFF pads each chunk to an even size.
		pos = bodyEnd + size&1
	}
	return nil
}
