package resize

import "math"

const (
	// weightBits is the fixed-point precision of the filter weights: the
	// weights of one output sample add up to exactly 1<<weightBits.
	weightBits = 14
	weightOne  = 1 << weightBits

	// fracBits is the number of fractional bits kept in the rows between
	// the horizontal and the vertical pass.
	fracBits = 6

	// hShift and vShift drop the weight scale after the horizontal and
	// the vertical pass.
	hShift = weightBits - fracBits
	vShift = weightBits + fracBits

	// lanczosA is the number of lobes of the Lanczos kernel on each side.
	lanczosA = 3
)

// axisWeights maps the n source samples of one axis to its output samples.
// Output i reads count[i] consecutive source samples from start[i] with
// the weights weights[i*maxTaps:][:count[i]].
type axisWeights struct {
	start   []int32
	count   []int32
	weights []int32
	maxTaps int
}

func (a *axisWeights) taps(i int) (start int, w []int32) {
	off := i * a.maxTaps
	return int(a.start[i]), a.weights[off : off+int(a.count[i])]
}

// lanczos3 returns the Lanczos-3 kernel sinc(x)·sinc(x/3) for |x| < 3 and 0
// elsewhere.
func lanczos3(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x >= lanczosA {
		return 0
	}
	if x < 1e-12 {
		return 1
	}
	px := math.Pi * x
	return lanczosA * math.Sin(px) * math.Sin(px/lanczosA) / (px * px)
}

// boxFactor returns the integer pre-shrink factor for an axis that goes
// from srcLen to dstLen samples: floor(srcLen/dstLen/2), at least 1 and at
// most maxBox, so that the Lanczos pass after it still reduces by 2 or more.
func boxFactor(srcLen, dstLen int) int {
	k := srcLen / (2 * dstLen)
	if k < 1 {
		return 1
	}
	if k > maxBox {
		return maxBox
	}
	return k
}

// newAxisWeights computes the Lanczos-3 weights that map srcLen source
// samples, pre-shrunk by the integer factor box into n = ceil(srcLen/box)
// samples, onto dstLen output samples. Positions are those of the
// original axis: output i is centred on source position
// (i+0.5)·srcLen/dstLen − 0.5, which is (i+0.5)·srcLen/(dstLen·box) − 0.5 in
// pre-shrunk samples.
func newAxisWeights(srcLen, dstLen, box int) *axisWeights {
	n := (srcLen + box - 1) / box
	a := &axisWeights{
		start: make([]int32, dstLen),
		count: make([]int32, dstLen),
	}
	if n == dstLen && box == 1 {
		// Same size: output i is source sample i. The float path gives
		// the same result after rounding, but this way is exact by
		// construction.
		a.maxTaps = 1
		a.weights = make([]int32, dstLen)
		for i := range dstLen {
			a.start[i] = int32(i)
			a.count[i] = 1
			a.weights[i] = weightOne
		}
		return a
	}

	scale := float64(srcLen) / (float64(dstLen) * float64(box))
	filterScale := max(scale, 1)
	radius := lanczosA * filterScale
	// Taps cover (centre−radius, centre+radius) and the clamped range
	// never exceeds n samples.
	a.maxTaps = min(int(math.Ceil(2*radius))+1, n)
	a.weights = make([]int32, dstLen*a.maxTaps)

	tmp := make([]float64, a.maxTaps)
	for i := range dstLen {
		centre := (float64(i)+0.5)*scale - 0.5
		lo := int(math.Floor(centre-radius)) + 1
		hi := int(math.Ceil(centre+radius)) - 1
		first := min(max(lo, 0), n-1)
		last := min(max(hi, 0), n-1)
		count := last - first + 1
		w := tmp[:count]
		clear(w)
		sum := 0.0
		for j := lo; j <= hi; j++ {
			v := lanczos3((float64(j) - centre) / filterScale)
			// Samples past an edge repeat the edge sample, so their
			// weight goes to it.
			k := min(max(j, 0), n-1) - first
			w[k] += v
			sum += v
		}
		skip, kept := quantize(w, sum, a.weights[i*a.maxTaps:][:count])
		a.start[i] = int32(first + skip)
		a.count[i] = int32(kept)
	}
	return a
}

// quantize normalises the float weights w (whose total is sum) to fixed
// point so that they add up to exactly weightOne, drops the weights that
// round to 0 at both ends, and writes the rest to the start of out. It
// returns how many leading weights it dropped and how many it kept. The
// rounding error goes to the largest weight, where it changes the response
// least.
func quantize(w []float64, sum float64, out []int32) (skip, kept int) {
	first := 0
	for first < len(w)-1 && math.Round(w[first]/sum*weightOne) == 0 {
		first++
	}
	last := len(w) - 1
	for last > first && math.Round(w[last]/sum*weightOne) == 0 {
		last--
	}
	total := int32(0)
	peak := 0
	for k := first; k <= last; k++ {
		q := int32(math.Round(w[k] / sum * weightOne))
		out[k-first] = q
		total += q
		if q > out[peak] {
			peak = k - first
		}
	}
	out[peak] += weightOne - total
	return first, last - first + 1
}
