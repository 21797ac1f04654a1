package pngenc

import "encoding/binary"

// PNG filter types of filter method 0. Each filtered byte is
// the raw byte minus a prediction from a (the byte bpp to the left), b
// (the byte above) and c (the byte above a), modulo 256. Bytes left of the
// row and the row above the first row count as zero.
const (
	filterNone    = 0
	filterSub     = 1 // predicts a
	filterUp      = 2 // predicts b
	filterAverage = 3 // predicts floor((a+b)/2)
	filterPaeth   = 4 // predicts whichever of a, b, c is closest to a+b-c
)

// rowFilter filters rows for one worker. Its scratch row keeps the Paeth
// output computed while choosing the filter, since Paeth is both the most
// expensive filter and the one most often chosen for photos.
type rowFilter struct {
	paethRow []byte
}

// filter writes row cur, filtered, to dst: the filter type byte and then
// len(cur) filtered bytes. prev is the raw previous row, all zero for the
// first row, and bpp the bytes per pixel (at least 1). With adaptive false
// every row uses filter type None.
func (f *rowFilter) filter(dst, cur, prev []byte, bpp int, adaptive bool) {
	out := dst[1 : 1+len(cur)]
	if !adaptive {
		dst[0] = filterNone
		copy(out, cur)
		return
	}
	f.paethRow = grow(f.paethRow, len(cur))
	filter := chooseFilter(cur, prev, bpp, f.paethRow)
	dst[0] = filter
	if filter == filterPaeth {
		copy(out, f.paethRow)
	} else {
		applyFilter(filter, out, cur, prev, bpp)
	}
}

// chooseFilter returns the filter type whose output has the smallest sum
// of absolute values when its bytes are read as signed 8-bit integers,
// the heuristic that libpng and the PNG specification
// recommend for truecolour and greyscale images. Ties go to the lower
// filter type. It computes all five sums in one pass and writes the Paeth
// output to paethRow, which has len(cur) bytes.
func chooseFilter(cur, prev []byte, bpp int, paethRow []byte) byte {
	n := len(cur)
	prev = prev[:n]
	paethRow = paethRow[:n]
	head := min(bpp, n)
	var sumNone, sumSub, sumUp, sumAverage, sumPaeth int
	// Left of the row a = c = 0, so Sub predicts 0 and Paeth predicts b.
	for i := range head {
		x, b := cur[i], prev[i]
		paethRow[i] = x - b
		sumNone += absSigned(x)
		sumSub += absSigned(x)
		sumUp += absSigned(x - b)
		sumAverage += absSigned(x - b>>1)
		sumPaeth += absSigned(x - b)
	}

	// Two loops instead of one keep every value of each in a register.
	xs := cur[head:]
	as := cur[:len(xs)]
	bs := prev[head:]
	bs = bs[:len(xs)]
	done, none, sub, up, average := sumFilters8(xs, as, bs)
	sumNone += none
	sumSub += sub
	sumUp += up
	sumAverage += average
	for i := done; i < len(xs); i++ {
		x, a, b := xs[i], as[i], bs[i]
		sumNone += absSigned(x)
		sumSub += absSigned(x - a)
		sumUp += absSigned(x - b)
		sumAverage += absSigned(x - byte((uint(a)+uint(b))>>1))
	}
	sumPaeth += paethFilter(paethRow[head:], xs, as, bs, prev[:len(xs)])

	best, bestSum := byte(filterNone), sumNone
	if sumSub < bestSum {
		best, bestSum = filterSub, sumSub
	}
	if sumUp < bestSum {
		best, bestSum = filterUp, sumUp
	}
	if sumAverage < bestSum {
		best, bestSum = filterAverage, sumAverage
	}
	if sumPaeth < bestSum {
		best = filterPaeth
	}
	return best
}

// Byte-lane masks for sumFilters8.
const (
	laneHigh  = 0x8080808080808080 // top bit of each byte
	laneLow7  = 0x7f7f7f7f7f7f7f7f // low 7 bits of each byte
	laneEven  = 0x00ff00ff00ff00ff // even bytes, as 16-bit lanes
	laneLow16 = 0x0000ffff0000ffff // even 16-bit lanes, as 32-bit lanes
)

// sumFilters8 computes the heuristic sums of the None, Sub, Up and Average
// filters over the first done bytes of xs, a multiple of 8, given the
// bytes to the left (as) and above (bs). It handles 8 bytes at a time in
// uint64 byte lanes, which keeps carries and borrows inside each lane.
func sumFilters8(xs, as, bs []byte) (done, none, sub, up, average int) {
	var accNone, accSub, accUp, accAverage uint64 // 16-bit lanes
	for done+8 <= len(xs) {
		// A 16-bit lane gains at most 2*128 a step: flush before 256 steps.
		end := min(len(xs)&^7, done+8*255)
		for ; done < end; done += 8 {
			x := binary.LittleEndian.Uint64(xs[done:])
			a := binary.LittleEndian.Uint64(as[done:])
			b := binary.LittleEndian.Uint64(bs[done:])
			mean := (a & b) + ((a ^ b) >> 1 & laneLow7) // floor((a+b)/2)
			accNone += widenAbs(x)
			accSub += widenAbs(subLanes(x, a))
			accUp += widenAbs(subLanes(x, b))
			accAverage += widenAbs(subLanes(x, mean))
		}
		none += sumLanes16(accNone)
		sub += sumLanes16(accSub)
		up += sumLanes16(accUp)
		average += sumLanes16(accAverage)
		accNone, accSub, accUp, accAverage = 0, 0, 0, 0
	}
	return done, none, sub, up, average
}

// subLanes returns x - y in each byte lane, modulo 256. Setting the top
// bit of x and clearing that of y stops borrows at lane edges, and the
// XOR restores the top bits.
func subLanes(x, y uint64) uint64 {
	return ((x | laneHigh) - (y &^ laneHigh)) ^ ((x ^ ^y) & laneHigh)
}

// widenAbs returns the absolute values of the byte lanes of v, read as
// signed 8-bit integers, added pairwise into four 16-bit lanes.
func widenAbs(v uint64) uint64 {
	sign := (v & laneHigh) >> 7 // 1 in each negative lane
	abs := (v ^ sign*0xff) + sign
	return abs&laneEven + (abs>>8)&laneEven
}

// sumLanes16 adds the four 16-bit lanes of v.
func sumLanes16(v uint64) int {
	v = v&laneLow16 + (v>>16)&laneLow16
	return int(v&0xffffffff + v>>32)
}

// paethFilter writes the Paeth-filtered bytes of xs to out, given the
// bytes to the left (as), above (bs) and above left (cs), all of len(xs)
// bytes, and returns their sum of absolute signed values.
func paethFilter(out, xs, as, bs, cs []byte) int {
	out = out[:len(xs)]
	as = as[:len(xs)]
	bs = bs[:len(xs)]
	cs = cs[:len(xs)]
	sum := 0
	for i, x := range xs {
		// The Paeth predictor, written out because the compiler does not
		// inline paeth. Branches measured faster than masks on photos.
		a, b, c := as[i], bs[i], cs[i]
		da := int(b) - int(c)
		db := int(a) - int(c)
		pa, pb, pc := absInt(da), absInt(db), absInt(da+db)
		pred := c
		if pb <= pc {
			pred = b
		}
		if pa <= min(pb, pc) {
			pred = a
		}
		out[i] = x - pred
		sum += absSigned(x - pred)
	}
	return sum
}

// absSigned returns |v| for v read as a signed 8-bit integer.
func absSigned(v byte) int {
	return int(absSignedTable[v])
}

// absSignedTable[v] is |v| for v read as a signed 8-bit integer. A table
// load measured faster than the arithmetic.
var absSignedTable = func() (t [256]uint8) {
	for v := range t {
		t[v] = uint8(min(v, 256-v))
	}
	return t
}()

// paeth returns the Paeth predictor of the PNG specification: of
// a, b and c, the one closest to a+b-c, preferring a, then b, on ties.
func paeth(a, b, c byte) byte {
	pa := absInt(int(b) - int(c)) // |p - a| with p = a + b - c
	pb := absInt(int(a) - int(c)) // |p - b|
	pc := absInt(int(a) + int(b) - 2*int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func absInt(v int) int {
	m := v >> 63
	return (v ^ m) - m
}

// applyFilter writes cur filtered with the given filter type to dst, which
// has len(cur) bytes.
func applyFilter(filter byte, dst, cur, prev []byte, bpp int) {
	n := len(cur)
	dst = dst[:n]
	prev = prev[:n]
	head := min(bpp, n)
	xs := cur[head:]
	out := dst[head:]
	out = out[:len(xs)]
	as := cur[:len(xs)]
	bs := prev[head:]
	bs = bs[:len(xs)]
	cs := prev[:len(xs)]

	switch filter {
	case filterNone:
		copy(dst, cur)
	case filterSub:
		copy(dst[:head], cur[:head])
		for i, x := range xs {
			out[i] = x - as[i]
		}
	case filterUp:
		for i, x := range cur {
			dst[i] = x - prev[i]
		}
	case filterAverage:
		for i := range head {
			dst[i] = cur[i] - prev[i]>>1
		}
		for i, x := range xs {
			out[i] = x - byte((uint(as[i])+uint(bs[i]))>>1)
		}
	case filterPaeth:
		for i := range head {
			dst[i] = cur[i] - prev[i]
		}
		for i, x := range xs {
			out[i] = x - paeth(as[i], bs[i], cs[i])
		}
	}
}
