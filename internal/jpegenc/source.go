package jpegenc

import "encoding/binary"

// Conversion from RGB to YCbCr with the JFIF equations (ITU-T T.871) in
// 16-bit fixed point. The coefficients of each row sum to exactly 1 (Y) or
// 0 (Cb, Cr), so white and black map to the exact extremes and no result
// leaves 0..255.
const (
	yR  = 19595 // 0.299
	yG  = 38470 // 0.587
	yB  = 7471  // 0.114
	cbR = 11058 // 0.168736, subtracted
	cbG = 21710 // 0.331264, subtracted
	cbB = 32768 // 0.5
	crR = 32768 // 0.5
	crG = 27439 // 0.418688, subtracted
	crB = 5329  // 0.081312, subtracted

	// lumaBias adds one half for rounding.
	lumaBias = 1 << 15
	// chromaBias adds the offset of 128 to a sum of four pixels (18
	// fraction bits) and rounds it. One half minus one keeps the largest Cb
	// and Cr at 255.
	chromaBias = 128<<18 + 1<<17 - 1
)

// loadPlaneBlock fills dst with the 8x8 samples of an 8-bit
// plane whose sample (x, y) is pix[y*stride+x], for 0 <= x < width and
// 0 <= y < height. Positions beyond the right and bottom edges repeat the
// last column and row, which T.81 A.2.4 leaves to the encoder and which
// keeps the padding cheap to code.
func loadPlaneBlock(dst *block, pix []byte, stride, x, y, width, height int) {
	if x+8 <= width && y+8 <= height {
		off := y*stride + x
		for r := 0; r < 64; r += 8 {
			src := pix[off : off+8 : off+8]
			d := dst[r : r+8 : r+8]
			d[0] = int32(src[0])
			d[1] = int32(src[1])
			d[2] = int32(src[2])
			d[3] = int32(src[3])
			d[4] = int32(src[4])
			d[5] = int32(src[5])
			d[6] = int32(src[6])
			d[7] = int32(src[7])
			off += stride
		}
		return
	}
	for r := range 8 {
		row := pix[min(y+r, height-1)*stride:]
		for c := range 8 {
			dst[r*8+c] = int32(row[min(x+c, width-1)])
		}
	}
}

// loadRGBA420 fills the four luma blocks and the Cb and Cr blocks of the
// 4:2:0 MCU whose top left pixel is (x, y) from 4-byte RGBx pixels, where
// pixel (x, y) starts at pix[y*stride+4*x] and the fourth byte is ignored.
// Each chroma sample is converted from the sum of the 2x2 pixels it covers.
// Pixels beyond width and height repeat the last column and row.
func loadRGBA420(blocks *[6]block, pix []byte, stride, x, y, width, height int) {
	if x+16 <= width && y+16 <= height {
		off := y*stride + 4*x
		for cy := range 8 {
			top := pix[off : off+64 : off+64]
			bottom := pix[off+stride : off+stride+64 : off+stride+64]
			convertRowPair(blocks, cy, top, bottom)
			off += 2 * stride
		}
		return
	}

	// Edge MCU: gather the clamped rows into contiguous 64-byte rows.
	var cols [16]int
	for i := range cols {
		cols[i] = 4 * min(x+i, width-1)
	}
	var top, bottom [64]byte
	for cy := range 8 {
		srcTop := pix[min(y+2*cy, height-1)*stride:]
		srcBottom := pix[min(y+2*cy+1, height-1)*stride:]
		for i, c := range cols {
			copy(top[4*i:4*i+3], srcTop[c:c+3])
			copy(bottom[4*i:4*i+3], srcBottom[c:c+3])
		}
		convertRowPair(blocks, cy, top[:], bottom[:])
	}
}

// convertRowPair converts pixel rows 2*cy and 2*cy+1 of a 16x16 MCU, given
// as 64-byte RGBx rows, into luma blocks 0..3 and chroma row cy of blocks
// 4 (Cb) and 5 (Cr).
func convertRowPair(blocks *[6]block, cy int, top, bottom []byte) {
	top = top[:64:64]
	bottom = bottom[:64:64]
	// Luma blocks 0 and 1 cover rows 0..7, blocks 2 and 3 rows 8..15.
	row := (2 * cy & 7) * 8
	cb := blocks[4][cy*8 : cy*8+8 : cy*8+8]
	cr := blocks[5][cy*8 : cy*8+8 : cy*8+8]
	for cx := range 8 {
		// One 8-byte load per pixel pair. Byte i of a little-endian
		// load is byte i of the row.
		t := binary.LittleEndian.Uint64(top[8*cx : 8*cx+8 : 8*cx+8])
		b := binary.LittleEndian.Uint64(bottom[8*cx : 8*cx+8 : 8*cx+8])
		pos := row + (2*cx)&7
		luma := blocks[(cy>>2)*2+cx>>2][pos : pos+10 : pos+10]

		r00, g00, b00 := int32(t&0xff), int32(t>>8&0xff), int32(t>>16&0xff)
		r01, g01, b01 := int32(t>>32&0xff), int32(t>>40&0xff), int32(t>>48&0xff)
		r10, g10, b10 := int32(b&0xff), int32(b>>8&0xff), int32(b>>16&0xff)
		r11, g11, b11 := int32(b>>32&0xff), int32(b>>40&0xff), int32(b>>48&0xff)
		luma[0] = (yR*r00 + yG*g00 + yB*b00 + lumaBias) >> 16
		luma[1] = (yR*r01 + yG*g01 + yB*b01 + lumaBias) >> 16
		luma[8] = (yR*r10 + yG*g10 + yB*b10 + lumaBias) >> 16
		luma[9] = (yR*r11 + yG*g11 + yB*b11 + lumaBias) >> 16

		sr := r00 + r01 + r10 + r11
		sg := g00 + g01 + g10 + g11
		sb := b00 + b01 + b10 + b11
		cb[cx] = (cbB*sb - cbR*sr - cbG*sg + chromaBias) >> 18
		cr[cx] = (crR*sr - crG*sg - crB*sb + chromaBias) >> 18
	}
}
