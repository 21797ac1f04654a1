package jpegdec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// referenceIDCT evaluates T.81 A.3.3 in float64 for an n x n output grid:
// sample (x, y) sits at the centre of the 8/n input samples it stands for,
// so n = 8 is the plain transform. It returns unclamped, level-shifted values.
func referenceIDCT(blk *[64]int16, q *[64]int32, n int) []float64 {
	out := make([]float64, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var sum float64
			for v := 0; v < 8; v++ {
				for u := 0; u < 8; u++ {
					cu, cv := 1.0, 1.0
					if u == 0 {
						cu = 1 / math.Sqrt2
					}
					if v == 0 {
						cv = 1 / math.Sqrt2
					}
					// Position in full-size sample units of the output's centre.
					px := (float64(x)+0.5)*8/float64(n) - 0.5
					py := (float64(y)+0.5)*8/float64(n) - 0.5
					f := float64(blk[v*8+u]) * float64(q[v*8+u])
					sum += cu * cv * f * math.Cos((2*px+1)*float64(u)*math.Pi/16) * math.Cos((2*py+1)*float64(v)*math.Pi/16)
				}
			}
			out[y*n+x] = sum/4 + 128
		}
	}
	return out
}

// randomBlock fills a block the way quantised photo data looks: large low
// frequencies and small high ones. Coefficients from zigzag index n on are
// zero when strict is set, and otherwise present one time in eight.
func randomBlock(r *rand.Rand, blk *[64]int16, n int, strict bool) {
	*blk = [64]int16{}
	blk[0] = int16(r.IntN(256) - 128)
	for k := 1; k < 64; k++ {
		if k >= n && (strict || r.IntN(8) != 0) {
			continue
		}
		limit := 64 / (1 + k/4)
		blk[zigzag[k]] = int16(r.IntN(2*limit+1) - limit)
	}
}

func TestIDCTMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var c component
	var q [64]uint16
	for trial := 0; trial < 2000; trial++ {
		for i := range q {
			q[i] = uint16(1 + r.IntN(12) + i/8)
		}
		c.setQuant(&q)
		var blk [64]int16
		// Zigzag cut-offs 1 (DC only), 10 (top-left 4x4) and beyond.
		randomBlock(r, &blk, []int{1, 3, 10, 20, 40, 64}[trial%6], trial%12 < 6)
		for _, bs := range []int{8, 4, 2, 1} {
			// Only the bs x bs lowest frequencies contribute to a reduced
			// transform; drop the rest from the reference input.
			ref := blk
			for i := range ref {
				if i/8 >= bs || i%8 >= bs {
					ref[i] = 0
				}
			}
			want := referenceIDCT(&ref, &c.qPlain, bs)
			// Pass the true last non-zero zigzag index so the sparse
			// variants (DC only, top-left 4x4) are exercised too.
			last := 0
			for k := 63; k > 0; k-- {
				if blk[zigzag[k]] != 0 {
					last = k
					break
				}
			}
			dst := make([]byte, bs*bs)
			idctBlock(&blk, &c, last, bs, dst, bs)
			for i, w := range want {
				clamped := math.Min(255, math.Max(0, w))
				if d := math.Abs(float64(dst[i]) - clamped); d > 0.51 {
					t.Fatalf("trial %d, %dx%d output sample %d: got %d, exact value %.3f (error %.3f, want at most 0.51, i.e. correct rounding)",
						trial, bs, bs, i, dst[i], w, d)
				}
			}
		}
	}
}

func TestIDCTDCOnly(t *testing.T) {
	var c component
	var q [64]uint16
	for i := range q {
		q[i] = 16
	}
	c.setQuant(&q)
	cases := []struct {
		dc   int16
		want byte
	}{
		{0, 128},
		{8, 144},   // 8*16/8 = 16 above mid-grey
		{-8, 112},  // 16 below
		{100, 255}, // 200 above, clamped
		{-100, 0},  // clamped
	}
	for _, tc := range cases {
		var blk [64]int16
		blk[0] = tc.dc
		for _, bs := range []int{8, 4, 2, 1} {
			dst := make([]byte, bs*bs)
			idctBlock(&blk, &c, 63, bs, dst, bs)
			for i, v := range dst {
				if v != tc.want {
					t.Fatalf("DC %d at %dx%d: sample %d is %d, want %d", tc.dc, bs, bs, i, v, tc.want)
				}
			}
		}
	}
}

// TestIDCTRectMatchesReference checks the transform with different
// horizontal and vertical output sizes against T.81 A.3.3 evaluated at the
// centres of the output samples.
func TestIDCTRectMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var c component
	var q [64]uint16
	for trial := 0; trial < 500; trial++ {
		for i := range q {
			q[i] = uint16(1 + r.IntN(12) + i/8)
		}
		c.setQuant(&q)
		var blk [64]int16
		randomBlock(r, &blk, []int{1, 10, 40, 64}[trial%4], false)
		for _, nx := range []int{1, 2, 4, 8} {
			for _, ny := range []int{1, 2, 4, 8} {
				dst := make([]byte, nx*ny)
				idctRect(&blk, &c.qPlain, nx, ny, dst, nx)
				for y := 0; y < ny; y++ {
					for x := 0; x < nx; x++ {
						var sum float64
						px := (float64(x)+0.5)*8/float64(nx) - 0.5
						py := (float64(y)+0.5)*8/float64(ny) - 0.5
						for v := 0; v < ny; v++ {
							for u := 0; u < nx; u++ {
								cu, cv := 1.0, 1.0
								if u == 0 {
									cu = 1 / math.Sqrt2
								}
								if v == 0 {
									cv = 1 / math.Sqrt2
								}
								f := float64(blk[v*8+u]) * float64(c.qPlain[v*8+u])
								sum += cu * cv * f * math.Cos((2*px+1)*float64(u)*math.Pi/16) * math.Cos((2*py+1)*float64(v)*math.Pi/16)
							}
						}
						want := math.Min(255, math.Max(0, sum/4+128))
						if d := math.Abs(float64(dst[y*nx+x]) - want); d > 0.51 {
							t.Fatalf("trial %d, %dx%d output (%d,%d): got %d, exact value %.3f (error %.3f, want at most 0.51)", trial, nx, ny, x, y, dst[y*nx+x], want, d)
						}
					}
				}
			}
		}
	}
}
