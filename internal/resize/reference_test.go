package resize

import (
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"testing"
)

// referenceWeights returns, for each of dstLen outputs, the normalised
// float64 Lanczos-3 weights over all srcLen source samples that it reads,
// straight from the definition: output i is centred on source position
// (i+0.5)·scale − 0.5 with scale = srcLen/dstLen, the kernel
// sinc(x)·sinc(x/3) is stretched by scale when scale > 1, and positions
// past an edge read the edge sample.
func referenceWeights(srcLen, dstLen int) (first []int, weights [][]float64) {
	scale := float64(srcLen) / float64(dstLen)
	support := math.Max(scale, 1)
	radius := 3 * support
	first = make([]int, dstLen)
	weights = make([][]float64, dstLen)
	for i := range dstLen {
		centre := (float64(i)+0.5)*scale - 0.5
		lo := int(math.Floor(centre - radius))
		hi := int(math.Ceil(centre + radius))
		a := max(lo, 0)
		b := min(hi, srcLen-1)
		w := make([]float64, b-a+1)
		sum := 0.0
		for j := lo; j <= hi; j++ {
			x := (float64(j) - centre) / support
			v := 0.0
			if math.Abs(x) < 3 {
				v = sinc(x) * sinc(x/3)
			}
			w[min(max(j, 0), srcLen-1)-a] += v
			sum += v
		}
		for k := range w {
			w[k] /= sum
		}
		first[i] = a
		weights[i] = w
	}
	return first, weights
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// referenceResize resizes c interleaved channels with the exact float64
// separable Lanczos-3 filter, horizontal pass first, rounding only the
// final values to 0..255.
func referenceResize(src []byte, sw, sh, sstride, c, dw, dh int) []byte {
	xf, xw := referenceWeights(sw, dw)
	yf, yw := referenceWeights(sh, dh)
	tmp := make([]float64, sh*dw*c)
	for y := range sh {
		row := src[y*sstride:]
		for x := range dw {
			for ch := range c {
				s := 0.0
				for k, w := range xw[x] {
					s += w * float64(row[(xf[x]+k)*c+ch])
				}
				tmp[(y*dw+x)*c+ch] = s
			}
		}
	}
	out := make([]byte, dh*dw*c)
	col := make([]float64, dw*c)
	for y := range dh {
		clear(col)
		for k, w := range yw[y] {
			r := tmp[(yf[y]+k)*dw*c:][:dw*c]
			for i, v := range r {
				col[i] += w * v
			}
		}
		for i, v := range col {
			out[y*dw*c+i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	return out
}

// psnr returns the peak signal-to-noise ratio of a against b in dB, and
// +Inf when they are equal.
func psnr(a, b []byte) float64 {
	sum := 0.0
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	if sum == 0 {
		return math.Inf(1)
	}
	mse := sum / float64(len(a))
	return 10 * math.Log10(255*255/mse)
}

// maxDiff returns the largest absolute difference between a and b.
func maxDiff(a, b []byte) int {
	m := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		m = max(m, d, -d)
	}
	return m
}

// loadJPEG decodes a JPEG fixture and returns it as image.RGBA with
// Bounds().Min at the origin, and the decoded image itself.
func loadJPEG(t testing.TB, path string) (*image.RGBA, image.Image) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open fixture: %v", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	return rgba, img
}

// synthPhoto returns a deterministic opaque w×h image with the traits of a
// photo that matter to a resampler: smooth gradients, texture at several
// scales, hard-edged shapes and a little sensor-like noise.
func synthPhoto(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	colWave := make([][3]float64, w)
	for x := range w {
		fx := float64(x) / float64(w)
		colWave[x] = [3]float64{
			60 * math.Sin(2*math.Pi*fx*1.3+0.4),
			40 * math.Sin(2*math.Pi*fx*2.7+1.1),
			25 * math.Sin(float64(x)/9.7),
		}
	}
	rowWave := make([][3]float64, h)
	for y := range h {
		fy := float64(y) / float64(h)
		rowWave[y] = [3]float64{
			50 * math.Cos(2*math.Pi*fy*0.9),
			30 * math.Sin(2*math.Pi*fy*3.1+0.3),
			math.Sin(float64(y) / 6.1),
		}
	}
	var state uint32 = 0x9e3779b9
	for y := range h {
		row := m.Pix[y*m.Stride:]
		ry := rowWave[y]
		for x := range w {
			cx := colWave[x]
			texture := cx[2] * ry[2]
			r := 110 + cx[0] + ry[0] + texture
			g := 120 + cx[1] + ry[1] + 0.6*texture
			b := 100 + 0.5*cx[0] - ry[0] + 0.4*texture
			// A dark disc and a bright rectangle give hard edges at
			// arbitrary angles and positions.
			dx, dy := x-w*3/10, y-h*2/5
			if dx*dx+dy*dy < (h/5)*(h/5) {
				r, g, b = 30+0.3*r, 20+0.2*g, 40+0.2*b
			}
			if x > w*3/5 && x < w*17/20 && y > h/8 && y < h/3 {
				r, g, b = 235, 220, 190
			}
			state ^= state << 13
			state ^= state >> 17
			state ^= state << 5
			noise := float64(int(state&15) - 8)
			p := row[x*4 : x*4+4 : x*4+4]
			p[0] = clampByte(r + noise)
			p[1] = clampByte(g + noise)
			p[2] = clampByte(b + noise)
			p[3] = 255
		}
	}
	return m
}

func clampByte(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}
