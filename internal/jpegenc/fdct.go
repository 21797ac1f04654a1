package jpegenc

import "math"

// block is an 8x8 block of samples or coefficients in row-major order.
type block [64]int32

// Fixed-point parameters of fdct. Constants have 14 fraction bits, and the
// row pass returns its results scaled up by 2^fdctExtraBits so that the
// truncations inside the transform cost almost no precision. The column
// pass works in int64, because it multiplies values of up to 2^22 by the
// constants. Outputs stay below 2^23 in magnitude and fit an int32.
const (
	fdctConstBits = 14
	fdctExtraBits = 8
)

// Rotation constants of the AAN flow graph, round(c * 2^14).
const (
	fix0382683433 = 6270  // cos(3π/8)
	fix0541196100 = 8867  // cos(π/8) - cos(3π/8)
	fix0707106781 = 11585 // cos(π/4)
	fix1306562965 = 21407 // cos(π/8) + cos(3π/8)
)

// fixMul multiplies v by the fixed-point constant c. It truncates, which
// costs at most 2^-fdctExtraBits of a sample unit per product.
func fixMul(v, c int64) int64 {
	return (v * c) >> fdctConstBits
}

// fixMulRow multiplies an unscaled row-pass value v by the fixed-point
// constant c and returns the product at the 2^fdctExtraBits scale,
// truncated like fixMul.
func fixMulRow(v, c int32) int32 {
	return (v * c) >> (fdctConstBits - fdctExtraBits)
}

// fdct transforms b in place with the scaled forward DCT of Arai, Agui and
// Nakajima ("A fast DCT-SQ scheme for images", Trans. IEICE E71(11), 1988),
// applied to the rows and then to the columns. Input samples are in 0..255.
// The level shift to -128..127 (T.81 A.3.1) only changes the DC
// coefficient, so it is applied there, after the transform. The output at
// row v, column u is
// the F(u,v) of T.81 A.3.3 multiplied by 8 * aanScale[u] * aanScale[v] *
// 2^fdctExtraBits. quantTable.init folds that factor into the quantizer
// divisors, so that the transform needs only 5 multiplications per 8 points.
// The two passes repeat the same one-dimensional transform, written out
// twice because a shared helper is too large for the compiler to inline.
func fdct(b *block) {
	for r := 0; r < 64; r += 8 {
		// The row pass works on the unscaled samples in int32, where all
		// sums stay below 2^12 and products below 2^26. Results that skip
		// the multiplications are shifted up to the 2^fdctExtraBits scale,
		// and products are shifted down by fewer bits to land on it.
		row := b[r : r+8 : r+8]
		s07 := row[0] + row[7]
		d07 := row[0] - row[7]
		s16 := row[1] + row[6]
		d16 := row[1] - row[6]
		s25 := row[2] + row[5]
		d25 := row[2] - row[5]
		s34 := row[3] + row[4]
		d34 := row[3] - row[4]

		// Even part: a 4-point DCT of the sums.
		e0 := s07 + s34
		e3 := s07 - s34
		e1 := s16 + s25
		e2 := s16 - s25
		row[0] = (e0 + e1) << fdctExtraBits
		row[4] = (e0 - e1) << fdctExtraBits
		rot := fixMulRow(e2+e3, fix0707106781)
		e3 <<= fdctExtraBits
		row[2] = e3 + rot
		row[6] = e3 - rot

		// Odd part: the differences go through the AAN rotation network.
		o0 := d34 + d25
		o1 := d25 + d16
		o2 := d16 + d07
		z5 := fixMulRow(o0-o2, fix0382683433)
		z2 := fixMulRow(o0, fix0541196100) + z5
		z4 := fixMulRow(o2, fix1306562965) + z5
		z3 := fixMulRow(o1, fix0707106781)
		d07 <<= fdctExtraBits
		z11 := d07 + z3
		z13 := d07 - z3
		row[5] = z13 + z2
		row[3] = z13 - z2
		row[1] = z11 + z4
		row[7] = z11 - z4
	}
	for c := range 8 {
		col := b[c : c+57 : c+57]
		x0, x1, x2, x3 := int64(col[0]), int64(col[8]), int64(col[16]), int64(col[24])
		x4, x5, x6, x7 := int64(col[32]), int64(col[40]), int64(col[48]), int64(col[56])
		s07 := x0 + x7
		d07 := x0 - x7
		s16 := x1 + x6
		d16 := x1 - x6
		s25 := x2 + x5
		d25 := x2 - x5
		s34 := x3 + x4
		d34 := x3 - x4

		e0 := s07 + s34
		e3 := s07 - s34
		e1 := s16 + s25
		e2 := s16 - s25
		col[0] = int32(e0 + e1)
		col[32] = int32(e0 - e1)
		rot := fixMul(e2+e3, fix0707106781)
		col[16] = int32(e3 + rot)
		col[48] = int32(e3 - rot)

		o0 := d34 + d25
		o1 := d25 + d16
		o2 := d16 + d07
		z5 := fixMul(o0-o2, fix0382683433)
		z2 := fixMul(o0, fix0541196100) + z5
		z4 := fixMul(o2, fix1306562965) + z5
		z3 := fixMul(o1, fix0707106781)
		z11 := d07 + z3
		z13 := d07 - z3
		col[40] = int32(z13 + z2)
		col[24] = int32(z13 - z2)
		col[8] = int32(z11 + z4)
		col[56] = int32(z11 - z4)
	}
	b[0] -= dcLevelShift
}

// dcLevelShift is the fdct DC output for a block of 64 samples of value
// 128. Subtracting it from the DC output has the same effect as
// subtracting 128 from every sample.
const dcLevelShift = 64 * 128 << fdctExtraBits

// aanScale[k] is sqrt(2)*cos(k*π/16) for k > 0 and 1 for k = 0: the factor
// by which the AAN transform scales frequency k in one dimension, relative
// to the T.81 A.3.3 normalisation.
var aanScale = func() (s [8]float64) {
	s[0] = 1
	for k := 1; k < 8; k++ {
		s[k] = math.Sqrt2 * math.Cos(float64(k)*math.Pi/16)
	}
	return s
}()

// quantRecipBits is the number of fraction bits of quantTable.recip.
const quantRecipBits = 32

// Quantized coefficients need no clamping to the baseline limits of 10
// magnitude bits for AC and 11 bits for DC differences (T.81 Tables F.1 and
// F.2). With samples in -128..127, |F(u,v)| of T.81 A.3.3 is at most
// 1024 for DC, so DC differences stay within ±2047, and at most
// 128 * 8 * 5.126 / (4 * sqrt(2)) < 929 for AC, where 5.126 is the largest
// sum of |cos((2x+1)uπ/16)| over x for u > 0. Divisors are at least 1, and
// the transform error of under 0.05 keeps AC magnitudes below 1023.

// quantTable is a quantization table in the two forms the encoder needs.
type quantTable struct {
	// zigzag contains the DQT entries in zig-zag order (T.81 B.2.4.1).
	zigzag [64]uint8
	// recip[k] is round(2^32 / divisor) for zig-zag position k, where the
	// divisor is the table entry times the fdct output scale.
	recip [64]int64
}

// init fills t from a table in row-major order with entries in 1..255.
func (t *quantTable) init(natural *[64]uint8) {
	for k, n := range zigzagToNatural {
		q := natural[n]
		t.zigzag[k] = q
		divisor := float64(q) * 8 * aanScale[n>>3] * aanScale[n&7] * (1 << fdctExtraBits)
		t.recip[k] = int64(math.Round(float64(uint64(1)<<quantRecipBits) / divisor))
	}
}

// quantize divides the fdct output b by the table with rounding to nearest,
// stores the result in zig-zag order in zz (T.81 Figure A.6) and returns a
// mask with bit k set when zz[k] is not zero.
func quantize(zz, b *block, t *quantTable) (mask uint64) {
	// Eight coefficients per iteration, each stored as soon as it is
	// computed. The compiler keeps this form in registers, and it took about
	// a quarter less time than a plain loop in a micro-benchmark.
	for k := 56; k >= 0; k -= 8 {
		order := zigzagToNatural[k : k+8 : k+8]
		recip := t.recip[k : k+8 : k+8]
		out := zz[k : k+8 : k+8]
		q7 := quantizeOne(b[order[7]&63], recip[7])
		out[7] = q7
		q6 := quantizeOne(b[order[6]&63], recip[6])
		out[6] = q6
		q5 := quantizeOne(b[order[5]&63], recip[5])
		out[5] = q5
		q4 := quantizeOne(b[order[4]&63], recip[4])
		out[4] = q4
		q3 := quantizeOne(b[order[3]&63], recip[3])
		out[3] = q3
		q2 := quantizeOne(b[order[2]&63], recip[2])
		out[2] = q2
		q1 := quantizeOne(b[order[1]&63], recip[1])
		out[1] = q1
		q0 := quantizeOne(b[order[0]&63], recip[0])
		out[0] = q0
		mask = mask<<8 | nonzero(q7)<<7 | nonzero(q6)<<6 | nonzero(q5)<<5 | nonzero(q4)<<4 |
			nonzero(q3)<<3 | nonzero(q2)<<2 | nonzero(q1)<<1 | nonzero(q0)
	}
	return mask
}

// quantizeOne returns c * recip / 2^32 rounded to nearest, with exact
// halves rounded up. The fdct output is below 2^23 in magnitude and recip
// below 2^25, so the product fits an int64.
func quantizeOne(c int32, recip int64) int32 {
	return int32((int64(c)*recip + 1<<(quantRecipBits-1)) >> quantRecipBits)
}

// nonzero returns 1 if v is not zero and 0 otherwise, without a branch.
func nonzero(v int32) uint64 {
	return uint64(uint32(v|-v) >> 31)
}
