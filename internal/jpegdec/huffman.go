package jpegdec

import "fmt"

// lookupBits is the number of bits the Huffman lookahead tables index.
// Codes of up to this length, which are nearly all codes in practice, decode
// with one table lookup.
const lookupBits = 10

// huffTable is one decoding table built from a DHT segment (T.81 Annex C).
type huffTable struct {
	defined bool

	// lookup maps the next lookupBits bits to length<<8 | symbol for codes
	// of at most lookupBits bits, and to 0 for longer codes.
	lookup [1 << lookupBits]uint16

	// fastAC maps the next lookupBits bits to value<<16 | run<<8 | length
	// when they hold a whole AC code with a non-zero magnitude category and
	// its extra bits (F.2.2.2): length covers both and value is the
	// coefficient after EXTEND (Figure F.12). 0 means no such entry.
	fastAC [1 << lookupBits]int32

	// maxcode[l] is the largest code of length l, or -1 (Figure F.16), and
	// delta[l] turns a code of length l into an index into values.
	maxcode [17]int32
	delta   [17]int32
	values  [256]uint8
}

// build derives the code table from the code-length counts and symbols of a
// DHT segment, using the canonical code assignment of Annex C (Figures C.1
// to C.3). isAC adds the combined run/value table.
func (t *huffTable) build(counts *[16]int, values []byte, isAC bool) error {
	*t = huffTable{}
	copy(t.values[:], values)
	code, k := int32(0), 0
	for l := 1; l <= 16; l++ {
		n := counts[l-1]
		t.maxcode[l] = -1
		// Codes of length l must fit in l bits (C.2); a table that
		// overflows them describes no prefix code.
		if int(code)+n > 1<<l {
			return formatErr(fmt.Sprintf("DHT table assigns %d codes of length %d, more than fit", n, l))
		}
		if n > 0 {
			t.delta[l] = int32(k) - code
			for i := 0; i < n; i++ {
				if l <= lookupBits {
					// Every lookahead index that starts with this code.
					shift := uint(lookupBits - l)
					base := int(code) << shift
					entry := uint16(l)<<8 | uint16(values[k])
					for j := 0; j < 1<<shift; j++ {
						t.lookup[base+j] = entry
					}
				}
				code++
				k++
			}
			t.maxcode[l] = code - 1
		}
		code <<= 1
	}
	if isAC {
		t.buildFastAC()
	}
	t.defined = true
	return nil
}

func (t *huffTable) buildFastAC() {
	for p := range t.lookup {
		e := t.lookup[p]
		if e == 0 {
			continue
		}
		l := int(e >> 8)
		rs := int(e & 0xff)
		run, s := rs>>4, rs&15
		if s == 0 || l+s > lookupBits {
			continue
		}
		bits := (p >> (lookupBits - l - s)) & (1<<s - 1)
		v := extend(uint64(bits), uint(s))
		t.fastAC[p] = v<<16 | int32(run)<<8 | int32(l+s)
	}
}

// decodeSlow decodes a code longer than lookupBits from the top bits of acc
// (Figure F.16). It returns the symbol and the code length, or length 0 when
// no code matches.
func (t *huffTable) decodeSlow(acc uint64) (int, uint) {
	for l := lookupBits + 1; l <= 16; l++ {
		code := int32(acc >> (64 - uint(l)))
		if code <= t.maxcode[l] {
			return int(t.values[(code+t.delta[l])&255]), uint(l)
		}
	}
	return 0, 0
}

// extend converts s extra bits v into a signed coefficient (EXTEND, Figure
// F.12): values below 2^(s-1) are negative. It has no branch, because the
// sign of a coefficient is unpredictable. s must be 1 to 16.
func extend(v uint64, s uint) int32 {
	x := int32(v)
	neg := (x - int32(1)<<(s-1)) >> 31
	return x + neg&(1-int32(1)<<s)
}
