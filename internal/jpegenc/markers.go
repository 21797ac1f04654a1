package jpegenc

// Marker codes (T.81 Table B.1).
const (
	markerSOF0 = 0xc0 // baseline DCT frame
	markerDHT  = 0xc4
	markerRST0 = 0xd0 // RST0..RST7 are 0xd0..0xd7
	markerSOI  = 0xd8
	markerEOI  = 0xd9
	markerSOS  = 0xda
	markerDQT  = 0xdb
	markerDRI  = 0xdd
	markerAPP0 = 0xe0
)

// appendSegmentStart appends a marker and the length field of a segment
// whose parameters (after the length field) take n bytes (T.81 B.1.1.4).
func appendSegmentStart(b []byte, marker byte, n int) []byte {
	length := n + 2
	return append(b, 0xff, marker, byte(length>>8), byte(length))
}

// writeHeader fills e.header with everything up to the entropy-coded data.
func (e *encoder) writeHeader() {
	b := e.headerStorage[:0]
	b = append(b, 0xff, markerSOI)

	// JFIF APP0 (ITU-T T.871): version 1.02, no units, 1:1 pixel
	// aspect ratio, no thumbnail.
	b = appendSegmentStart(b, markerAPP0, 14)
	b = append(b, 'J', 'F', 'I', 'F', 0, 1, 2, 0, 0, 1, 0, 1, 0, 0)

	// DQT (B.2.4.1): 8-bit tables, 0 for luma and 1 for chroma.
	tables := 1
	if e.components == 3 {
		tables = 2
	}
	b = appendSegmentStart(b, markerDQT, 65*tables)
	for i := range tables {
		b = append(b, byte(i))
		b = append(b, e.quant[i].zigzag[:]...)
	}

	// SOF0 (B.2.2): 8-bit precision, component 1 is Y with the luma
	// sampling factors, components 2 and 3 are Cb and Cr at 1x1.
	b = appendSegmentStart(b, markerSOF0, 6+3*e.components)
	b = append(b, 8, byte(e.height>>8), byte(e.height), byte(e.width>>8), byte(e.width), byte(e.components))
	b = append(b, 1, byte(e.lumaH<<4|e.lumaV), 0)
	if e.components == 3 {
		b = append(b, 2, 0x11, 1, 3, 0x11, 1)
	}

	// DHT (B.2.4.2): the Annex K tables, destination 0 for luma and 1 for
	// chroma.
	n := 0
	for dst := range tables {
		for class := range 2 {
			n += 17 + len(standardHuffman[dst][class].values)
		}
	}
	b = appendSegmentStart(b, markerDHT, n)
	for dst := range tables {
		for class := range 2 {
			spec := &standardHuffman[dst][class]
			b = append(b, byte(class<<4|dst))
			b = append(b, spec.counts[:]...)
			b = append(b, spec.values...)
		}
	}

	// DRI (B.2.4.4): one restart interval per MCU row, so that rows can be
	// coded independently. A single row needs no restarts.
	if e.mcusY > 1 {
		b = appendSegmentStart(b, markerDRI, 2)
		b = append(b, byte(e.mcusX>>8), byte(e.mcusX))
	}

	// SOS (B.2.3): all components in one scan, full spectral range.
	b = appendSegmentStart(b, markerSOS, 4+2*e.components)
	b = append(b, byte(e.components), 1, 0x00)
	if e.components == 3 {
		b = append(b, 2, 0x11, 3, 0x11)
	}
	b = append(b, 0, 63, 0)
	e.header = b
}
