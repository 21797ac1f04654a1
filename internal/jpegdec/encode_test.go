package jpegdec

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"testing"
)

// synthComponent is one component for encodeBaseline: its identifier,
// sampling factors, and its samples at its own resolution, which must be
// ceil(X*h/Hmax) x ceil(Y*v/Vmax) (T.81 A.1.1).
type synthComponent struct {
	id   byte
	h, v int
	w, r int // plane width and height
	pix  []byte
}

// encodeBaseline writes a baseline JPEG file (T.81 Annex B syntax) from
// component planes, so that tests can build layouts no encoder at hand
// writes, such as rational ratios between components. Every quantisation
// step is 1, so the file reproduces the planes up to transform rounding.
// The Huffman tables give each DC category a 4-bit code and each AC
// symbol an 8-bit code. All components share one interleaved scan when the
// MCU has at most 10 blocks (B.2.3); otherwise each has its own scan. With
// adobe >= 0 an Adobe APP14 segment carries that colour transform.
func encodeBaseline(width, height int, comps []synthComponent, adobe int) []byte {
	var out bytes.Buffer
	segment := func(marker byte, payload []byte) {
		out.Write([]byte{0xff, marker, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)})
		out.Write(payload)
	}
	out.Write([]byte{0xff, markerSOI})
	if adobe >= 0 {
		segment(markerAPPE, []byte{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, byte(adobe)})
	}
	dqt := make([]byte, 65)
	for i := 1; i < 65; i++ {
		dqt[i] = 1
	}
	segment(markerDQT, dqt)

	hmax, vmax := 1, 1
	for _, c := range comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	sof := []byte{8, byte(height >> 8), byte(height), byte(width >> 8), byte(width), byte(len(comps))}
	for _, c := range comps {
		sof = append(sof, c.id, byte(c.h<<4|c.v), 0)
	}
	segment(markerSOF0, sof)

	// DC table 0: categories 0..11, 4 bits each. AC table 0: EOB, ZRL and
	// every run/size pair with size 1..10, 8 bits each. With all codes of
	// one length, symbol i's code is i (C.2).
	dht := []byte{0x00, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for s := 0; s < 12; s++ {
		dht = append(dht, byte(s))
	}
	acSymbols := []byte{0x00, 0xf0}
	for r := 0; r < 16; r++ {
		for s := 1; s <= 10; s++ {
			acSymbols = append(acSymbols, byte(r<<4|s))
		}
	}
	dht = append(dht, 0x10, 0, 0, 0, 0, 0, 0, 0, byte(len(acSymbols)), 0, 0, 0, 0, 0, 0, 0, 0)
	dht = append(dht, acSymbols...)
	segment(markerDHT, dht)
	var acCode [256]int
	for i, s := range acSymbols {
		acCode[s] = i
	}

	mcux, mcuy := ceilDiv(width, 8*hmax), ceilDiv(height, 8*vmax)
	blocks := 0
	for _, c := range comps {
		blocks += c.h * c.v
	}
	var scans [][]int
	if blocks <= 10 {
		all := make([]int, len(comps))
		for i := range all {
			all[i] = i
		}
		scans = append(scans, all)
	} else {
		for i := range comps {
			scans = append(scans, []int{i})
		}
	}
	for _, scan := range scans {
		sos := []byte{byte(len(scan))}
		for _, i := range scan {
			sos = append(sos, comps[i].id, 0x00)
		}
		sos = append(sos, 0, 63, 0)
		segment(markerSOS, sos)
		bw := bitWriter{out: &out}
		preds := make([]int, len(comps))
		encode := func(i, bx, by int) {
			c := comps[i]
			coef := forwardDCT(c, bx, by)
			diff := coef[0] - preds[i]
			preds[i] = coef[0]
			s := magnitudeCategory(diff)
			bw.write(uint32(s), 4)
			bw.writeValue(diff, s)
			run := 0
			for k := 1; k < 64; k++ {
				v := coef[zigzag[k]]
				if v == 0 {
					run++
					continue
				}
				for ; run >= 16; run -= 16 {
					bw.write(uint32(acCode[0xf0]), 8)
				}
				s := magnitudeCategory(v)
				bw.write(uint32(acCode[run<<4|s]), 8)
				bw.writeValue(v, s)
				run = 0
			}
			if run > 0 {
				bw.write(uint32(acCode[0x00]), 8)
			}
		}
		if len(scan) == 1 {
			// Non-interleaved: the component's own blocks (A.2.2).
			c := comps[scan[0]]
			for by := 0; by < ceilDiv(c.r, 8); by++ {
				for bx := 0; bx < ceilDiv(c.w, 8); bx++ {
					encode(scan[0], bx, by)
				}
			}
		} else {
			for my := 0; my < mcuy; my++ {
				for mx := 0; mx < mcux; mx++ {
					for _, i := range scan {
						c := comps[i]
						for y := 0; y < c.v; y++ {
							for x := 0; x < c.h; x++ {
								encode(i, mx*c.h+x, my*c.v+y)
							}
						}
					}
				}
			}
		}
		bw.flush()
	}
	out.Write([]byte{0xff, markerEOI})
	return out.Bytes()
}

// forwardDCT returns the rounded coefficients (natural order) of block
// (bx, by) of c, by the FDCT of T.81 A.3.3 after the level shift. Samples
// past the plane's edge repeat the edge sample.
func forwardDCT(c synthComponent, bx, by int) [64]int {
	var s [64]float64
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			sx, sy := min(bx*8+x, c.w-1), min(by*8+y, c.r-1)
			s[y*8+x] = float64(c.pix[sy*c.w+sx]) - 128
		}
	}
	var coef [64]int
	for v := 0; v < 8; v++ {
		for u := 0; u < 8; u++ {
			var sum float64
			for y := 0; y < 8; y++ {
				for x := 0; x < 8; x++ {
					sum += s[y*8+x] * math.Cos(float64((2*x+1)*u)*math.Pi/16) * math.Cos(float64((2*y+1)*v)*math.Pi/16)
				}
			}
			cu, cv := 1.0, 1.0
			if u == 0 {
				cu = 1 / math.Sqrt2
			}
			if v == 0 {
				cv = 1 / math.Sqrt2
			}
			coef[v*8+u] = int(math.Round(cu * cv * sum / 4))
		}
	}
	return coef
}

// magnitudeCategory returns SSSS of F.1.2.1: the bit length of |v|.
func magnitudeCategory(v int) int {
	if v < 0 {
		v = -v
	}
	n := 0
	for ; v > 0; v >>= 1 {
		n++
	}
	return n
}

// bitWriter writes entropy-coded data MSB first with 0xFF byte stuffing
// (B.1.1.5).
type bitWriter struct {
	out   *bytes.Buffer
	acc   uint32
	nbits uint
}

func (b *bitWriter) write(bits uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		b.acc = b.acc<<1 | bits>>uint(i)&1
		b.nbits++
		if b.nbits == 8 {
			b.out.WriteByte(byte(b.acc))
			if byte(b.acc) == 0xff {
				b.out.WriteByte(0)
			}
			b.acc, b.nbits = 0, 0
		}
	}
}

// writeValue writes the s low bits that F.1.2.1 appends to a category:
// v itself when positive, v-1 when negative.
func (b *bitWriter) writeValue(v, s int) {
	if v < 0 {
		v--
	}
	b.write(uint32(v)&(1<<uint(s)-1), uint(s))
}

// flush pads the last byte with 1 bits (F.1.2.3).
func (b *bitWriter) flush() {
	for b.nbits != 0 {
		b.write(1, 1)
	}
}

// synthPlanes samples w x h pixels of photoLike as components: YCbCr by
// the forward equations of T.871 section 7, or R, G, B, or C, M, Y, K
// (K from the darkest channel). Component i with factors h x v of the
// maximum gets ceil(w*h/Hmax) x ceil(h*v/Vmax) samples, each the mean of
// the source pixels under it.
func synthPlanes(w, h int, space string, factors [][2]int) []synthComponent {
	src := photoLike(w, h)
	hmax, vmax := 1, 1
	for _, f := range factors {
		hmax, vmax = max(hmax, f[0]), max(vmax, f[1])
	}
	channel := func(i, x, y int) float64 {
		p := src.Pix[src.PixOffset(x, y):]
		r, g, b := float64(p[0]), float64(p[1]), float64(p[2])
		switch space {
		case "YCbCr":
			return [3]float64{
				0.299*r + 0.587*g + 0.114*b,
				-0.1687*r - 0.3313*g + 0.5*b + 128,
				0.5*r - 0.4187*g - 0.0813*b + 128,
			}[i]
		case "CMYK":
			k := 255 - max(r, g, b)
			return [4]float64{255 - r, 255 - g, 255 - b, k}[i]
		}
		return [3]float64{r, g, b}[i]
	}
	var comps []synthComponent
	for i, f := range factors {
		cw, ch := ceilDiv(w*f[0], hmax), ceilDiv(h*f[1], vmax)
		c := synthComponent{id: byte(1 + i), h: f[0], v: f[1], w: cw, r: ch, pix: make([]byte, cw*ch)}
		for y := 0; y < ch; y++ {
			for x := 0; x < cw; x++ {
				var sum float64
				n := 0
				for sy := y * vmax / f[1]; sy < min((y+1)*vmax/f[1]+1, h); sy++ {
					for sx := x * hmax / f[0]; sx < min((x+1)*hmax/f[0]+1, w); sx++ {
						sum += channel(i, sx, sy)
						n++
					}
				}
				c.pix[y*cw+x] = byte(math.Round(math.Min(255, math.Max(0, sum/float64(n)))))
			}
		}
		comps = append(comps, c)
	}
	return comps
}

// expectedPixel returns what Decode should output at (x, y) at full size:
// each plane interpolated linearly at the centre-aligned position (see
// upsample.go), in float64, then converted by the T.871 equations (YCbCr),
// copied (RGB) or inverted (Adobe CMYK).
func expectedPixel(comps []synthComponent, space string, x, y int) [4]float64 {
	hmax, vmax := 1, 1
	for _, c := range comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	var s [4]float64
	for i, c := range comps {
		px := (float64(x)+0.5)*float64(c.h)/float64(hmax) - 0.5
		py := (float64(y)+0.5)*float64(c.v)/float64(vmax) - 0.5
		at := func(sx, sy int) float64 {
			return float64(c.pix[min(max(sy, 0), c.r-1)*c.w+min(max(sx, 0), c.w-1)])
		}
		x0, y0 := math.Floor(px), math.Floor(py)
		fx, fy := px-x0, py-y0
		ix, iy := int(x0), int(y0)
		top := at(ix, iy)*(1-fx) + at(ix+1, iy)*fx
		bottom := at(ix, iy+1)*(1-fx) + at(ix+1, iy+1)*fx
		s[i] = top*(1-fy) + bottom*fy
	}
	switch space {
	case "YCbCr":
		return [4]float64{
			s[0] + 1.402*(s[2]-128),
			s[0] - 0.344136*(s[1]-128) - 0.714136*(s[2]-128),
			s[0] + 1.772*(s[1]-128),
			255,
		}
	case "CMYK":
		return [4]float64{255 - s[0], 255 - s[1], 255 - s[2], 255 - s[3]}
	}
	return [4]float64{s[0], s[1], s[2], 255}
}

// TestFactorsSynthetic decodes files built by encodeBaseline with layouts
// no available encoder writes: rational ratios between components (which
// libjpeg rejects), and RGB and CMYK files with Adobe transform 0. Every
// sample must be within maxSynthDiff of expectedPixel, and the scaled
// decodes must keep 30 dB against the full decode box-averaged.
func TestFactorsSynthetic(t *testing.T) {
	// The decoded planes differ from the encoded ones by the rounding of the
	// coefficients and of the inverse DCT. Colour conversion amplifies a
	// chroma difference by up to 1.772.
	const maxSynthDiff = 4
	cases := []struct {
		name    string
		space   string
		adobe   int
		factors [][2]int
		model   string
	}{
		{"YCbCr 3x1 2x1 2x1", "YCbCr", -1, [][2]int{{3, 1}, {2, 1}, {2, 1}}, "*image.RGBA"},
		{"YCbCr 2x3 1x2 1x2", "YCbCr", -1, [][2]int{{2, 3}, {1, 2}, {1, 2}}, "*image.RGBA"},
		{"YCbCr 4x2 3x1 3x1", "YCbCr", -1, [][2]int{{4, 2}, {3, 1}, {3, 1}}, "*image.RGBA"},
		{"YCbCr 4x4 3x3 2x2", "YCbCr", -1, [][2]int{{4, 4}, {3, 3}, {2, 2}}, "*image.RGBA"},
		{"RGB 1x1 2x2 1x2", "RGB", 0, [][2]int{{1, 1}, {2, 2}, {1, 2}}, "*image.RGBA"},
		{"CMYK 2x1 1x1 1x2 2x2", "CMYK", 0, [][2]int{{2, 1}, {1, 1}, {1, 2}, {2, 2}}, "*image.CMYK"},
		{"CMYK 3x2 3x2 3x2 3x1", "CMYK", 0, [][2]int{{3, 2}, {3, 2}, {3, 2}, {3, 1}}, "*image.CMYK"},
	}
	const w, h = 77, 53
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			comps := synthPlanes(w, h, tc.space, tc.factors)
			data := encodeBaseline(w, h, comps, tc.adobe)
			full, err := Decode(data, Options{})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := fmt.Sprintf("%T", full); got != tc.model {
				t.Fatalf("Decode returned %s, want %s", got, tc.model)
			}
			if full.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("bounds %v, want %dx%d", full.Bounds(), w, h)
			}
			pix, stride, _ := pixelsOf(t, full)
			worst := 0.0
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					want := expectedPixel(comps, tc.space, x, y)
					for c := 0; c < 4; c++ {
						got := float64(pix[y*stride+4*x+c])
						d := math.Abs(got - math.Min(255, math.Max(0, want[c])))
						worst = math.Max(worst, d)
						if d > maxSynthDiff {
							t.Fatalf("pixel (%d,%d) channel %d: got %v, expected %.2f from the encoded planes", x, y, c, got, want[c])
						}
					}
				}
			}
			t.Logf("max difference from the expected samples %.2f", worst)
			for _, s := range []int{2, 4, 8} {
				got, err := Decode(data, Options{Scale: s, Workers: 2})
				if err != nil {
					t.Fatalf("Decode at scale 1/%d: %v", s, err)
				}
				if want := image.Rect(0, 0, ceilDiv(w, s), ceilDiv(h, s)); got.Bounds() != want {
					t.Fatalf("bounds %v at scale 1/%d, want %v", got.Bounds(), s, want)
				}
				if p := boxPSNR(t, got, full, s); p < 30 {
					t.Fatalf("scale 1/%d: PSNR %.1f dB against the full decode box-averaged, want >= 30 dB", s, p)
				}
			}
		})
	}
}
