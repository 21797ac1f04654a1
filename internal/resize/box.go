package resize

import "encoding/binary"

// The box pre-shrink reduces each block of boxX×boxY source pixels to one
// value per channel: its sum, or its mean for large blocks. The sums use
// SIMD-within-a-register arithmetic: a uint64 holds four 16-bit lanes, and
// masking every other byte of an 8-byte load spreads those bytes into the
// lanes, so one addition sums four bytes. A 16-bit lane holds the sum of
// up to 257 bytes (257·255 = 65535), so the lane path serves blocks of at
// most lanePixels pixels, and larger blocks use 32-bit sums.

// lanePixels is the largest block, in pixels, whose per-channel sum fits
// a 16-bit lane.
const lanePixels = 257

// maxBox bounds the box factor so that a block sum stays below 2^26 and the
// block size below 2^20, the range where divider is exact.
const maxBox = 512

const evenBytes = 0x00ff00ff00ff00ff

// boxScratch holds the per-band buffers of the box pre-shrink.
type boxScratch struct {
	lanes bool
	// rows holds the source rows of the current block row.
	rows [][]byte
	// even and odd hold column sums, see columnSums, and zero is a row
	// of zero bytes that pads a group of rows.
	even, odd []uint64
	zero      []byte
	// sums16 holds, for the lane path and one channel, the column sums
	// of one block row.
	sums16 []uint16
	// sums32 holds the per-byte column sums of the 32-bit path.
	sums32 []uint32
	// out is the pre-shrunk row as bytes on the 32-bit path.
	out []byte
	// gray is the pre-shrunk row of a one-channel source.
	gray []uint16
}

func newBoxScratch(j *job) *boxScratch {
	b := &boxScratch{
		lanes: j.boxX*j.boxY <= lanePixels,
		rows:  make([][]byte, j.boxY),
		out:   make([]byte, j.boxW*j.channels),
	}
	switch {
	case !b.lanes:
		b.sums32 = make([]uint32, j.src.w*j.channels)
	case j.channels == 1:
		b.sums16 = make([]uint16, j.src.w)
	}
	if j.channels == 1 {
		b.gray = make([]uint16, j.boxW)
	}
	if b.lanes {
		// One more word takes the last pixel of an odd-width RGBA row.
		words := j.src.w*j.channels/8 + 1
		b.even = make([]uint64, words)
		b.odd = make([]uint64, words)
		b.zero = make([]byte, words*8)
	}
	return b
}

// sourceRows points b.rows at the source rows of block row r and returns
// them.
func (b *boxScratch) sourceRows(j *job, r int) [][]byte {
	y0 := r * j.boxY
	y1 := min(y0+j.boxY, j.src.h)
	rows := b.rows[:y1-y0]
	n := j.src.w * j.channels
	for i := range rows {
		rows[i] = j.src.pix[(y0+i)*j.src.stride:][:n]
	}
	return rows
}

// rowGray returns block row r of a one-channel source. On the lane path
// each value is the sum of its block. Sums of the smaller blocks at the
// right and bottom edges are scaled to a full block of boxX×boxY samples,
// and the horizontal pass divides by the block size (see job.hNorm). On the 32-bit
// path it is the rounded mean.
func (b *boxScratch) rowGray(j *job, r int) []uint16 {
	rows := b.sourceRows(j, r)
	out := b.gray[:j.boxW]
	if !b.lanes {
		b.row32(j, rows)
		for i, v := range b.out {
			out[i] = uint16(v)
		}
		return out
	}
	sums := b.sums16
	words := len(sums) / 8
	b.columnSums(rows, words)
	for i, even := range b.even[:words] {
		odd := b.odd[i]
		s := sums[i*8 : i*8+8 : i*8+8]
		s[0] = uint16(even)
		s[1] = uint16(odd)
		s[2] = uint16(even >> 16)
		s[3] = uint16(odd >> 16)
		s[4] = uint16(even >> 32)
		s[5] = uint16(odd >> 32)
		s[6] = uint16(even >> 48)
		s[7] = uint16(odd >> 48)
	}
	for x := words * 8; x < len(sums); x++ {
		var s uint16
		for _, in := range rows {
			s += uint16(in[x])
		}
		sums[x] = s
	}

	k := j.boxX
	size := j.boxX * j.boxY
	fullBlock := len(rows)*k == size
	for bx := range out {
		x0 := bx * k
		x1 := min(x0+k, len(sums))
		var s uint32
		for _, v := range sums[x0:x1] {
			s += uint32(v)
		}
		if !fullBlock || x1-x0 != k {
			s = newDivider(len(rows) * (x1 - x0)).quotient(s * uint32(size))
		}
		out[bx] = uint16(s)
	}
	return out
}

// rowRGBA stores block row r of an RGBA source into wide as packed (R, B)
// and (G, A) values. On the lane path each channel is the sum of its
// block, scaled to a full block of boxX×boxY pixels for the smaller blocks
// at the right and bottom edges. The horizontal pass then divides by the
// block size (see job.hNorm), which saves a division per channel and keeps
// the fraction of the mean. On the 32-bit path it is the rounded mean.
func (b *boxScratch) rowRGBA(wide [][2]int64, j *job, r int) {
	rows := b.sourceRows(j, r)
	if !b.lanes {
		b.row32(j, rows)
		spreadRGBA(wide, b.out)
		return
	}
	pairs := j.src.w / 2
	b.columnSums(rows, pairs)
	even, odd := b.even[:pairs+1], b.odd[:pairs+1]
	if j.src.w%2 == 1 {
		// An odd width leaves one pixel after the last whole word. Its
		// sums go to the low half of one more word, as for an even
		// pixel.
		x := j.src.w - 1
		var e, o uint64
		for _, in := range rows {
			p := uint64(binary.LittleEndian.Uint32(in[x*4:]))
			e += p&0xff | (p>>16&0xff)<<16
			o += p>>8&0xff | (p>>24)<<16
		}
		even[pairs], odd[pairs] = e, o
	}

	// Pixel x has its R and B sums in the 32-bit half x&1 of even[x/2],
	// and its G and A sums in the same half of odd[x/2].
	k := j.boxX
	fullBlock := len(rows)*k == j.boxX*j.boxY
	wide = wide[:j.boxW]
	for bx := range wide {
		x0 := bx * k
		x1 := min(x0+k, j.src.w)
		var e, o uint64
		x := x0
		if x&1 == 1 {
			e += even[x>>1] >> 32
			o += odd[x>>1] >> 32
			x++
		}
		for ; x+1 < x1; x += 2 {
			e += even[x>>1]
			o += odd[x>>1]
		}
		if x < x1 {
			e += even[x>>1] & 0xffffffff
			o += odd[x>>1] & 0xffffffff
		}
		e = e&0xffffffff + e>>32
		o = o&0xffffffff + o>>32
		if !fullBlock || x1-x0 != k {
			e, o = b.scaleEdge(e, o, len(rows)*(x1-x0), j.boxX*j.boxY)
		}
		wide[bx] = [2]int64{
			pack(int64(e&0xffff), int64(e>>16)),
			pack(int64(o&0xffff), int64(o>>16)),
		}
	}
}

// scaleEdge scales the two 16-bit lanes of e and of o, sums of n pixels,
// to the rounded sums of full blocks of size pixels.
func (b *boxScratch) scaleEdge(e, o uint64, n, size int) (uint64, uint64) {
	div := newDivider(n)
	f := uint32(size)
	scale := func(v uint64) uint64 {
		lo := uint64(div.quotient(uint32(v&0xffff) * f))
		hi := uint64(div.quotient(uint32(v>>16) * f))
		return lo | hi<<16
	}
	return scale(e), scale(o)
}

// columnSums sets b.even and b.odd to the column sums of the first words
// 8-byte words of rows, of which there are at most lanePixels. b.even[i]
// contains bytes 0, 2, 4 and 6 of word i in its 16-bit lanes, and b.odd[i]
// bytes 1, 3, 5 and 7.
// Rows are read four at a time, with the zero row standing in for missing
// ones, because summing in registers across rows is about twice as fast as
// adding one row at a time into memory.
func (b *boxScratch) columnSums(rows [][]byte, words int) {
	n := words * 8
	even, odd := b.even[:words], b.odd[:words]
	zero := b.zero[:n]
	for k := 0; k < len(rows); k += 4 {
		var group [4][]byte
		for g := range group {
			if k+g < len(rows) {
				group[g] = rows[k+g][:n]
			} else {
				group[g] = zero
			}
		}
		r0, r1, r2, r3 := group[0][:n], group[1][:n], group[2][:n], group[3][:n]
		first := k == 0
		for i := range even {
			v0 := binary.LittleEndian.Uint64(r0[i*8:])
			v1 := binary.LittleEndian.Uint64(r1[i*8:])
			v2 := binary.LittleEndian.Uint64(r2[i*8:])
			v3 := binary.LittleEndian.Uint64(r3[i*8:])
			e := v0&evenBytes + v1&evenBytes + v2&evenBytes + v3&evenBytes
			o := v0>>8&evenBytes + v1>>8&evenBytes + v2>>8&evenBytes + v3>>8&evenBytes
			if !first {
				e += even[i]
				o += odd[i]
			}
			even[i] = e
			odd[i] = o
		}
	}
}

// row32 averages blocks of any size up to maxBox×maxBox into b.out with
// 32-bit sums.
func (b *boxScratch) row32(j *job, rows [][]byte) {
	sums := b.sums32
	clear(sums)
	for _, in := range rows {
		for i, v := range in {
			sums[i] += uint32(v)
		}
	}
	c := j.channels
	k := j.boxX
	full := newDivider(len(rows) * k)
	for bx := range j.boxW {
		x0 := bx * k
		x1 := min(x0+k, j.src.w)
		div := full
		if x1-x0 != k {
			div = newDivider(len(rows) * (x1 - x0))
		}
		for ch := range c {
			var s uint32
			for x := x0; x < x1; x++ {
				s += sums[x*c+ch]
			}
			b.out[bx*c+ch] = div.apply(s)
		}
	}
}

// divider divides by d with rounding to nearest (halves up) through a
// multiplication by ceil(2^48/d). With e = ceil(2^48/d)·d − 2^48 < d, the
// quotient is exact while n·e < 2^48, which holds for every dividend n
// with n·d < 2^48. That covers every sum of at most d bytes when d < 2^20.
type divider struct {
	half uint64
	mul  uint64
}

func newDivider(d int) divider {
	return divider{half: uint64(d / 2), mul: (1<<48 + uint64(d) - 1) / uint64(d)}
}

// apply returns round(s/d) for a sum s of at most d bytes.
func (d divider) apply(s uint32) uint8 {
	return uint8(d.quotient(s))
}

// quotient returns round(s/d) for s < 2^16·d (so that (s+d/2)·mul fits
// 64 bits) and s·d < 2^48.
func (d divider) quotient(s uint32) uint32 {
	return uint32((uint64(s) + d.half) * d.mul >> 48)
}
