package jpegenc

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

func TestZigzagOrder(t *testing.T) {
	// Walk the anti-diagonals of T.81 Figure A.6: even diagonals go up and
	// to the right, odd ones down and to the left.
	var want [64]uint8
	k := 0
	for d := range 15 {
		for i := range d + 1 {
			row, col := i, d-i
			if d%2 == 0 {
				row, col = d-i, i
			}
			if row < 8 && col < 8 {
				want[k] = uint8(row*8 + col)
				k++
			}
		}
	}
	if want != zigzagToNatural {
		t.Fatalf("zigzagToNatural = %v, want %v (the Figure A.6 walk)", zigzagToNatural, want)
	}
	for n := range 64 {
		if got := zigzagToNatural[naturalToZigzag[n]]; got != uint8(n) {
			t.Errorf("zigzagToNatural[naturalToZigzag[%d]] = %d, want %d", n, got, n)
		}
	}
}

func TestScaleQuantKnownValues(t *testing.T) {
	tests := []struct {
		quality   int
		table     int
		wantFirst uint8 // row-major entry 0
		wantLast  uint8 // row-major entry 63
	}{
		{50, 0, 16, 99},  // the Annex K table itself
		{85, 0, 5, 30},   // scale 30: 4.8 and 29.7
		{85, 1, 5, 30},   // scale 30: 5.1 and 29.7
		{75, 0, 8, 50},   // scale 50: 8 and 49.5 rounds up
		{100, 0, 1, 1},   // scale 0 clamps to 1
		{99, 1, 1, 2},    // scale 2: 0.34 clamps to 1, 1.98
		{1, 0, 255, 255}, // scale 5000 clamps to 255
		{10, 1, 85, 255}, // scale 500: 85, 495 clamps to 255
		{25, 1, 34, 198}, // scale 200
		{30, 0, 27, 164}, // scale 166 (integer division): 26.56 and 164.34
		{49, 0, 16, 101}, // scale 102: 16.32 and 100.98
		{51, 0, 16, 97},  // scale 98: 15.68 and 97.02
	}
	for _, tt := range tests {
		got := scaleQuant(&baseQuant[tt.table], tt.quality)
		if got[0] != tt.wantFirst || got[63] != tt.wantLast {
			t.Errorf("scaleQuant(table %d, quality %d) entries 0 and 63 = %d, %d, want %d, %d",
				tt.table, tt.quality, got[0], got[63], tt.wantFirst, tt.wantLast)
		}
	}
}

// TestQuantTablesMatchStdlib checks the DQT segment byte for byte against
// image/jpeg, which scales the same Annex K tables the IJG way.
func TestQuantTablesMatchStdlib(t *testing.T) {
	img := syntheticPhoto(16, 16)
	for _, quality := range []int{1, 10, 49, 50, 51, 85, 99, 100} {
		want := findSegments(headerSegments(t, encodeStd(t, img, quality)), markerDQT)
		got := findSegments(headerSegments(t, encodeOwn(t, img, Options{Quality: quality})), markerDQT)
		var wantBytes, gotBytes []byte
		for _, s := range want {
			wantBytes = append(wantBytes, s.payload...)
		}
		for _, s := range got {
			gotBytes = append(gotBytes, s.payload...)
		}
		if !bytes.Equal(gotBytes, wantBytes) {
			t.Errorf("quality %d: DQT payload differs from image/jpeg:\n got % x\nwant % x", quality, gotBytes, wantBytes)
		}
	}
}

// TestHuffmanTablesMatchStdlib checks the DHT tables against those that
// image/jpeg writes, which are also the Annex K tables.
func TestHuffmanTablesMatchStdlib(t *testing.T) {
	img := syntheticPhoto(16, 16)
	tables := func(data []byte) map[byte][]byte {
		out := map[byte][]byte{}
		for _, s := range findSegments(headerSegments(t, data), markerDHT) {
			p := s.payload
			for len(p) > 0 {
				if len(p) < 17 {
					t.Fatalf("DHT table truncated: % x", p)
				}
				n := 0
				for _, c := range p[1:17] {
					n += int(c)
				}
				if len(p) < 17+n {
					t.Fatalf("DHT table 0x%02x has %d values but %d bytes remain", p[0], n, len(p)-17)
				}
				out[p[0]] = p[1 : 17+n]
				p = p[17+n:]
			}
		}
		return out
	}
	want := tables(encodeStd(t, img, 85))
	got := tables(encodeOwn(t, img, Options{}))
	if len(got) != 4 {
		t.Errorf("output has %d Huffman tables, want 4", len(got))
	}
	for id, w := range want {
		if !bytes.Equal(got[id], w) {
			t.Errorf("Huffman table class %d destination %d differs from image/jpeg:\n got % x\nwant % x", id>>4, id&15, got[id], w)
		}
	}
}

func TestHuffmanCodesKnownValues(t *testing.T) {
	// Codes copied by hand from T.81 Tables K.3, K.4 and K.5.
	tests := []struct {
		name   string
		codes  *huffmanCodes
		symbol uint8
		code   uint32
		length uint32
	}{
		{"DC luma size 0", &standardCodes[0][classDC], 0x00, 0b00, 2},
		{"DC luma size 1", &standardCodes[0][classDC], 0x01, 0b010, 3},
		{"DC luma size 6", &standardCodes[0][classDC], 0x06, 0b1110, 4},
		{"DC luma size 11", &standardCodes[0][classDC], 0x0b, 0b111111110, 9},
		{"DC chroma size 0", &standardCodes[1][classDC], 0x00, 0b00, 2},
		{"DC chroma size 11", &standardCodes[1][classDC], 0x0b, 0b11111111110, 11},
		{"AC luma EOB", &standardCodes[0][classAC], 0x00, 0b1010, 4},
		{"AC luma 0/1", &standardCodes[0][classAC], 0x01, 0b00, 2},
		{"AC luma 0/3", &standardCodes[0][classAC], 0x03, 0b100, 3},
		{"AC luma 1/1", &standardCodes[0][classAC], 0x11, 0b1100, 4},
		{"AC luma ZRL", &standardCodes[0][classAC], 0xf0, 0b11111111001, 11},
		{"AC luma 15/10", &standardCodes[0][classAC], 0xfa, 0b1111111111111110, 16},
		{"AC chroma EOB", &standardCodes[1][classAC], 0x00, 0b00, 2},
		{"AC chroma ZRL", &standardCodes[1][classAC], 0xf0, 0b1111111010, 10},
	}
	for _, tt := range tests {
		c := tt.codes[tt.symbol]
		if c>>8 != tt.code || c&0xff != tt.length {
			t.Errorf("%s: code %0*b (length %d), want %0*b (length %d)", tt.name, c&0xff, c>>8, c&0xff, tt.length, tt.code, tt.length)
		}
	}
}

// TestFDCTMatchesDefinition compares fdct, divided by its documented output
// scale, with the FDCT formula of T.81 A.3.3 evaluated in float64.
func TestFDCTMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var maxErr float64
	for trial := range 200 {
		// b holds samples in 0..255 for fdct, input the level-shifted
		// samples in -128..127 that the T.81 formula takes.
		var b, input block
		for i := range b {
			switch {
			case trial == 0:
				b[i] = 255
			case trial == 1:
				b[i] = 0
			case trial == 2 && (i/8+i%8)%2 == 0: // checkerboard
				b[i] = 255
			case trial == 2:
				b[i] = 0
			default:
				b[i] = int32(rng.IntN(256))
			}
			input[i] = b[i] - 128
		}
		fdct(&b)
		for v := range 8 {
			for u := range 8 {
				var sum float64
				for y := range 8 {
					for x := range 8 {
						sum += float64(input[y*8+x]) *
							math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) *
							math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
					}
				}
				cu, cv := 1.0, 1.0
				if u == 0 {
					cu = 1 / math.Sqrt2
				}
				if v == 0 {
					cv = 1 / math.Sqrt2
				}
				want := cu * cv * sum / 4
				scale := 8 * aanScale[u] * aanScale[v] * (1 << fdctExtraBits)
				got := float64(b[v*8+u]) / scale
				maxErr = max(maxErr, math.Abs(got-want))
			}
		}
	}
	// A quantizer step is at least 1, so an error of 0.05 moves a rounding
	// decision only for values within 0.05 of a half step.
	if maxErr > 0.05 {
		t.Errorf("largest deviation of fdct from T.81 A.3.3 is %.4f, want at most 0.05", maxErr)
	}
	t.Logf("largest deviation of fdct from T.81 A.3.3: %.4f", maxErr)
}

func TestQuantizeRoundsToNearest(t *testing.T) {
	var table quantTable
	natural := scaleQuant(&baseQuant[0], 85)
	table.init(&natural)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		var b, zz block
		for i := range b {
			b[i] = int32(rng.IntN(1<<23)) - 1<<22
		}
		mask := quantize(&zz, &b, &table)
		for n := range 64 {
			divisor := float64(natural[n]) * 8 * aanScale[n>>3] * aanScale[n&7] * (1 << fdctExtraBits)
			exact := float64(b[n]) / divisor
			k := naturalToZigzag[n]
			got := zz[k]
			want := math.Round(exact)
			// Only exact halves may round either way.
			if float64(got) != want && math.Abs(math.Abs(exact-math.Trunc(exact))-0.5) > 1e-6 {
				t.Fatalf("quantize(%d) at %d with divisor %.3f = %d, want %v", b[n], n, divisor, got, want)
			}
			if (mask>>k&1 == 1) != (got != 0) {
				t.Fatalf("mask bit %d is %d but zz[%d] = %d", k, mask>>k&1, k, got)
			}
		}
	}
}

func TestAppendWordStuffing(t *testing.T) {
	tests := []struct {
		word uint32
		want []byte
	}{
		{0x12345678, []byte{0x12, 0x34, 0x56, 0x78}},
		{0x12ff34ff, []byte{0x12, 0xff, 0x00, 0x34, 0xff, 0x00}},
		{0xffffffff, []byte{0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0}},
		{0xfe7f80ef, []byte{0xfe, 0x7f, 0x80, 0xef}},
		{0x00ff0000, []byte{0x00, 0xff, 0x00, 0x00, 0x00}},
	}
	for _, tt := range tests {
		if got := appendWord(nil, tt.word); !bytes.Equal(got, tt.want) {
			t.Errorf("appendWord(%08x) = % x, want % x", tt.word, got, tt.want)
		}
	}
}

func TestFinishSegmentPadding(t *testing.T) {
	tests := []struct {
		name  string
		acc   uint64
		nbits uint
		want  []byte
	}{
		{"empty", 0, 0, nil},
		{"three bits", 0b101, 3, []byte{0b1011_1111}},
		{"seven ones", 0b111_1111, 7, []byte{0xff, 0x00}},
		{"whole byte", 0xa5, 8, []byte{0xa5}},
		{"12 bits", 0x123, 12, []byte{0x12, 0x3f}},
		{"stale high bits", 0xdead_0000_0000_0001, 1, []byte{0xff, 0x00}},
	}
	for _, tt := range tests {
		bw := bitWriter{acc: tt.acc, nbits: tt.nbits}
		bw.finishSegment()
		if !bytes.Equal(bw.buf, tt.want) {
			t.Errorf("%s: finishSegment wrote % x, want % x", tt.name, bw.buf, tt.want)
		}
		if bw.nbits != 0 {
			t.Errorf("%s: %d bits left pending, want 0", tt.name, bw.nbits)
		}
	}
}
