package jpegdec

import (
	"fmt"
	"math"
)

// Marker codes, T.81 Table B.1.
const (
	markerSOF0 = 0xc0 // baseline DCT, Huffman
	markerSOF1 = 0xc1 // extended sequential DCT, Huffman
	markerSOF2 = 0xc2 // progressive DCT, Huffman
	markerDHT  = 0xc4
	markerDAC  = 0xcc
	markerRST0 = 0xd0
	markerRST7 = 0xd7
	markerSOI  = 0xd8
	markerEOI  = 0xd9
	markerSOS  = 0xda
	markerDQT  = 0xdb
	markerDNL  = 0xdc
	markerDRI  = 0xdd
	markerAPP0 = 0xe0
	markerAPP1 = 0xe1
	markerAPPE = 0xee
	markerAPPF = 0xef
	markerJPG0 = 0xf0
	markerJPGD = 0xfd
	markerCOM  = 0xfe
	markerTEM  = 0x01
)

// Adobe APP14 colour transform codes (Adobe Technical Note 5116).
const (
	adobeTransformNone  = 0 // RGB or CMYK
	adobeTransformYCbCr = 1
	adobeTransformYCCK  = 2
)

type component struct {
	id   byte
	h, v int // sampling factors, T.81 B.2.2
	tq   int // quantisation table selector

	// bw, bh count the blocks that hold image data (T.81 A.2.2): a
	// non-interleaved scan codes exactly these. bwPad, bhPad count the blocks
	// of the MCU grid, which interleaved scans code.
	bw, bh       int
	bwPad, bhPad int

	// qAAN is the quantisation table in natural order, pre-multiplied by the
	// AAN scale factors (see idct.go); qPlain is the same table unscaled.
	qAAN   [64]int32
	qPlain [64]int32
	qSet   bool

	// coef holds all quantised coefficients (bwPad*bhPad blocks of 64 in
	// natural order) for progressive and multi-scan sequential frames.
	coef []int16
	// lastNZ holds, per block of a progressive frame, the largest zigzag
	// index of a non-zero AC coefficient so far, so refinement scans can
	// stop early inside end-of-band runs.
	lastNZ []uint8

	// plane is the decoded component, stride bytes a row, with bsx x bsy
	// samples a block (each 8, 4, 2 or 1; they differ only for components
	// that upsample.go resamples).
	plane    []byte
	stride   int
	bsx, bsy int

	dcPred int32
	dcTbl  *huffTable
	acTbl  *huffTable
}

type decoder struct {
	data []byte
	pos  int

	scale     int
	blockSize int // 8/scale: output pixels per block side, 0 in DecodeConfig
	workers   int

	// Frame (SOF) state.
	sofSeen     bool
	progressive bool
	width       int
	height      int
	ncomp       int
	comps       [4]component
	hmax, vmax  int
	mcux, mcuy  int
	// upsample marks a sampling layout that the subsampled output types
	// cannot represent: buildImage then resamples every component to full
	// resolution and returns *image.RGBA or *image.CMYK (upsample.go).
	upsample bool

	jfif           bool
	adobe          bool
	adobeTransform byte

	quant    [4][64]uint16 // natural order
	quantSet [4]bool
	dcTables [4]huffTable
	acTables [4]huffTable

	restartInterval int

	// Scan state.
	scanCount  int
	allocated  bool
	streamed   bool // the only scan was decoded straight to pixels
	buffered   bool // coefficients are kept in comp.coef until EOI
	eobrun     int
	scanComps  [4]*component
	nScanComps int
	br         bitReader
}

// readHeaders walks the marker segments (T.81 B.2, B.3). With configOnly it
// stops at the first SOS; otherwise it decodes every scan up to EOI.
func (d *decoder) readHeaders(configOnly bool) error {
	if len(d.data) < 2 || d.data[0] != 0xff || d.data[1] != markerSOI {
		return formatErr("missing SOI marker at offset 0")
	}
	d.pos = 2
	for {
		marker, err := d.nextMarker()
		if err != nil {
			return err
		}
		switch {
		case marker == markerEOI:
			if configOnly && !d.sofSeen {
				return formatErr("missing SOF marker before EOI")
			}
			if configOnly {
				return nil
			}
			return d.finishFrame()
		case marker >= markerRST0 && marker <= markerRST7, marker == markerTEM:
			// Standalone markers without a length (B.1.1.3). A stray RST
			// after the last interval is a harmless encoder mistake.
			continue
		}

		seg, err := d.readSegment(marker)
		if err != nil {
			return err
		}
		switch {
		case marker == markerSOF0 || marker == markerSOF1 || marker == markerSOF2:
			if err := d.parseSOF(marker, seg); err != nil {
				return err
			}
		case marker >= 0xc3 && marker <= 0xcf && marker != markerDHT && marker != markerDAC && marker != 0xc8:
			return unsupportedErr(sofName(marker))
		case marker == markerDHT:
			if !configOnly {
				if err := d.parseDHT(seg); err != nil {
					return err
				}
			}
		case marker == markerDQT:
			if !configOnly {
				if err := d.parseDQT(seg); err != nil {
					return err
				}
			}
		case marker == markerDRI:
			if err := d.parseDRI(seg); err != nil {
				return err
			}
		case marker == markerSOS:
			if !d.sofSeen {
				return formatErr("SOS marker before any SOF marker")
			}
			if configOnly {
				return nil
			}
			if err := d.decodeScan(seg); err != nil {
				return err
			}
		case marker == markerAPP0:
			d.parseAPP0(seg)
		case marker == markerAPPE:
			d.parseAPP14(seg)
		case marker >= markerAPP1 && marker <= markerAPPF, marker == markerCOM,
			marker >= markerJPG0 && marker <= markerJPGD, marker == markerDAC,
			marker == markerDNL, marker == 0xc8:
			// Application data, comments and reserved extensions carry
			// nothing the decoder needs. DAC only matters with arithmetic
			// coding, which the SOF check rejects.
		case marker == 0xde || marker == 0xdf:
			return unsupportedErr("hierarchical mode (DHP/EXP markers)")
		default:
			return formatErr(fmt.Sprintf("unknown marker 0x%02x at offset %d", marker, d.pos-4))
		}
	}
}

func sofName(marker byte) string {
	switch marker {
	case 0xc3:
		return "lossless JPEG (SOF3)"
	case 0xc5, 0xc6, 0xc7:
		return fmt.Sprintf("hierarchical JPEG (SOF%d)", marker-0xc0)
	default:
		return fmt.Sprintf("arithmetic coding (SOF%d)", marker-0xc0)
	}
}

// nextMarker skips to the next marker and returns its code. Bytes that are
// not part of a marker are skipped, as libjpeg and image/jpeg do, and so are
// fill bytes 0xFF before a marker (B.1.1.2).
func (d *decoder) nextMarker() (byte, error) {
	for {
		if d.pos+1 >= len(d.data) {
			return 0, fmt.Errorf("%w: no EOI marker before the end of the file", ErrTruncated)
		}
		if d.data[d.pos] != 0xff {
			d.pos++
			continue
		}
		m := d.data[d.pos+1]
		if m == 0xff {
			d.pos++
			continue
		}
		d.pos += 2
		if m == 0 {
			continue // a stuffed 0xFF00 outside a scan is extraneous data
		}
		return m, nil
	}
}

// readSegment returns the payload of the marker segment at d.pos, whose first
// two bytes give its length including themselves (B.1.1.4).
func (d *decoder) readSegment(marker byte) ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, fmt.Errorf("%w: segment length of marker 0x%02x is cut off", ErrTruncated, marker)
	}
	n := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	if n < 2 {
		return nil, formatErr(fmt.Sprintf("segment length %d of marker 0x%02x is below 2", n, marker))
	}
	end := d.pos + n
	if end > len(d.data) {
		return nil, fmt.Errorf("%w: segment of marker 0x%02x needs %d bytes, %d remain", ErrTruncated, marker, n, len(d.data)-d.pos)
	}
	seg := d.data[d.pos+2 : end]
	d.pos = end
	return seg, nil
}

// parseSOF reads a frame header (B.2.2) and derives the MCU grid and each
// component's block counts from the sampling factors.
func (d *decoder) parseSOF(marker byte, seg []byte) error {
	if d.sofSeen {
		return formatErr("more than one SOF marker")
	}
	if len(seg) < 6 {
		return formatErr(fmt.Sprintf("SOF segment of %d bytes is shorter than 6", len(seg)))
	}
	if seg[0] != 8 {
		return unsupportedErr(fmt.Sprintf("%d-bit sample precision", seg[0]))
	}

	d.progressive = marker == markerSOF2
	d.height = int(seg[1])<<8 | int(seg[2])
	d.width = int(seg[3])<<8 | int(seg[4])
	n := int(seg[5])
	if d.width == 0 {
		return formatErr("frame width is 0")
	}
	if d.height == 0 {
		return unsupportedErr("frame height 0, which defers the height to a DNL marker")
	}
	if n != 1 && n != 3 && n != 4 {
		return unsupportedErr(fmt.Sprintf("%d components (only 1, 3 and 4 are decoded)", n))
	}
	if len(seg) != 6+3*n {
		return formatErr(fmt.Sprintf("SOF segment is %d bytes, want %d for %d components", len(seg), 6+3*n, n))
	}

	d.ncomp = n
	for i := 0; i < n; i++ {
		c := &d.comps[i]
		c.id = seg[6+3*i]
		for j := 0; j < i; j++ {
			if d.comps[j].id == c.id {
				return formatErr(fmt.Sprintf("component identifier %d repeats in SOF", c.id))
			}
		}
		c.h = int(seg[7+3*i] >> 4)
		c.v = int(seg[7+3*i] & 15)
		c.tq = int(seg[8+3*i])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return formatErr(fmt.Sprintf("component %d sampling factors %dx%d are outside 1..4", i, c.h, c.v))
		}
		if c.tq > 3 {
			return formatErr(fmt.Sprintf("component %d quantisation table %d is above 3", i, c.tq))
		}
	}
	d.classifySampling()

	d.hmax, d.vmax = 1, 1
	for i := 0; i < n; i++ {
		d.hmax = max(d.hmax, d.comps[i].h)
		d.vmax = max(d.vmax, d.comps[i].v)
	}
	d.mcux = ceilDiv(d.width, 8*d.hmax)
	d.mcuy = ceilDiv(d.height, 8*d.vmax)
	for i := 0; i < n; i++ {
		c := &d.comps[i]
		// A.1.1: component size is ceil(X*H/Hmax) by ceil(Y*V/Vmax).
		c.bw = ceilDiv(ceilDiv(d.width*c.h, d.hmax), 8)
		c.bh = ceilDiv(ceilDiv(d.height*c.v, d.vmax), 8)
		c.bwPad = d.mcux * c.h
		c.bhPad = d.mcuy * c.v
		c.bsx, c.bsy = d.componentBlockSize(c)
	}
	d.sofSeen = true
	return nil
}

// classifySampling decides how the output image is built from the
// component planes. Layouts that *image.YCbCr, *image.Gray or the direct
// CMYK conversion can represent (the set image/jpeg accepts) keep those
// types. Every other layout that T.81 A.1.1 allows (Hi and Vi from 1 to 4)
// sets d.upsample, so that buildImage resamples each plane to full
// resolution (upsample.go).
func (d *decoder) classifySampling() {
	c := &d.comps
	d.upsample = false
	switch d.ncomp {
	case 1:
		// A single component is non-interleaved, so its MCU is one block
		// whatever its H and V values are (A.2.2, 4.8.2).
		c[0].h, c[0].v = 1, 1
	case 3:
		y, cb, cr := c[0], c[1], c[2]
		// image.YCbCr has horizontal chroma ratios 1, 2 and 4 and vertical
		// ratios 1 and 2, with one ratio shared by Cb and Cr.
		ratioOK := y.h%cb.h == 0 && y.v%cb.v == 0 && y.h != 3 && y.v != 3 && y.v != 4
		d.upsample = !ratioOK || cb.h != cr.h || cb.v != cr.v
	case 4:
		hv := func(i int) int { return c[i].h<<4 | c[i].v }
		ok := (hv(0) == 0x11 || hv(0) == 0x22) && hv(1) == 0x11 && hv(2) == 0x11 && hv(3) == hv(0)
		d.upsample = !ok
	}
}

// componentBlockSize returns the width and height of a component's blocks
// in its decoded plane. Both are d.blockSize, except for a component that
// d.upsample resamples at a reduced scale: there a chroma plane at 1/3 of
// the luma width decoded at Scale 4 would hold only 1/12 of the image's
// columns. So along each axis the block side grows by the power of two
// nearest to the subsampling ratio (Hmax/H or Vmax/V, nearest in log2,
// ties to the smaller), up to the full 8 samples. The plane then holds at
// most sqrt(2) times the samples the output needs along either axis.
func (d *decoder) componentBlockSize(c *component) (int, int) {
	bs := d.blockSize
	if !d.upsample || bs == 0 {
		return bs, bs
	}
	return growBlockSide(bs, d.hmax, c.h), growBlockSide(bs, d.vmax, c.v)
}

// growBlockSide returns bs times the power of two nearest to fmax/f in
// log2, at most 8.
func growBlockSide(bs, fmax, f int) int {
	ratio := math.Log2(float64(fmax) / float64(f))
	best, bestErr := bs, math.Inf(1)
	for k := 0; bs<<k <= 8; k++ {
		if e := math.Abs(float64(k) - ratio); e < bestErr-1e-9 {
			best, bestErr = bs<<k, e
		}
	}
	return best
}

// parseDQT reads quantisation tables (B.2.4.1). Tables arrive in zigzag
// order and are stored in natural order.
func (d *decoder) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, int(seg[0]&15)
		if tq > 3 {
			return formatErr(fmt.Sprintf("DQT table identifier %d is above 3", tq))
		}
		seg = seg[1:]
		switch pq {
		case 0:
			if len(seg) < 64 {
				return formatErr("DQT segment ends inside an 8-bit table")
			}
			for k := 0; k < 64; k++ {
				d.quant[tq][zigzag[k]] = uint16(seg[k])
			}
			seg = seg[64:]
		case 1:
			if len(seg) < 128 {
				return formatErr("DQT segment ends inside a 16-bit table")
			}
			for k := 0; k < 64; k++ {
				d.quant[tq][zigzag[k]] = uint16(seg[2*k])<<8 | uint16(seg[2*k+1])
			}
			seg = seg[128:]
		default:
			return formatErr(fmt.Sprintf("DQT precision %d is neither 0 nor 1", pq))
		}
		d.quantSet[tq] = true
	}
	return nil
}

// parseDHT reads Huffman tables (B.2.4.2).
func (d *decoder) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return formatErr("DHT segment ends inside a table header")
		}
		tc, th := seg[0]>>4, int(seg[0]&15)
		if tc > 1 || th > 3 {
			return formatErr(fmt.Sprintf("DHT class %d / identifier %d out of range", tc, th))
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total == 0 || total > 256 {
			return formatErr(fmt.Sprintf("DHT table has %d codes, want 1 to 256", total))
		}
		if len(seg) < 17+total {
			return formatErr("DHT segment ends inside a table's values")
		}
		values := seg[17 : 17+total]
		t := &d.dcTables[th]
		if tc == 1 {
			t = &d.acTables[th]
		}
		if err := t.build(&counts, values, tc == 1); err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

// parseDRI reads the restart interval in MCUs (B.2.4.4); 0 disables restarts.
func (d *decoder) parseDRI(seg []byte) error {
	if len(seg) != 2 {
		return formatErr(fmt.Sprintf("DRI segment is %d bytes, want 2", len(seg)))
	}
	d.restartInterval = int(seg[0])<<8 | int(seg[1])
	return nil
}

func (d *decoder) parseAPP0(seg []byte) {
	if len(seg) >= 5 && string(seg[:5]) == "JFIF\x00" {
		d.jfif = true
	}
}

// parseAPP14 reads Adobe's colour transform flag (Adobe Technical Note 5116):
// the segment starts "Adobe", and byte 11 is the transform.
func (d *decoder) parseAPP14(seg []byte) {
	if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
		d.adobe = true
		d.adobeTransform = seg[11]
	}
}

// isRGB reports a 3-component file whose components are R, G and B rather
// than YCbCr, with the rules of image/jpeg. A JFIF marker means YCbCr and an
// Adobe transform of 0 means RGB. Otherwise component identifiers 'R', 'G'
// and 'B' mean RGB.
func (d *decoder) isRGB() bool {
	if d.ncomp != 3 || d.jfif {
		return false
	}
	if d.adobe && d.adobeTransform == adobeTransformNone {
		return true
	}
	return d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B'
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// zigzag maps the zigzag index k of T.81 Figure A.6 to the natural
// (row-major) index within an 8x8 block.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}
