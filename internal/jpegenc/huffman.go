package jpegenc

import "math/bits"

// maxBlockBytes bounds the entropy-coded size of one block: at most 64
// codes of at most 27 bits (16-bit code and 11 magnitude bits), each byte
// possibly doubled by stuffing, plus the bytes still in the bit buffer.
const maxBlockBytes = 64*27/8*2 + 16

// bitWriter accumulates entropy-coded bits (T.81 Annex F) most significant
// bit first. The low nbits bits of acc are pending; bits above them are
// stale. Whole 32-bit words go to buf as soon as they are complete.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

// appendWord appends the 4 bytes of w, inserting a zero byte after every
// 0xFF byte (byte stuffing, T.81 F.1.2.3) so that no marker appears inside
// entropy-coded data.
func appendWord(buf []byte, w uint32) []byte {
	// The usual test for a zero byte, applied to ^w, finds any 0xFF byte.
	if v := ^w; (v-0x01010101)&^v&0x80808080 != 0 {
		return appendWordStuffed(buf, w)
	}
	return append(buf, byte(w>>24), byte(w>>16), byte(w>>8), byte(w))
}

func appendWordStuffed(buf []byte, w uint32) []byte {
	for shift := 24; shift >= 0; shift -= 8 {
		b := byte(w >> uint(shift))
		buf = append(buf, b)
		if b == 0xff {
			buf = append(buf, 0)
		}
	}
	return buf
}

// reserve makes room for one more block in buf so that appends within the
// block do not reallocate more than once.
func (bw *bitWriter) reserve() {
	if cap(bw.buf)-len(bw.buf) >= maxBlockBytes {
		return
	}
	grown := make([]byte, len(bw.buf), 2*cap(bw.buf)+64*1024)
	copy(grown, bw.buf)
	bw.buf = grown
}

// encodeBlock appends the Huffman codes of one quantized block: the DC
// difference from *pred (T.81 F.1.2.1) and the run-length coded AC
// coefficients (F.1.2.2). zz is in zig-zag order and mask has bit k set
// when zz[k] is not zero. The codes come from Annex K tables, which cover
// DC sizes 0..11 and AC sizes 1..10.
func (bw *bitWriter) encodeBlock(zz *block, mask uint64, pred *int32, dc, ac *huffmanCodes) {
	bw.reserve()
	buf, acc, nbits := bw.buf, bw.acc, bw.nbits

	// DC: the size category of the difference, then its low bits, where a
	// negative value v is sent as v-1 (T.81 F.1.2.1).
	diff := zz[0] - *pred
	*pred = zz[0]
	sign := diff >> 31
	size := uint(bits.Len32(uint32((diff ^ sign) - sign)))
	code := dc[size&0xff]
	n := uint(code&0xff) + size
	acc = acc<<n | uint64(code>>8)<<size | uint64(uint32(diff+sign)&(1<<size-1))
	nbits += n
	if nbits >= 32 {
		nbits -= 32
		buf = appendWord(buf, uint32(acc>>nbits))
	}

	// AC: each nonzero coefficient is coded as RRRRSSSS (run of zeros,
	// size), with ZRL (0xF0) for every 16 zeros beyond 15 and EOB (0x00)
	// after the last nonzero coefficient unless it is the 63rd.
	next := 1
	rest := mask >> 1
	for rest != 0 {
		zeros := bits.TrailingZeros64(rest)
		k := next + zeros
		rest >>= uint(zeros) + 1
		next = k + 1
		for ; zeros >= 16; zeros -= 16 {
			zrl := ac[0xf0]
			n = uint(zrl & 0xff)
			acc = acc<<n | uint64(zrl>>8)
			nbits += n
			if nbits >= 32 {
				nbits -= 32
				buf = appendWord(buf, uint32(acc>>nbits))
			}
		}
		v := zz[k&63]
		sign = v >> 31
		size = uint(bits.Len32(uint32((v ^ sign) - sign)))
		code = ac[(uint(zeros)<<4|size)&0xff]
		n = uint(code&0xff) + size
		acc = acc<<n | uint64(code>>8)<<size | uint64(uint32(v+sign)&(1<<size-1))
		nbits += n
		if nbits >= 32 {
			nbits -= 32
			buf = appendWord(buf, uint32(acc>>nbits))
		}
	}
	if next < 64 {
		eob := ac[0x00]
		n = uint(eob & 0xff)
		acc = acc<<n | uint64(eob>>8)
		nbits += n
		if nbits >= 32 {
			nbits -= 32
			buf = appendWord(buf, uint32(acc>>nbits))
		}
	}
	bw.buf, bw.acc, bw.nbits = buf, acc, nbits
}

// finishSegment pads the pending bits with 1-bits to a byte boundary, as
// T.81 requires before a marker, and writes them out with byte stuffing.
func (bw *bitWriter) finishSegment() {
	pad := (8 - bw.nbits%8) % 8
	acc := bw.acc<<pad | (1<<pad - 1)
	nbits := bw.nbits + pad
	for nbits > 0 {
		nbits -= 8
		b := byte(acc >> nbits)
		bw.buf = append(bw.buf, b)
		if b == 0xff {
			bw.buf = append(bw.buf, 0)
		}
	}
	bw.acc, bw.nbits = 0, 0
}
