package resize

import (
	"encoding/binary"
	"sync"
)

// minRowsPerWorker keeps goroutines from being started for a handful of
// output rows, where starting them costs more than it saves.
const minRowsPerWorker = 16

// Two channel values share one int64 throughout the filter passes: a
// packed value stands for lo + hi·2^32, where lo and hi are signed sums
// smaller than 2^31 in magnitude. Multiplying a packed value by a weight
// and adding packed values is plain int64 arithmetic, so one
// multiply-add serves two channels. unpack splits the lanes again: the
// low 32 bits sign-extended are lo, and the rest, once lo is subtracted,
// is hi·2^32. The absolute weights of one output add up to at most
// 1.6·2^14 (TestAxisWeights checks this), so every sum stays inside that
// range: a horizontal sum of box block sums (up to 257·255 = 65535) is at
// most 65535·1.6·2^14 < 1.8·10^9, and a vertical sum at most
// 255·1.6·2^6·1.6·2^14 < 7·10^8.

func unpack(v int64) (lo, hi int64) {
	lo = int64(int32(v))
	return lo, (v - lo) >> 32
}

func pack(lo, hi int64) int64 {
	return lo + hi<<32
}

// job is one resize call after validation: the weights of both axes and the
// box pre-shrink factors, shared read-only by all workers.
type job struct {
	dst, src planeView
	channels int
	boxX     int
	boxY     int
	// boxW is the width of the pre-shrunk image, ceil(src.w/boxX).
	boxW int
	xw   *axisWeights
	yw   *axisWeights
	// packedLen is the number of packed values in a row between the
	// passes: two per RGBA pixel (R with B, G with A), or one per two
	// gray pixels.
	packedLen int
	// hNorm scales the horizontal sums to fracBits fractional bits.
	hNorm normalizer
	// boxH is the number of rows after the box pre-shrink.
	boxH int
}

// normalizer computes round(v / (blockSize·2^hShift)) as
// (v·mul + bias) >> shift. blockSize is 1, or boxX·boxY when the box
// pre-shrink hands over block sums instead of means. For blockSize > 1,
// mul = ceil(2^32/blockSize) and shift = 40: for v = c·blockSize·2^14,
// the sum of a block of constant value c, v·mul exceeds c·2^46 by less
// than c·blockSize·2^14 < 2^39, so constant rows stay exact. |v| < 2^31
// and mul ≤ 2^31 keep v·mul inside int64.
type normalizer struct {
	mul, bias int64
	shift     uint
}

func newNormalizer(blockSize int) normalizer {
	if blockSize == 1 {
		return normalizer{mul: 1, bias: 1 << (hShift - 1), shift: hShift}
	}
	const shift = 32 + hShift
	return normalizer{
		mul:   (1<<32 + int64(blockSize) - 1) / int64(blockSize),
		bias:  1 << (shift - 1),
		shift: shift,
	}
}

func (n normalizer) apply(v int64) int64 {
	if n.mul == 1 {
		// Without block sums mul is 1, so the multiplication is skipped.
		return (v + n.bias) >> n.shift
	}
	return (v*n.mul + n.bias) >> n.shift
}

// run resizes src into dst, which have channels (1 or 4) interleaved 8-bit
// channels per pixel and valid sizes. Workers take disjoint bands of
// output rows. Each band recomputes the few horizontal-pass rows that it
// shares with the band above, which costs less than a barrier between the
// passes and keeps the intermediate rows in cache.
func run(dst, src planeView, channels, workers int) {
	if dst.w == src.w && dst.h == src.h {
		rowBytes := dst.w * channels
		for y := range dst.h {
			copy(dst.pix[y*dst.stride:][:rowBytes], src.pix[y*src.stride:][:rowBytes])
		}
		return
	}
	j := &job{dst: dst, src: src, channels: channels}
	j.boxX = boxFactor(src.w, dst.w)
	j.boxY = boxFactor(src.h, dst.h)
	j.boxW = (src.w + j.boxX - 1) / j.boxX
	j.xw = newAxisWeights(src.w, dst.w, j.boxX)
	j.yw = newAxisWeights(src.h, dst.h, j.boxY)
	j.boxH = (src.h + j.boxY - 1) / j.boxY
	j.hNorm = newNormalizer(1)
	if j.boxX*j.boxY > 1 && j.boxX*j.boxY <= lanePixels {
		j.hNorm = newNormalizer(j.boxX * j.boxY)
	}
	if channels == 4 {
		j.packedLen = 2 * dst.w
	} else {
		j.packedLen = (dst.w + 1) / 2
	}

	bands := min(workers, max(dst.h/minRowsPerWorker, 1))
	if bands == 1 {
		j.band(0, dst.h)
		return
	}
	var wg sync.WaitGroup
	for b := range bands {
		y0 := b * dst.h / bands
		y1 := (b + 1) * dst.h / bands
		wg.Go(func() { j.band(y0, y1) })
	}
	wg.Wait()
}

// band computes output rows [y0, y1). It keeps the horizontal-pass output
// of the last maxTaps+1 source rows (after the box pre-shrink) in a ring,
// because consecutive output rows read overlapping windows of at most
// maxTaps source rows, and those windows only move down. The extra row
// lets the gray path filter rows in pairs, one ahead of the window.
func (j *job) band(y0, y1 int) {
	ringN := j.yw.maxTaps + 1
	n := j.packedLen

	// All scratch memory of the band is allocated here, once.
	ringMem := make([]int64, ringN*n)
	ring := make([][]int64, ringN)
	ringRow := make([]int, ringN)
	for i := range ring {
		ring[i] = ringMem[i*n : (i+1)*n]
		ringRow[i] = -1
	}
	acc := make([]int64, n)
	rows := make([][]int64, ringN)
	var box *boxScratch
	if j.boxX > 1 || j.boxY > 1 {
		box = newBoxScratch(j)
	}
	var wide [][2]int64
	var pair []int64
	if j.channels == 4 {
		wide = make([][2]int64, j.boxW)
	} else {
		pair = make([]int64, j.boxW)
	}

	for y := y0; y < y1; y++ {
		start, w := j.yw.taps(y)
		for t := range w {
			r := start + t
			slot := r % ringN
			if ringRow[slot] != r {
				if j.channels == 4 {
					j.filterRGBA(ring[slot], r, box, wide)
				} else {
					// Rows are filtered in increasing order, so row r+1
					// is not in the ring yet either.
					next := (r + 1) % ringN
					j.filterGrayPair(ring[slot], ring[next], r, box, pair)
					ringRow[next] = r + 1
				}
				ringRow[slot] = r
			}
			rows[t] = ring[slot]
		}
		verticalSum(acc, rows[:len(w)], w)
		out := j.dst.pix[y*j.dst.stride:][:j.dst.w*j.channels]
		if j.channels == 4 {
			storeRGBA(out, acc)
		} else {
			storeGray(out, acc)
		}
	}
}

// filterRGBA computes the horizontal pass of row r of the pre-shrunk RGBA
// source into out. wide is scratch space.
func (j *job) filterRGBA(out []int64, r int, box *boxScratch, wide [][2]int64) {
	if box == nil {
		spreadRGBA(wide, j.src.pix[r*j.src.stride:][:j.src.w*4])
	} else {
		box.rowRGBA(wide, j, r)
	}
	horizontalRGBA(out, wide, j.xw, j.dst.w, j.hNorm)
}

// filterGrayPair computes the horizontal pass of rows r and r+1 of the
// pre-shrunk gray source into out0 and out1. It packs the two rows into
// pair so that one multiply-add serves both. When r is the last row, out1
// receives a copy of it, which no output row reads.
func (j *job) filterGrayPair(out0, out1 []int64, r int, box *boxScratch, pair []int64) {
	r1 := min(r+1, j.boxH-1)
	if box == nil {
		in0 := j.src.pix[r*j.src.stride:][:len(pair)]
		in1 := j.src.pix[r1*j.src.stride:][:len(pair)]
		for x := range pair {
			pair[x] = pack(int64(in0[x]), int64(in1[x]))
		}
	} else {
		for x, v := range box.rowGray(j, r) {
			pair[x] = int64(v)
		}
		for x, v := range box.rowGray(j, r1)[:len(pair)] {
			pair[x] += int64(v) << 32
		}
	}
	horizontalGray(out0, out1, pair, j.xw, j.dst.w, j.hNorm)
}

// spreadRGBA converts RGBA bytes into packed (R, B) and (G, A) values.
func spreadRGBA(wide [][2]int64, in []byte) {
	wide = wide[:len(in)/4]
	for x := range wide {
		p := uint64(binary.LittleEndian.Uint32(in[x*4:]))
		wide[x] = [2]int64{
			int64(p&0xff | (p&0xff0000)<<16),
			int64(p>>8&0xff | (p>>24)<<32),
		}
	}
}

// horizontalRGBA filters one row of packed RGBA pixels into dstW packed
// pixels with fracBits fractional bits per channel. norm divides out the
// weight scale and the box block size.
func horizontalRGBA(out []int64, in [][2]int64, xw *axisWeights, dstW int, norm normalizer) {
	out = out[:2*dstW]
	for x := range dstW {
		start, w := xw.taps(x)
		p := in[start:]
		p = p[:len(w)]
		var rb, ga int64
		for t, wt := range w {
			rb += int64(wt) * p[t][0]
			ga += int64(wt) * p[t][1]
		}
		lo, hi := unpack(rb)
		out[2*x] = pack(norm.apply(lo), norm.apply(hi))
		lo, hi = unpack(ga)
		out[2*x+1] = pack(norm.apply(lo), norm.apply(hi))
	}
}

// horizontalGray filters two rows of gray samples, packed into in, into
// dstW values per row with fracBits fractional bits. For each row it packs
// outputs 2i and 2i+1 into out0[i] and out1[i].
func horizontalGray(out0, out1 []int64, in []int64, xw *axisWeights, dstW int, norm normalizer) {
	out1 = out1[:len(out0)]
	for i := range out0 {
		var row0, row1 [2]int64
		for k := range 2 {
			x := 2*i + k
			if x >= dstW {
				break
			}
			start, w := xw.taps(x)
			p := in[start:]
			p = p[:len(w)]
			var sum int64
			for t, wt := range w {
				sum += int64(wt) * p[t]
			}
			lo, hi := unpack(sum)
			row0[k] = norm.apply(lo)
			row1[k] = norm.apply(hi)
		}
		out0[i] = pack(row0[0], row0[1])
		out1[i] = pack(row1[0], row1[1])
	}
}

// verticalSum sets acc to the packed sums of the rows times the weights w,
// plus half of the final scale for rounding.
func verticalSum(acc []int64, rows [][]int64, w []int32) {
	const half = 1 << (vShift - 1)
	n := len(acc)
	r0 := rows[0][:n]
	w0 := int64(w[0])
	for i := range acc {
		acc[i] = pack(half, half) + w0*r0[i]
	}
	t := 1
	for ; t+1 < len(w); t += 2 {
		ra, rb := rows[t][:n], rows[t+1][:n]
		wa, wb := int64(w[t]), int64(w[t+1])
		for i := range acc {
			acc[i] += wa*ra[i] + wb*rb[i]
		}
	}
	if t < len(w) {
		ra := rows[t][:n]
		wa := int64(w[t])
		for i := range acc {
			acc[i] += wa * ra[i]
		}
	}
}

func clamp8(v int64) uint8 {
	return uint8(min(max(v>>vShift, 0), 255))
}

// storeRGBA writes the packed vertical sums of one row as RGBA bytes. It
// lowers each colour channel to at most the pixel's alpha, which filter
// overshoot near sharp alpha edges can exceed, so that the row stays
// valid premultiplied colour.
func storeRGBA(out []byte, acc []int64) {
	for x := 0; x+1 < len(acc); x += 2 {
		r, b := unpack(acc[x])
		g, a := unpack(acc[x+1])
		p := out[x*2 : x*2+4 : x*2+4]
		alpha := clamp8(a)
		p[0] = min(clamp8(r), alpha)
		p[1] = min(clamp8(g), alpha)
		p[2] = min(clamp8(b), alpha)
		p[3] = alpha
	}
}

// storeGray writes the packed vertical sums of one row as gray bytes.
func storeGray(out []byte, acc []int64) {
	for i, v := range acc {
		lo, hi := unpack(v)
		out[2*i] = clamp8(lo)
		if 2*i+1 < len(out) {
			out[2*i+1] = clamp8(hi)
		}
	}
}
