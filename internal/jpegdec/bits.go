package jpegdec

import (
	"encoding/binary"
	"fmt"
)

// bitReader reads entropy-coded data (T.81 F.2.2.5) MSB first through a
// 64-bit buffer. The valid bits sit at the top of acc. The bits below the
// top nbits are either zero or copies of the bytes that follow, so a refill
// may OR bytes in again.
//
// Byte stuffing (B.1.1.5) is removed on refill: 0xFF 0x00 yields 0xFF. At a
// marker or at the end of data the reader appends zero bytes instead and
// counts them in padBits, so decoding never stops mid-symbol. The code that
// ends a restart interval or scan calls overrun to check that no padding was
// consumed.
type bitReader struct {
	data    []byte
	pos     int
	acc     uint64
	nbits   uint
	padBits uint
}

func (br *bitReader) reset(pos int) {
	br.pos = pos
	br.acc = 0
	br.nbits = 0
	br.padBits = 0
}

// overrun reports whether decoding consumed bits past the end of the
// entropy-coded segment, which means truncated or corrupt data.
func (br *bitReader) overrun() bool { return br.padBits > br.nbits }

// refill tops up the buffer to at least 57 bits. The fast path loads 8 bytes
// at once when none of them is 0xFF, because then no stuffing or marker is
// among them. decodeBlock repeats the fast path inline.
func (br *bitReader) refill(acc uint64, nbits uint, pos int) (uint64, uint, int) {
	if pos+8 <= len(br.data) {
		x := binary.BigEndian.Uint64(br.data[pos:])
		// Detect a 0xFF byte: x has one exactly when ^x has a zero byte.
		if (^x-0x0101010101010101)&x&0x8080808080808080 == 0 {
			n := (64 - nbits) >> 3
			return acc | x>>nbits, nbits + n<<3, pos + int(n)
		}
	}
	return br.refillSlow(acc, nbits, pos)
}

func (br *bitReader) refillSlow(acc uint64, nbits uint, pos int) (uint64, uint, int) {
	for nbits <= 56 {
		if br.padBits > 0 || pos >= len(br.data) {
			br.padBits += 8
			nbits += 8
			continue
		}
		b := br.data[pos]
		if b == 0xff {
			if pos+1 < len(br.data) && br.data[pos+1] == 0 {
				pos += 2
			} else {
				// A marker ends the segment; leave pos on it.
				br.padBits += 8
				nbits += 8
				continue
			}
		} else {
			pos++
		}
		acc |= uint64(b) << (56 - nbits)
		nbits += 8
	}
	return acc, nbits, pos
}

// ensure makes at least 32 bits available in the fields.
func (br *bitReader) ensure() {
	if br.nbits < 32 {
		br.acc, br.nbits, br.pos = br.refill(br.acc, br.nbits, br.pos)
	}
}

// bits reads n (0 to 16) raw bits; the caller has called ensure.
func (br *bitReader) bits(n uint) uint64 {
	v := br.acc >> (64 - n) // 0 when n is 0
	br.acc <<= n
	br.nbits -= n
	return v
}

// decodeHuff decodes one symbol; the caller has called ensure.
func (br *bitReader) decodeHuff(t *huffTable) (int, error) {
	e := t.lookup[br.acc>>(64-lookupBits)]
	if e != 0 {
		l := uint(e >> 8)
		br.acc <<= l
		br.nbits -= l
		return int(e & 0xff), nil
	}
	v, l := t.decodeSlow(br.acc)
	if l == 0 {
		return 0, errBadCode
	}
	br.acc <<= l
	br.nbits -= l
	return v, nil
}

var errBadCode = formatErr("entropy-coded data contains a bit string that is not a Huffman code of the table in use")

func errBadMagnitude(s int) error {
	return formatErr(fmt.Sprintf("coefficient magnitude category %d exceeds 16", s))
}

var errTooManyCoefs = formatErr("run of zero coefficients goes past the end of a block")

// decodeBlock decodes one block of a sequential scan into blk in natural
// order (F.2.2.1 for the DC difference, F.2.2.2 and Figure F.13 for the AC
// coefficients). blk must be all zeros on entry. It returns the zigzag index
// of the last non-zero coefficient written, 0 when only DC is present.
//
// The bit buffer lives in locals for the duration of the block, and the
// fastAC table decodes most run/value pairs with one lookup.
func (br *bitReader) decodeBlock(blk *[64]int16, dc, ac *huffTable, pred *int32) (int, error) {
	acc, nbits, pos := br.acc, br.nbits, br.pos
	data := br.data
	if nbits < 32 {
		acc, nbits, pos = br.refill(acc, nbits, pos)
	}

	// DC: a magnitude category s, then s bits of the difference from the
	// previous block's DC (F.2.2.1).
	var s uint
	if e := dc.lookup[acc>>(64-lookupBits)]; e != 0 {
		l := uint(e >> 8)
		s = uint(e & 0xff)
		acc <<= l
		nbits -= l
	} else {
		v, l := dc.decodeSlow(acc)
		if l == 0 {
			return 0, errBadCode
		}
		s = uint(v)
		acc <<= l
		nbits -= l
	}
	if s > 0 {
		if s > 16 {
			return 0, errBadMagnitude(int(s))
		}
		*pred += extend(acc>>(64-s), s)
		acc <<= s
		nbits -= s
	}
	blk[0] = int16(*pred)

	// AC: run/size symbols until EOB or coefficient 63 (Figure F.13).
	last := 0
	for k := 1; k < 64; {
		if nbits < 32 {
			// The fast path of refill, written out: the compiler does not
			// inline refill, and this is the hottest loop of the decoder.
			if pos+8 <= len(data) {
				x := binary.BigEndian.Uint64(data[pos:])
				if (^x-0x0101010101010101)&x&0x8080808080808080 == 0 {
					n := (64 - nbits) >> 3
					acc |= x >> nbits
					nbits += n << 3
					pos += int(n)
				} else {
					acc, nbits, pos = br.refillSlow(acc, nbits, pos)
				}
			} else {
				acc, nbits, pos = br.refillSlow(acc, nbits, pos)
			}
		}
		if fa := ac.fastAC[acc>>(64-lookupBits)]; fa != 0 {
			k += int(fa>>8) & 15
			l := uint(fa & 0xff)
			acc <<= l
			nbits -= l
			if k > 63 {
				return 0, errTooManyCoefs
			}
			blk[zigzag[k]&63] = int16(fa >> 16)
			last = k
			k++
			continue
		}
		var rs int
		if e := ac.lookup[acc>>(64-lookupBits)]; e != 0 {
			l := uint(e >> 8)
			rs = int(e & 0xff)
			acc <<= l
			nbits -= l
		} else {
			v, l := ac.decodeSlow(acc)
			if l == 0 {
				return 0, errBadCode
			}
			rs = v
			acc <<= l
			nbits -= l
		}
		s := uint(rs & 15)
		if s == 0 {
			if rs != 0xf0 {
				break // EOB
			}
			k += 16 // ZRL: sixteen zero coefficients
			continue
		}
		k += rs >> 4
		if k > 63 {
			return 0, errTooManyCoefs
		}
		blk[zigzag[k]&63] = int16(extend(acc>>(64-s), s))
		acc <<= s
		nbits -= s
		last = k
		k++
	}
	br.acc, br.nbits, br.pos = acc, nbits, pos
	return last, nil
}
