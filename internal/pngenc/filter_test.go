package pngenc

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// specPaeth is the Paeth predictor as the PNG specification writes it.
func specPaeth(a, b, c int) int {
	p := a + b - c
	pa, pb, pc := p-a, p-b, p-c
	if pa < 0 {
		pa = -pa
	}
	if pb < 0 {
		pb = -pb
	}
	if pc < 0 {
		pc = -pc
	}
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

// unfilter reverses a filter type on one row as a PNG decoder does, given
// the raw previous row.
func unfilter(filter byte, filtered, prev []byte, bpp int) []byte {
	raw := make([]byte, len(filtered))
	for i, f := range filtered {
		var a, b, c int
		if i >= bpp {
			a = int(raw[i-bpp])
			c = int(prev[i-bpp])
		}
		b = int(prev[i])
		var pred int
		switch filter {
		case filterSub:
			pred = a
		case filterUp:
			pred = b
		case filterAverage:
			pred = (a + b) / 2
		case filterPaeth:
			pred = specPaeth(a, b, c)
		}
		raw[i] = f + byte(pred)
	}
	return raw
}

// sumAbsSigned is the filter choice heuristic computed plainly.
func sumAbsSigned(row []byte) int {
	sum := 0
	for _, v := range row {
		s := int(int8(v))
		if s < 0 {
			s = -s
		}
		sum += s
	}
	return sum
}

func TestPaethAllInputs(t *testing.T) {
	n := 256 * 256
	xs := make([]byte, n)
	as := make([]byte, n)
	bs := make([]byte, n)
	cs := make([]byte, n)
	out := make([]byte, n)
	step := 1
	if raceEnabled {
		step = 15 // every input of b and c, for 18 values of a
	}
	for a := 0; a < 256; a += step {
		for i := range n {
			as[i], bs[i], cs[i], xs[i] = byte(a), byte(i>>8), byte(i), byte(i*7)
		}
		paethFilter(out, xs, as, bs, cs)
		for i := range n {
			b, c := i>>8, i&0xff
			want := specPaeth(a, b, c)
			if got := paeth(byte(a), byte(b), byte(c)); int(got) != want {
				t.Fatalf("paeth(%d, %d, %d) = %d, expected %d", a, b, c, got, want)
			}
			if got := xs[i] - out[i]; int(got) != want {
				t.Fatalf("paethFilter predicted %d for a=%d b=%d c=%d, expected %d", got, a, b, c, want)
			}
		}
	}
}

// TestFilterReconstruct applies every filter type to random and
// photo rows and checks that a decoder's reconstruction gives the row
// back.
func TestFilterReconstruct(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	photo := realPhoto(t, 40, 3)
	for _, bpp := range []int{1, 3, 4} {
		for _, n := range []int{1, 2, bpp, bpp + 1, 37 * bpp} {
			prev := make([]byte, n)
			cur := make([]byte, n)
			randomFill(rng, prev)
			randomFill(rng, cur)
			if bpp == 4 && n <= len(photo.Pix)/3 {
				copy(prev, photo.Pix[:n])
				copy(cur, photo.Pix[photo.Stride:photo.Stride+n])
			}
			for filter := byte(filterNone); filter <= filterPaeth; filter++ {
				out := make([]byte, n)
				applyFilter(filter, out, cur, prev, bpp)
				if got := unfilter(filter, out, prev, bpp); string(got) != string(cur) {
					t.Errorf("bpp %d, %d bytes, filter %d: reconstructed % x, expected % x", bpp, n, filter, got, cur)
				}
			}
		}
	}
}

// TestChooseFilter checks the fused choice against the sums of each
// filter's own output, and the Paeth row it leaves behind.
func TestChooseFilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	photo := syntheticPhoto(200, 30)
	for trial := range 300 {
		bpp := []int{1, 3, 4}[trial%3]
		n := 1 + rng.IntN(60)
		if trial%5 == 0 {
			// Past 2040 bytes sumFilters8 flushes its 16-bit lanes.
			n = 1 + rng.IntN(5000)
		}
		prev := make([]byte, n)
		cur := make([]byte, n)
		switch trial % 4 {
		case 0:
			randomFill(rng, prev)
			randomFill(rng, cur)
		case 1: // smooth rows, where the predicting filters win
			y := rng.IntN(29)
			copy(prev, photo.Pix[y*photo.Stride:])
			copy(cur, photo.Pix[(y+1)*photo.Stride:])
		case 2: // first row: the row above is zero
			randomFill(rng, cur)
		case 3: // small values, where None often wins
			for i := range cur {
				cur[i] = byte(rng.IntN(3))
				prev[i] = byte(rng.IntN(200))
			}
		}

		want, wantSum := byte(0), -1
		for filter := byte(filterNone); filter <= filterPaeth; filter++ {
			out := make([]byte, n)
			applyFilter(filter, out, cur, prev, bpp)
			if s := sumAbsSigned(out); wantSum < 0 || s < wantSum {
				want, wantSum = filter, s
			}
		}
		paethRow := make([]byte, n)
		if got := chooseFilter(cur, prev, bpp, paethRow); got != want {
			t.Errorf("trial %d (bpp %d, %d bytes): chose filter %d, expected %d with sum %d", trial, bpp, n, got, want, wantSum)
		}
		wantPaeth := make([]byte, n)
		applyFilter(filterPaeth, wantPaeth, cur, prev, bpp)
		if string(paethRow) != string(wantPaeth) {
			t.Errorf("trial %d: Paeth row % x, expected % x", trial, paethRow, wantPaeth)
		}
	}
}

func TestChooseFilterKnownRows(t *testing.T) {
	ramp := []byte{0, 3, 6, 9, 12, 15, 18, 21}
	tests := []struct {
		name      string
		cur, prev []byte
		bpp       int
		want      byte
	}{
		// Every filter gives zeros: the tie goes to None.
		{"all-zero", make([]byte, 8), make([]byte, 8), 1, filterNone},
		// Sub gives 3s; Paeth (predicting a when b = c = 0) ties and loses.
		{"ramp-first-row", ramp, make([]byte, 8), 1, filterSub},
		// Up gives zeros.
		{"repeated-row", ramp, ramp, 1, filterUp},
		// Each byte is the mean of its left and upper neighbours: Average
		// gives zeros, Sub and Paeth 50+25+12+6 = 93, Up 95.
		{"average", []byte{50, 75, 87, 93}, []byte{100, 100, 100, 100}, 1, filterAverage},
		// A step under a flat row: Paeth follows the row above for the
		// first byte and the left byte after the step, so only the step
		// (80) remains; Sub also keeps the first byte (90).
		{"paeth", []byte{10, 10, 10, 90, 90, 90}, []byte{10, 10, 10, 10, 10, 10}, 1, filterPaeth},
		// Values near 0 and 255 are small as signed bytes, so None wins
		// over Sub's alternating +-2 differences.
		{"none", []byte{1, 255, 1, 255, 1, 255}, []byte{100, 0, 100, 0, 100, 0}, 1, filterNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseFilter(tt.cur, tt.prev, tt.bpp, make([]byte, len(tt.cur))); got != tt.want {
				t.Errorf("chose filter %d, expected %d", got, tt.want)
			}
		})
	}
}

// TestSumFilters8 compares the byte-lane sums with plain sums, on rows of
// -128 (0x80), the largest absolute value, long enough to overflow the
// 16-bit lanes if they were not flushed, and on random rows.
func TestSumFilters8(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n = 8*255*3 + 8
	tests := []struct {
		name       string
		xs, as, bs []byte
	}{
		{"max-abs", bytes.Repeat([]byte{0x80}, n), make([]byte, n), make([]byte, n)},
		{"max-abs-differences", bytes.Repeat([]byte{0x80}, n), bytes.Repeat([]byte{0}, n), bytes.Repeat([]byte{0xff}, n)},
		{"random", make([]byte, n), make([]byte, n), make([]byte, n)},
	}
	randomFill(rng, tests[2].xs)
	randomFill(rng, tests[2].as)
	randomFill(rng, tests[2].bs)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want [4]int
			for i, x := range tt.xs {
				a, b := tt.as[i], tt.bs[i]
				want[0] += sumAbsSigned([]byte{x})
				want[1] += sumAbsSigned([]byte{x - a})
				want[2] += sumAbsSigned([]byte{x - b})
				want[3] += sumAbsSigned([]byte{x - byte((int(a)+int(b))/2)})
			}
			done, none, sub, up, average := sumFilters8(tt.xs, tt.as, tt.bs)
			if done != n {
				t.Errorf("covered %d bytes, expected all %d", done, n)
			}
			if got := [4]int{none, sub, up, average}; got != want {
				t.Errorf("sums None, Sub, Up, Average = %v, expected %v", got, want)
			}
		})
	}
}
