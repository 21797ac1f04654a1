package icc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	pngSignature = "\x89PNG\r\n\x1a\n"

	// maxPNGChunkLength is the largest chunk length the PNG specification
	// allows (section 5.3: at most 2^31-1).
	maxPNGChunkLength = 1<<31 - 1

	// ihdrLength is the length of the IHDR chunk data (PNG section 11.2.2).
	ihdrLength = 13

	// iccpName is the profile name EmbedPNG writes. The iCCP chunk
	// requires a 1-79 byte Latin-1 keyword (PNG section 11.3.3.3).
	iccpName = "ICC profile"

	// maxICCPNameLength is the maximum iCCP profile name length in bytes.
	maxICCPNameLength = 79
)

// pngChunk is one PNG chunk located by offsets into the file: length (4),
// type (4), data, CRC (4) (PNG section 5.3).
type pngChunk struct {
	typ   string
	start int // offset of the length field
	data  int // offset of the chunk data
	end   int // offset of the first byte after the CRC
}

// body returns the chunk data.
func (c pngChunk) body(file []byte) []byte { return file[c.data : c.end-4] }

// crcOK reports whether the stored CRC matches the CRC-32 of the chunk
// type and data (PNG section 5.3).
func (c pngChunk) crcOK(file []byte) bool {
	want := binary.BigEndian.Uint32(file[c.end-4 : c.end])
	return crc32.ChecksumIEEE(file[c.start+4:c.end-4]) == want
}

// nextPNGChunk reads the chunk at pos, checking that its length is at
// most 2^31-1 and that the chunk, CRC included, ends inside file. The
// arithmetic uses uint64 so that it cannot overflow where int is 32 bits.
func nextPNGChunk(file []byte, pos int) (pngChunk, error) {
	if uint64(pos)+8 > uint64(len(file)) {
		return pngChunk{}, invalidImage("png", "chunk header at offset %d is cut off at the end of the %d-byte file",
			pos, len(file))
	}
	length := uint64(binary.BigEndian.Uint32(file[pos:]))
	typ := string(file[pos+4 : pos+8])
	if length > maxPNGChunkLength {
		return pngChunk{}, invalidImage("png", "chunk %q at offset %d has length %d, above the maximum 2^31-1",
			typ, pos, length)
	}
	end := uint64(pos) + 8 + length + 4
	if end > uint64(len(file)) {
		return pngChunk{}, invalidImage("png", "chunk %q at offset %d has length %d, past the end of the %d-byte file",
			typ, pos, length, len(file))
	}
	return pngChunk{typ: typ, start: pos, data: pos + 8, end: int(end)}, nil
}

// extractPNG returns the inflated profile from the first iCCP chunk. The
// iCCP chunk must come before PLTE and IDAT (PNG section 5.6), so the walk
// stops at IDAT or IEND. It returns nil for a missing signature or IHDR, a
// chunk past the end, a bad iCCP CRC or iCCP data that fails parseICCP.
func extractPNG(data []byte) []byte {
	if len(data) < len(pngSignature) || string(data[:len(pngSignature)]) != pngSignature {
		return nil
	}
	pos := len(pngSignature)
	for {
		chunk, err := nextPNGChunk(data, pos)
		if err != nil {
			return nil
		}
		switch {
		case pos == len(pngSignature) && chunk.typ != "IHDR":
			return nil
		case chunk.typ == "IDAT" || chunk.typ == "IEND":
			return nil
		case chunk.typ == "iCCP":
			if !chunk.crcOK(data) {
				return nil
			}
			return parseICCP(chunk.body(data))
		}
		pos = chunk.end
	}
}

// parseICCP reads the iCCP chunk data (PNG section 11.3.3.3): a 1-79 byte
// profile name, a NUL separator, compression method 0 (zlib) and the zlib
// stream. It returns nil when any part is missing or wrong.
func parseICCP(body []byte) []byte {
	nul := bytes.IndexByte(body[:min(len(body), maxICCPNameLength+1)], 0)
	if nul < 1 || nul+1 >= len(body) || body[nul+1] != 0 {
		return nil
	}
	return inflateProfile(body[nul+2:])
}

// inflateProfile decompresses a zlib stream (RFC 1950) that holds an ICC
// profile. It reads the 128-byte header first, and allocates only the
// size in its size field, so memory stays below MaxProfileSize plus the
// decompressor state whatever the stream expands to. It returns nil when
// the stream is invalid, the size field is below 128 or above
// MaxProfileSize, the stream holds more or fewer bytes than the size
// field, or the Adler-32 checksum at the end does not match.
func inflateProfile(compressed []byte) []byte {
	r, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil
	}
	var header [headerSize]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil
	}
	size := binary.BigEndian.Uint32(header[0:4])
	if size < headerSize || size > MaxProfileSize {
		return nil
	}
	profile := make([]byte, size)
	copy(profile, header[:])
	if _, err := io.ReadFull(r, profile[headerSize:]); err != nil {
		return nil
	}
	// The zlib reader checks the Adler-32 checksum when it reaches the
	// end of the stream, so only io.EOF here means a complete, intact
	// stream with no bytes past the profile.
	var extra [1]byte
	if _, err := io.ReadFull(r, extra[:]); !errors.Is(err, io.EOF) {
		return nil
	}
	return profile
}

// EmbedPNG returns a copy of pngData, a whole PNG file, with profile in an
// iCCP chunk named "ICC profile" (PNG section 11.3.3.3: compression method
// 0, zlib data, CRC-32) right after IHDR. Any iCCP or sRGB chunk already
// in the file is removed, because a PNG file may hold only one of them.
// The other chunks are copied unchanged up to and including IEND. Bytes
// after IEND are dropped. An empty profile returns pngData itself.
//
// Errors match ErrInvalidProfile for a profile that fails the ICC header
// check and ErrProfileTooLarge for a profile larger than MaxProfileSize.
// Errors match ErrInvalidImage when the file lacks the PNG signature or a
// first 13-byte IHDR chunk, has a chunk past the end, or has no IEND.
func EmbedPNG(pngData, profile []byte) ([]byte, error) {
	if len(pngData) < len(pngSignature) || string(pngData[:len(pngSignature)]) != pngSignature {
		return nil, invalidImage("png", "missing PNG signature at offset 0")
	}
	ihdr, err := nextPNGChunk(pngData, len(pngSignature))
	if err != nil {
		return nil, err
	}
	if ihdr.typ != "IHDR" || ihdr.end-ihdr.data-4 != ihdrLength {
		return nil, invalidImage("png", "first chunk is %q with length %d, expected \"IHDR\" with length %d",
			ihdr.typ, ihdr.end-ihdr.data-4, ihdrLength)
	}
	if len(profile) == 0 {
		return pngData, nil
	}
	if err := checkProfile(profile); err != nil {
		return nil, err
	}
	if len(profile) > MaxProfileSize {
		return nil, fmt.Errorf("%w: png: the profile is %d bytes, the maximum is %d",
			ErrProfileTooLarge, len(profile), MaxProfileSize)
	}

	iccp, err := iccpBody(profile)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(pngData)+len(iccp)+12)
	out = append(out, pngData[:ihdr.end]...)
	out = appendPNGChunk(out, "iCCP", iccp)

	pos := ihdr.end
	for {
		chunk, err := nextPNGChunk(pngData, pos)
		if err != nil {
			return nil, err
		}
		if chunk.typ != "iCCP" && chunk.typ != "sRGB" {
			out = append(out, pngData[chunk.start:chunk.end]...)
		}
		if chunk.typ == "IEND" {
			return out, nil
		}
		pos = chunk.end
	}
}

// iccpBody returns the iCCP chunk data for profile: the name, a NUL, the
// compression method 0 and the zlib stream.
func iccpBody(profile []byte) ([]byte, error) {
	var body bytes.Buffer
	body.WriteString(iccpName)
	body.Write([]byte{0, 0})
	zw, err := zlib.NewWriterLevel(&body, zlib.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("icc: png: creating the zlib writer failed: %w", err)
	}
	if _, err := zw.Write(profile); err != nil {
		return nil, fmt.Errorf("icc: png: compressing the profile failed: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("icc: png: compressing the profile failed: %w", err)
	}
	return body.Bytes(), nil
}

// appendPNGChunk appends a chunk with its length, type, data and CRC-32
// over type and data (PNG section 5.3).
func appendPNGChunk(out []byte, typ string, body []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}
