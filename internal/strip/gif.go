package strip

// GIF block introducers, extension labels and block sizes (GIF89a
// specification, sections 15 to 27).
const (
	gifExtension       = 0x21
	gifImageDescriptor = 0x2C
	gifTrailer         = 0x3B

	gifLabelComment     = 0xFE
	gifLabelApplication = 0xFF

	gifHeaderSize          = 13 // signature and version (6), logical screen descriptor (7)
	gifImageDescriptorSize = 10 // introducer (1), position and size (8), packed fields (1)
	gifColorTableFlag      = 0x80
)

// GIF removes comment extensions (0x21 0xFE) and every application
// extension (0x21 0xFF) except the looping ones identified as
// "NETSCAPE2.0" or "ANIMEXTS1.0". It copies the header, logical screen
// descriptor, global colour table, graphic control extensions, plain text
// extensions, unknown extensions, and image descriptors with their local
// colour tables and LZW data byte for byte, in order. Output ends with the
// trailer (0x3B), so bytes after it are dropped.
//
// NOTE: an ICC profile stored in an "ICCRGBG1012" application extension
// is dropped with the other application extensions.
//
// Errors match ErrMalformed: a missing "GIF87a"/"GIF89a" header, a colour
// table or sub-block past the end of data, an unknown block introducer and
// a missing trailer.
func GIF(data []byte) ([]byte, error) {
	if len(data) < gifHeaderSize || (string(data[:6]) != "GIF87a" && string(data[:6]) != "GIF89a") {
		return nil, malformed("gif", "missing GIF87a or GIF89a header and logical screen descriptor")
	}
	pos := gifHeaderSize + colorTableSize(data[10])
	if pos > len(data) {
		return nil, malformed("gif", "global colour table ends at offset %d, past the end of the %d-byte file",
			pos, len(data))
	}
	out := make([]byte, 0, len(data))
	out = append(out, data[:pos]...)

	for {
		if pos >= len(data) {
			return nil, malformed("gif", "missing trailer (0x3B): the file ends at offset %d", pos)
		}
		start := pos
		switch data[pos] {
		case gifImageDescriptor:
			if pos+gifImageDescriptorSize > len(data) {
				return nil, malformed("gif", "image descriptor at offset %d is cut off", pos)
			}
			// The local colour table and the LZW minimum code size byte
			// precede the image data sub-blocks.
			pos += gifImageDescriptorSize + colorTableSize(data[pos+9]) + 1
			end, err := skipSubBlocks(data, pos)
			if err != nil {
				return nil, err
			}
			out = append(out, data[start:end]...)
			pos = end

		case gifExtension:
			if pos+2 > len(data) {
				return nil, malformed("gif", "extension at offset %d has no label", pos)
			}
			label := data[pos+1]
			end, err := skipSubBlocks(data, pos+2)
			if err != nil {
				return nil, err
			}
			if keepGIFExtension(label, data[pos+2:end]) {
				out = append(out, data[start:end]...)
			}
			pos = end

		case gifTrailer:
			return append(out, gifTrailer), nil

		default:
			return nil, malformed("gif", "unknown block introducer 0x%02X at offset %d", data[pos], pos)
		}
	}
}

// colorTableSize returns the byte size of the colour table described by a
// packed fields byte: 3 * 2^(N+1) bytes for size bits N when the table
// flag (0x80) is set, else 0.
func colorTableSize(packed byte) int {
	if packed&gifColorTableFlag == 0 {
		return 0
	}
	return 3 << (packed&0x07 + 1)
}

// skipSubBlocks returns the offset just past the sub-block sequence that
// starts at pos: size-prefixed blocks ended by a zero size byte (GIF89a
// section 15).
func skipSubBlocks(data []byte, pos int) (int, error) {
	for {
		if pos >= len(data) {
			return 0, malformed("gif", "data sub-blocks are cut off at the end of the %d-byte file", len(data))
		}
		size := int(data[pos])
		pos++
		if size == 0 {
			return pos, nil
		}
		pos += size
	}
}

// keepGIFExtension reports whether an extension with this label and
// sub-blocks (everything after the label) survives stripping.
func keepGIFExtension(label byte, subBlocks []byte) bool {
	switch label {
	case gifLabelComment:
		return false
	case gifLabelApplication:
		// The first sub-block is 11 bytes: an 8-byte identifier and a
		// 3-byte authentication code (GIF89a section 26).
		if len(subBlocks) < 12 || subBlocks[0] != 11 {
			return false
		}
		id := string(subBlocks[1:12])
		return id == "NETSCAPE2.0" || id == "ANIMEXTS1.0"
	}
	return true
}
