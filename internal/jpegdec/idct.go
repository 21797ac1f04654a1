package jpegdec

import "math"

// The inverse DCT of T.81 A.3.3 is
//
//	s(y,x) = 1/4 sum_u sum_v C(u) C(v) S(v,u) cos((2x+1)u pi/16) cos((2y+1)v pi/16)
//
// with C(0) = 1/sqrt(2) and C(k) = 1 otherwise, followed by the level shift
// of +128 (A.3.1). The full-size transform uses the Arai-Agui-Nakajima
// factorisation: after scaling coefficient (v,u) by aan(u)*aan(v), where
// aan(0) = 1 and aan(k) = sqrt(2) cos(k pi/16), each 8-point pass needs five
// multiplications, and the 2-D result is 8 times the samples. The scaling is
// folded into the dequantisation table (qAAN), so the transform works on
// fixed-point integers with qFracBits fractional bits.

const (
	qFracBits     = 13 // fraction bits of qAAN entries
	constFracBits = 20 // fraction bits of the butterfly constants
	outShift      = qFracBits + 3
)

// Butterfly constants scaled by 2^constFracBits.
const (
	fix1_414213562 = 1482910 // sqrt(2)
	fix1_847759065 = 1937516 // 2 cos(pi/8)
	fix1_082392200 = 1134970 // 2 (cos(pi/8) - cos(3pi/8))
	fix2_613125930 = 2740061 // 2 (cos(pi/8) + cos(3pi/8))
)

// setQuant latches quantisation table q (natural order) for a component.
func (c *component) setQuant(q *[64]uint16) {
	for v := 0; v < 8; v++ {
		for u := 0; u < 8; u++ {
			i := v*8 + u
			c.qPlain[i] = int32(q[i])
			f := float64(q[i]) * aanScale(u) * aanScale(v) * (1 << qFracBits)
			c.qAAN[i] = int32(math.Min(math.Round(f), math.MaxInt32))
		}
	}
	c.qSet = true
}

func aanScale(k int) float64 {
	if k == 0 {
		return 1
	}
	return math.Sqrt2 * math.Cos(float64(k)*math.Pi/16)
}

func clampByte(x int) byte {
	if uint(x) > 255 {
		if x < 0 {
			return 0
		}
		return 255
	}
	return byte(x)
}

// idct8 transforms one block of quantised coefficients (natural order) into
// 8x8 samples at dst with the given stride. Columns and rows whose AC
// coefficients are all zero take a shortcut, which is common after
// quantisation. The 8-point AAN butterfly is written out in both passes
// because the compiler does not inline a function of its size.
func idct8(blk *[64]int16, q *[64]int32, dst []byte, stride int) {
	var ws [64]int

	// Pass 1: columns, dequantising on the way in.
	for u := 0; u < 8; u++ {
		if blk[8+u]|blk[16+u]|blk[24+u]|blk[32+u]|blk[40+u]|blk[48+u]|blk[56+u] == 0 {
			dc := int(blk[u]) * int(q[u])
			ws[u], ws[8+u], ws[16+u], ws[24+u] = dc, dc, dc, dc
			ws[32+u], ws[40+u], ws[48+u], ws[56+u] = dc, dc, dc, dc
			continue
		}
		x0 := int(blk[u]) * int(q[u])
		x1 := int(blk[8+u]) * int(q[8+u])
		x2 := int(blk[16+u]) * int(q[16+u])
		x3 := int(blk[24+u]) * int(q[24+u])
		x4 := int(blk[32+u]) * int(q[32+u])
		x5 := int(blk[40+u]) * int(q[40+u])
		x6 := int(blk[48+u]) * int(q[48+u])
		x7 := int(blk[56+u]) * int(q[56+u])

		// Even part: frequencies 0, 2, 4, 6.
		t10 := x0 + x4
		t11 := x0 - x4
		t13 := x2 + x6
		t12 := (x2-x6)*fix1_414213562>>constFracBits - t13
		e0, e3 := t10+t13, t10-t13
		e1, e2 := t11+t12, t11-t12

		// Odd part: frequencies 1, 3, 5, 7.
		z13, z10 := x5+x3, x5-x3
		z11, z12 := x1+x7, x1-x7
		o7 := z11 + z13
		o11 := (z11 - z13) * fix1_414213562 >> constFracBits
		z5 := (z10 + z12) * fix1_847759065 >> constFracBits
		o10 := z5 - z12*fix1_082392200>>constFracBits
		o12 := z5 - z10*fix2_613125930>>constFracBits
		o6 := o12 - o7
		o5 := o11 - o6
		o4 := o10 - o5

		ws[u], ws[56+u] = e0+o7, e0-o7
		ws[8+u], ws[48+u] = e1+o6, e1-o6
		ws[16+u], ws[40+u] = e2+o5, e2-o5
		ws[24+u], ws[32+u] = e3+o4, e3-o4
	}

	// Pass 2: rows, then descale, level shift and clamp.
	const bias = 128<<outShift + 1<<(outShift-1)
	for y := 0; y < 8; y++ {
		r := ws[y*8 : y*8+8 : y*8+8]
		out := dst[y*stride : y*stride+8 : y*stride+8]
		if r[1]|r[2]|r[3]|r[4]|r[5]|r[6]|r[7] == 0 {
			v := clampByte((r[0] + bias) >> outShift)
			out[0], out[1], out[2], out[3] = v, v, v, v
			out[4], out[5], out[6], out[7] = v, v, v, v
			continue
		}
		x0, x1, x2, x3 := r[0]+bias, r[1], r[2], r[3]
		x4, x5, x6, x7 := r[4], r[5], r[6], r[7]

		t10 := x0 + x4
		t11 := x0 - x4
		t13 := x2 + x6
		t12 := (x2-x6)*fix1_414213562>>constFracBits - t13
		e0, e3 := t10+t13, t10-t13
		e1, e2 := t11+t12, t11-t12

		z13, z10 := x5+x3, x5-x3
		z11, z12 := x1+x7, x1-x7
		o7 := z11 + z13
		o11 := (z11 - z13) * fix1_414213562 >> constFracBits
		z5 := (z10 + z12) * fix1_847759065 >> constFracBits
		o10 := z5 - z12*fix1_082392200>>constFracBits
		o12 := z5 - z10*fix2_613125930>>constFracBits
		o6 := o12 - o7
		o5 := o11 - o6
		o4 := o10 - o5

		out[0] = clampByte((e0 + o7) >> outShift)
		out[7] = clampByte((e0 - o7) >> outShift)
		out[1] = clampByte((e1 + o6) >> outShift)
		out[6] = clampByte((e1 - o6) >> outShift)
		out[2] = clampByte((e2 + o5) >> outShift)
		out[5] = clampByte((e2 - o5) >> outShift)
		out[3] = clampByte((e3 + o4) >> outShift)
		out[4] = clampByte((e3 - o4) >> outShift)
	}
}

// idct8Low is idct8 for blocks whose non-zero coefficients all lie in the
// top-left 4x4 (zigzag index at most 9): the butterflies drop the terms of
// frequencies 4 to 7, and pass 1 runs on four columns only.
func idct8Low(blk *[64]int16, q *[64]int32, dst []byte, stride int) {
	var ws [32]int // rows y, columns 0..3

	for u := 0; u < 4; u++ {
		x0 := int(blk[u]) * int(q[u])
		x1 := int(blk[8+u]) * int(q[8+u])
		x2 := int(blk[16+u]) * int(q[16+u])
		x3 := int(blk[24+u]) * int(q[24+u])
		t12 := x2*fix1_414213562>>constFracBits - x2
		e0, e3 := x0+x2, x0-x2
		e1, e2 := x0+t12, x0-t12
		o7 := x1 + x3
		o11 := (x1 - x3) * fix1_414213562 >> constFracBits
		z5 := (x1 - x3) * fix1_847759065 >> constFracBits
		o10 := z5 - x1*fix1_082392200>>constFracBits
		o12 := z5 + x3*fix2_613125930>>constFracBits
		o6 := o12 - o7
		o5 := o11 - o6
		o4 := o10 - o5
		ws[u], ws[28+u] = e0+o7, e0-o7
		ws[4+u], ws[24+u] = e1+o6, e1-o6
		ws[8+u], ws[20+u] = e2+o5, e2-o5
		ws[12+u], ws[16+u] = e3+o4, e3-o4
	}

	const bias = 128<<outShift + 1<<(outShift-1)
	for y := 0; y < 8; y++ {
		r := ws[y*4 : y*4+4 : y*4+4]
		out := dst[y*stride : y*stride+8 : y*stride+8]
		x0, x1, x2, x3 := r[0]+bias, r[1], r[2], r[3]
		t12 := x2*fix1_414213562>>constFracBits - x2
		e0, e3 := x0+x2, x0-x2
		e1, e2 := x0+t12, x0-t12
		o7 := x1 + x3
		o11 := (x1 - x3) * fix1_414213562 >> constFracBits
		z5 := (x1 - x3) * fix1_847759065 >> constFracBits
		o10 := z5 - x1*fix1_082392200>>constFracBits
		o12 := z5 + x3*fix2_613125930>>constFracBits
		o6 := o12 - o7
		o5 := o11 - o6
		o4 := o10 - o5
		out[0] = clampByte((e0 + o7) >> outShift)
		out[7] = clampByte((e0 - o7) >> outShift)
		out[1] = clampByte((e1 + o6) >> outShift)
		out[6] = clampByte((e1 - o6) >> outShift)
		out[2] = clampByte((e2 + o5) >> outShift)
		out[5] = clampByte((e2 - o5) >> outShift)
		out[3] = clampByte((e3 + o4) >> outShift)
		out[4] = clampByte((e3 - o4) >> outShift)
	}
}

// Reduced transforms (T.81 A.3.3 evaluated on a coarser grid): an N-point
// output sample x sits at the centre of the 8/N input samples it replaces,
// where the 8-point basis cos((2i+1)u pi/16) becomes cos((2x+1)u pi/(2N)).
// Only the N x N lowest frequencies contribute.
const redFracBits = 15

var (
	red4 = reducedMatrix(4)
	red2 = reducedMatrix(2)

	// reducedMatrices is indexed by the output size 1, 2, 4 or 8.
	reducedMatrices = [9][]int{1: reducedMatrix(1), 2: red2, 4: red4, 8: reducedMatrix(8)}
)

// reducedMatrix returns m[x*n+u] = C(u)/2 * cos((2x+1)u pi/(2n)) scaled by
// 2^redFracBits, so that two passes carry the 1/4 of A.3.3.
func reducedMatrix(n int) []int {
	m := make([]int, n*n)
	for x := 0; x < n; x++ {
		for u := 0; u < n; u++ {
			c := 1.0
			if u == 0 {
				c = 1 / math.Sqrt2
			}
			f := c / 2 * math.Cos(float64((2*x+1)*u)*math.Pi/float64(2*n))
			m[x*n+u] = int(math.Round(f * (1 << redFracBits)))
		}
	}
	return m
}

// idct4 produces 4x4 samples from the 4x4 lowest frequencies (Scale 2).
func idct4(blk *[64]int16, q *[64]int32, dst []byte, stride int) {
	m := red4[:16:16]
	var f [16]int
	for v := 0; v < 4; v++ {
		for u := 0; u < 4; u++ {
			f[v*4+u] = int(blk[v*8+u]) * int(q[v*8+u])
		}
	}
	// Pass 1 along u: t[v][x].
	var t [16]int
	for v := 0; v < 4; v++ {
		a, b, c, d := f[v*4], f[v*4+1], f[v*4+2], f[v*4+3]
		for x := 0; x < 4; x++ {
			t[v*4+x] = a*m[x*4] + b*m[x*4+1] + c*m[x*4+2] + d*m[x*4+3]
		}
	}
	// Pass 2 along v.
	const shift = 2 * redFracBits
	const bias = 128<<shift + 1<<(shift-1)
	for y := 0; y < 4; y++ {
		m0, m1, m2, m3 := m[y*4], m[y*4+1], m[y*4+2], m[y*4+3]
		out := dst[y*stride : y*stride+4 : y*stride+4]
		for x := 0; x < 4; x++ {
			s := t[x]*m0 + t[4+x]*m1 + t[8+x]*m2 + t[12+x]*m3
			out[x] = clampByte((s + bias) >> shift)
		}
	}
}

// idct2 produces 2x2 samples from the 2x2 lowest frequencies (Scale 4).
func idct2(blk *[64]int16, q *[64]int32, dst []byte, stride int) {
	m := red2[:4:4]
	f00 := int(blk[0]) * int(q[0])
	f01 := int(blk[1]) * int(q[1])
	f10 := int(blk[8]) * int(q[8])
	f11 := int(blk[9]) * int(q[9])
	const shift = 2 * redFracBits
	const bias = 128<<shift + 1<<(shift-1)
	for y := 0; y < 2; y++ {
		out := dst[y*stride : y*stride+2 : y*stride+2]
		for x := 0; x < 2; x++ {
			r0 := f00*m[x*2] + f01*m[x*2+1]
			r1 := f10*m[x*2] + f11*m[x*2+1]
			s := r0*m[y*2] + r1*m[y*2+1]
			out[x] = clampByte((s + bias) >> shift)
		}
	}
}

// idctRect produces nx x ny samples (each 1, 2, 4 or 8) from the
// horizontal frequencies below nx and the vertical ones below ny, for
// components whose planes are reduced differently along the two axes
// (componentBlockSize). It is the reduced transform above with an nx-point
// pass along rows and an ny-point pass along columns.
func idctRect(blk *[64]int16, q *[64]int32, nx, ny int, dst []byte, stride int) {
	mx, my := reducedMatrices[nx], reducedMatrices[ny]
	// Pass 1 along u: t[v*nx+x] for each of the ny lowest rows v.
	var t [64]int
	for v := 0; v < ny; v++ {
		for x := 0; x < nx; x++ {
			s := 0
			for u := 0; u < nx; u++ {
				s += int(blk[v*8+u]) * int(q[v*8+u]) * mx[x*nx+u]
			}
			t[v*nx+x] = s
		}
	}
	// Pass 2 along v.
	const shift = 2 * redFracBits
	const bias = 128<<shift + 1<<(shift-1)
	for y := 0; y < ny; y++ {
		out := dst[y*stride : y*stride+nx]
		for x := range out {
			s := 0
			for v := 0; v < ny; v++ {
				s += t[v*nx+x] * my[y*ny+v]
			}
			out[x] = clampByte((s + bias) >> shift)
		}
	}
}

// dcValue returns the sample value of a block whose AC coefficients are all
// zero: S(0,0)*Q(0,0)/8 + 128, rounded.
func dcValue(blk *[64]int16, q *[64]int32) byte {
	return clampByte((int(blk[0])*int(q[0])+4)>>3 + 128)
}

// idctBlock writes the block at output scale bs (8, 4, 2 or 1 samples a
// side). last is the zigzag index of the last non-zero coefficient, or 63
// when unknown.
func idctBlock(blk *[64]int16, c *component, last int, bs int, dst []byte, stride int) {
	if last == 0 || bs == 1 {
		v := dcValue(blk, &c.qPlain)
		for y := 0; y < bs; y++ {
			row := dst[y*stride : y*stride+bs]
			for x := range row {
				row[x] = v
			}
		}
		return
	}
	switch bs {
	case 8:
		if last <= 9 {
			idct8Low(blk, &c.qAAN, dst, stride)
		} else {
			idct8(blk, &c.qAAN, dst, stride)
		}
	case 4:
		idct4(blk, &c.qPlain, dst, stride)
	case 2:
		idct2(blk, &c.qPlain, dst, stride)
	}
}
