package strip

import (
	"bytes"
	"encoding/binary"
)

// pngSignature is the 8-byte PNG file signature (PNG specification, third
// edition, section 5.2).
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// maxPNGChunkLength is the largest chunk length the PNG specification
// (third edition, section 5.3) allows, 2^31-1 bytes.
const maxPNGChunkLength = 1<<31 - 1

// droppedPNGChunks are the chunk types PNG removes: textual data (tEXt,
// zTXt, iTXt, which also carries XMP), EXIF (eXIf) and the last-modified
// time (tIME).
var droppedPNGChunks = map[string]bool{
	"tEXt": true,
	"zTXt": true,
	"iTXt": true,
	"eXIf": true,
	"tIME": true,
}

// PNG removes the tEXt, zTXt, iTXt, eXIf and tIME chunks from a PNG file.
// It copies every other chunk byte for byte and in order, including iCCP,
// sRGB, gAMA, cHRM, pHYs, PLTE, tRNS, IDAT and the APNG chunks acTL, fcTL
// and fdAT. Output ends with IEND, so bytes after it are dropped.
//
// CRCs are not checked. A dropped chunk with a bad CRC is simply gone, and
// a kept chunk with a bad CRC is copied unchanged so the decoder decides
// whether to reject it.
//
// Errors match ErrMalformed: a missing signature, a first chunk other
// than IHDR, a chunk type with bytes other than ASCII letters, a chunk
// longer than 2^31-1 bytes or past the end of data, and a missing IEND.
func PNG(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, pngSignature) {
		return nil, malformed("png", "missing PNG signature at offset 0")
	}
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)

	pos := len(pngSignature)
	for {
		if pos == len(data) {
			return nil, malformed("png", "missing IEND chunk: the file ends at offset %d", pos)
		}
		// A chunk is length (4), type (4), data (length) and CRC-32 (4).
		if pos+12 > len(data) {
			return nil, malformed("png", "chunk at offset %d is cut off after %d bytes", pos, len(data)-pos)
		}
		length := binary.BigEndian.Uint32(data[pos:])
		chunkType := data[pos+4 : pos+8]
		if length > maxPNGChunkLength {
			return nil, malformed("png", "chunk %q at offset %d has length %d, above the maximum of 2^31-1",
				chunkType, pos, length)
		}
		if !isPNGChunkType(chunkType) {
			return nil, malformed("png", "chunk at offset %d has type % X, expected 4 ASCII letters", pos, chunkType)
		}
		if pos == len(pngSignature) && string(chunkType) != "IHDR" {
			return nil, malformed("png", "first chunk is %q, expected IHDR", chunkType)
		}
		end := uint64(pos) + 12 + uint64(length)
		if end > uint64(len(data)) {
			return nil, malformed("png", "chunk %q at offset %d has length %d, past the end of the %d-byte file",
				chunkType, pos, length, len(data))
		}

		if !droppedPNGChunks[string(chunkType)] {
			out = append(out, data[pos:end]...)
		}
		pos = int(end)
		if string(chunkType) == "IEND" {
			return out, nil
		}
	}
}

// isPNGChunkType reports whether each byte is an ASCII letter, which the
// PNG specification (third edition, section 5.3) requires of chunk types.
func isPNGChunkType(chunkType []byte) bool {
	for _, c := range chunkType {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}
