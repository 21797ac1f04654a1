package icc

import (
	"encoding/binary"
	"fmt"
)

// JPEG marker codes (ITU-T T.81 table B.1) and the ICC APP2 segment layout
// (ICC.1:2010 Annex B.4).
const (
	markerTEM  = 0x01
	markerRST0 = 0xD0
	markerRST7 = 0xD7
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP0 = 0xE0
	markerAPP2 = 0xE2

	// iccIdentifier starts the payload of an APP2 segment that carries a
	// chunk of an ICC profile. The 1-based sequence number and the total
	// chunk count, one byte each, follow it.
	iccIdentifier = "ICC_PROFILE\x00"

	// iccChunkHeaderSize is the identifier plus the two sequence bytes.
	iccChunkHeaderSize = len(iccIdentifier) + 2

	// MaxJPEGChunkSize is the maximum number of profile bytes in one APP2
	// segment: the 65535-byte maximum segment length minus the 2-byte
	// length field, the 12-byte identifier and the 2 sequence bytes.
	MaxJPEGChunkSize = 65535 - 2 - iccChunkHeaderSize

	// maxJPEGChunks is the maximum chunk count, because the count is one
	// byte.
	maxJPEGChunks = 255
)

// jpegSegment is one marker segment with a length field, located by
// offsets into the file.
type jpegSegment struct {
	marker  byte
	start   int // offset of the first 0xFF, fill bytes included
	payload int // offset of the first byte after the length field
	end     int // offset of the first byte after the segment
}

// walkJPEG calls visit for each marker segment with a length field from
// SOI up to the first SOS marker (ITU-T T.81 section B.1.1) and returns
// the offset of that SOS marker, fill bytes included. Fill bytes (0xFF)
// before a marker are skipped (T.81 B.1.1.2). The standalone markers TEM
// and RST0-RST7 have no length field and are passed over. The error
// matches ErrInvalidImage.
func walkJPEG(data []byte, visit func(jpegSegment)) (int, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != markerSOI {
		return 0, invalidImage("jpeg", "missing SOI marker (0xFF 0xD8) at offset 0")
	}
	pos := 2
	for {
		start := pos
		if pos >= len(data) {
			return 0, invalidImage("jpeg", "file ends at offset %d before the SOS marker", pos)
		}
		if data[pos] != 0xFF {
			return 0, invalidImage("jpeg", "expected a marker at offset %d, found byte 0x%02X", pos, data[pos])
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			return 0, invalidImage("jpeg", "file ends in fill bytes at offset %d", pos)
		}
		marker := data[pos]
		pos++

		switch {
		case marker == markerSOS:
			return start, nil
		case marker == markerTEM || (marker >= markerRST0 && marker <= markerRST7):
			continue
		case marker == 0x00 || marker == markerSOI || marker == markerEOI:
			return 0, invalidImage("jpeg", "unexpected marker 0xFF 0x%02X at offset %d before the SOS marker",
				marker, start)
		}

		if pos+2 > len(data) {
			return 0, invalidImage("jpeg", "length field of marker 0xFF 0x%02X at offset %d is cut off", marker, start)
		}
		length := int(binary.BigEndian.Uint16(data[pos:]))
		if length < 2 {
			return 0, invalidImage("jpeg", "marker 0xFF 0x%02X at offset %d has length %d, expected at least 2",
				marker, start, length)
		}
		end := pos + length
		if end > len(data) {
			return 0, invalidImage("jpeg", "marker 0xFF 0x%02X at offset %d has length %d, past the end of the %d-byte file",
				marker, start, length, len(data))
		}
		visit(jpegSegment{marker: marker, start: start, payload: pos + 2, end: end})
		pos = end
	}
}

// isICCSegment reports whether seg is an APP2 segment whose payload starts
// with the ICC_PROFILE identifier.
func isICCSegment(data []byte, seg jpegSegment) bool {
	payload := data[seg.payload:seg.end]
	return seg.marker == markerAPP2 && len(payload) >= len(iccIdentifier) &&
		string(payload[:len(iccIdentifier)]) == iccIdentifier
}

// extractJPEG reassembles the profile from the APP2 ICC_PROFILE segments
// before SOS in sequence-number order (ICC.1:2010 Annex B.4). It returns
// nil when the segments cannot be walked, a chunk is missing or repeated,
// a sequence number is 0 or above the count, or two chunks give different
// counts.
func extractJPEG(data []byte) []byte {
	var chunks [maxJPEGChunks + 1][]byte
	var present [maxJPEGChunks + 1]bool
	count, total, damaged := 0, 0, false

	_, err := walkJPEG(data, func(seg jpegSegment) {
		if damaged || !isICCSegment(data, seg) {
			return
		}
		payload := data[seg.payload:seg.end]
		if len(payload) < iccChunkHeaderSize {
			damaged = true
			return
		}
		seq, n := int(payload[len(iccIdentifier)]), int(payload[len(iccIdentifier)+1])
		if seq == 0 || n == 0 || seq > n || (count != 0 && n != count) || present[seq] {
			damaged = true
			return
		}
		count = n
		present[seq] = true
		chunks[seq] = payload[iccChunkHeaderSize:]
		total += len(chunks[seq])
	})
	if err != nil || damaged || count == 0 {
		return nil
	}
	for seq := 1; seq <= count; seq++ {
		if !present[seq] {
			return nil
		}
	}
	profile := make([]byte, 0, total)
	for seq := 1; seq <= count; seq++ {
		profile = append(profile, chunks[seq]...)
	}
	return profile
}

// EmbedJPEG returns a copy of jpegData, a whole JPEG file, with profile
// stored in APP2 ICC_PROFILE segments of at most MaxJPEGChunkSize profile
// bytes each (ICC.1:2010 Annex B.4). The segments go right after SOI, or
// after the APP0 JFIF segment when one follows SOI (ITU-T T.871 requires
// JFIF APP0 to come first). APP2 ICC_PROFILE segments already in the file
// are removed. Fill bytes before markers up to SOS are kept. An empty
// profile returns jpegData itself.
//
// Errors match ErrInvalidProfile for a profile that fails the ICC header
// check, ErrProfileTooLarge for a profile that needs more than 255
// segments (over 16,707,345 bytes), and ErrInvalidImage when the marker
// segments from SOI to SOS cannot be walked.
func EmbedJPEG(jpegData, profile []byte) ([]byte, error) {
	if len(profile) == 0 {
		return jpegData, nil
	}
	if err := checkProfile(profile); err != nil {
		return nil, err
	}
	segments := (len(profile) + MaxJPEGChunkSize - 1) / MaxJPEGChunkSize
	if segments > maxJPEGChunks {
		return nil, fmt.Errorf("%w: jpeg: the %d-byte profile needs %d APP2 segments, the maximum is %d (%d bytes)",
			ErrProfileTooLarge, len(profile), segments, maxJPEGChunks, maxJPEGChunks*MaxJPEGChunkSize)
	}

	insertAt := 2
	var dropped []jpegSegment
	first := true
	sos, err := walkJPEG(jpegData, func(seg jpegSegment) {
		if first && seg.marker == markerAPP0 && seg.start == 2 &&
			string(jpegData[seg.payload:min(seg.payload+5, seg.end)]) == "JFIF\x00" {
			insertAt = seg.end
		}
		first = false
		if isICCSegment(jpegData, seg) {
			dropped = append(dropped, seg)
		}
	})
	if err != nil {
		return nil, err
	}

	out := make([]byte, 0, len(jpegData)+len(profile)+segments*(4+iccChunkHeaderSize))
	out = append(out, jpegData[:insertAt]...)
	out = appendICCSegments(out, profile, segments)
	pos := insertAt
	for _, seg := range dropped {
		out = append(out, jpegData[pos:seg.start]...)
		pos = seg.end
	}
	out = append(out, jpegData[pos:sos]...)
	out = append(out, jpegData[sos:]...)
	return out, nil
}

// appendICCSegments appends profile to out as count APP2 ICC_PROFILE
// segments numbered 1 to count.
func appendICCSegments(out, profile []byte, count int) []byte {
	for seq := 1; seq <= count; seq++ {
		chunk := profile[(seq-1)*MaxJPEGChunkSize : min(seq*MaxJPEGChunkSize, len(profile))]
		out = append(out, 0xFF, markerAPP2)
		out = binary.BigEndian.AppendUint16(out, uint16(2+iccChunkHeaderSize+len(chunk)))
		out = append(out, iccIdentifier...)
		out = append(out, byte(seq), byte(count))
		out = append(out, chunk...)
	}
	return out
}

// checkProfile returns an error matching ErrInvalidProfile when profile
// fails the check done by validProfile.
func checkProfile(profile []byte) error {
	if validProfile(profile) {
		return nil
	}
	if len(profile) < headerSize {
		return fmt.Errorf("%w: %d bytes is shorter than the %d-byte ICC header", ErrInvalidProfile, len(profile), headerSize)
	}
	if size := binary.BigEndian.Uint32(profile[0:4]); uint64(size) != uint64(len(profile)) {
		return fmt.Errorf("%w: the header size field is %d, but the profile is %d bytes", ErrInvalidProfile, size, len(profile))
	}
	return fmt.Errorf("%w: bytes 36-39 are %q, expected the \"acsp\" signature", ErrInvalidProfile, profile[36:40])
}

// invalidImage returns an error matching ErrInvalidImage whose message
// names the container format and the detail.
func invalidImage(format, detail string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidImage, format, fmt.Sprintf(detail, args...))
}
