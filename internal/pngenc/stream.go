package pngenc

import (
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/flate"
)

const (
	// stripeTargetBytes is the filtered size each stripe aims for: at
	// least one row, otherwise as many whole rows as fit.
	stripeTargetBytes = 512 << 10
	// historyBytes is the DEFLATE window (RFC 1951): a stripe
	// is primed with this much of the filtered data before it, so matches
	// may reach back across the stripe boundary as in one serial stream.
	historyBytes = 32 << 10
	// maxIDATData is the data size of every IDAT chunk but the last.
	maxIDATData = 256 << 10
)

// pngSignature is the 8-byte signature that starts every PNG file.
var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}

// encoder contains the state shared by all workers of one Encode call.
// Workers only read it.
type encoder struct {
	src        *source
	flateLevel int
	adaptive   bool
	workers    int

	stripeBytes   int // stripeTargetBytes, smaller in tests
	rowBytes      int // filtered row: filter type byte and rowLen bytes
	rowsPerStripe int
	stripes       int
	historyRows   int // rows before a stripe that cover historyBytes, 0 without history
}

// planStripes splits the rows into stripes. The split depends only on the
// image size and colour type, never on the worker count.
func (e *encoder) planStripes() {
	e.rowBytes = e.src.rowLen + 1
	e.rowsPerStripe = max(1, e.stripeBytes/e.rowBytes)
	e.stripes = (e.src.height + e.rowsPerStripe - 1) / e.rowsPerStripe
	// Stored and Huffman-only blocks never refer back, so they need no
	// history.
	if e.flateLevel >= 1 {
		e.historyRows = (historyBytes + e.rowBytes - 1) / e.rowBytes
	}
}

// write writes the whole PNG file to w.
func (e *encoder) write(w io.Writer) error {
	cw := &chunkWriter{w: w}
	cw.writeRaw(pngSignature)
	cw.writeChunk("IHDR", e.header())
	if e.src.colorType == colorTypePaletted {
		plte, trns := paletteChunks(e.src)
		cw.writeChunk("PLTE", plte)
		if trns != nil {
			cw.writeChunk("tRNS", trns)
		}
	}
	if cw.err != nil {
		return cw.err
	}
	if err := e.writeImageData(cw); err != nil {
		return err
	}
	cw.writeChunk("IEND", nil)
	return cw.err
}

// header returns the IHDR chunk data:
// width, height, bit depth 8, colour type, and compression method,
// filter method and interlace method 0.
func (e *encoder) header() []byte {
	b := make([]byte, 13)
	binary.BigEndian.PutUint32(b[0:], uint32(e.src.width))
	binary.BigEndian.PutUint32(b[4:], uint32(e.src.height))
	b[8] = 8
	b[9] = e.src.colorType
	return b
}

// paletteChunks returns the PLTE chunk data and, when an entry is not
// opaque, the tRNS chunk data (one alpha byte per entry) up to the last
// such entry. Entries are converted to straight alpha as image/png
// converts them.
func paletteChunks(s *source) (plte, trns []byte) {
	plte = make([]byte, 0, 3*len(s.palette))
	alpha := make([]byte, 0, len(s.palette))
	lastTranslucent := -1
	for i, c := range s.palette {
		n := nrgbaOf(c)
		plte = append(plte, n.R, n.G, n.B)
		alpha = append(alpha, n.A)
		if n.A != 0xff {
			lastTranslucent = i
		}
	}
	if lastTranslucent >= 0 {
		trns = alpha[:lastTranslucent+1]
	}
	return plte, trns
}

// zlibHeader returns the 2-byte zlib header (RFC 1950 section 2.2):
// DEFLATE with a 32 KiB window, no preset dictionary, and FLEVEL from the
// flate level, with FCHECK making the 16-bit value a multiple of 31.
func zlibHeader(flateLevel int) [2]byte {
	const cmf = 0x78 // CM 8 (deflate), CINFO 7 (32 KiB window)
	var flevel byte
	switch {
	case flateLevel <= 1:
		flevel = 0 // fastest
	case flateLevel <= 5:
		flevel = 1 // fast
	case flateLevel == 6:
		flevel = 2 // default
	default:
		flevel = 3 // maximum
	}
	flg := flevel << 6
	flg += byte(31 - (uint(cmf)<<8|uint(flg))%31)
	return [2]byte{cmf, flg}
}

// stripeResult is the compressed form of one stripe.
type stripeResult struct {
	data  []byte // DEFLATE blocks, ending on a byte boundary
	adler uint32 // Adler-32 of the stripe's filtered bytes
	size  int    // number of filtered bytes
	err   error
}

// writeImageData writes the zlib stream of all filtered rows as IDAT
// chunks. With more than one worker, stripes are compressed in parallel
// and written in order as they complete.
func (e *encoder) writeImageData(cw *chunkWriter) error {
	idat := newIDATWriter(cw)
	defer idat.release()
	header := zlibHeader(e.flateLevel)
	idat.write(header[:])

	adler := uint32(1) // Adler-32 of no data
	emit := func(r *stripeResult) error {
		idat.write(r.data)
		adler = adler32Combine(adler, r.adler, r.size)
		return cw.err
	}

	workers := min(e.workers, e.stripes)
	var err error
	if workers <= 1 {
		err = e.compressSerial(emit)
	} else {
		err = e.compressParallel(workers, emit)
	}
	if err != nil {
		return err
	}

	var trailer [4]byte
	binary.BigEndian.PutUint32(trailer[:], adler)
	idat.write(trailer[:])
	idat.flush()
	return cw.err
}

// compressSerial compresses the stripes one after another on the calling
// goroutine.
func (e *encoder) compressSerial(emit func(*stripeResult) error) error {
	wk := getWorker()
	defer putWorker(wk)
	for i := range e.stripes {
		r := wk.compressStripe(e, i, wk.spare[:0])
		if r.err != nil {
			return r.err
		}
		if err := emit(&r); err != nil {
			return err
		}
		wk.spare = r.data
	}
	return nil
}

// compressParallel runs workers goroutines that take stripes in order and
// compress them, while the calling goroutine emits the results in order
// and stops at the first error. At most 2*workers stripes are compressed but not yet emitted, which
// bounds the memory held by results.
func (e *encoder) compressParallel(workers int, emit func(*stripeResult) error) error {
	results := make([]stripeResult, e.stripes)
	done := make([]chan struct{}, e.stripes)
	for i := range done {
		done[i] = make(chan struct{})
	}
	slots := make(chan struct{}, 2*workers)
	spare := make(chan []byte, 2*workers)
	abort := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup

	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := getWorker()
			defer putWorker(wk)
			for {
				select {
				case <-abort:
					return
				default:
				}
				select {
				case slots <- struct{}{}:
				case <-abort:
					return
				}
				i := int(next.Add(1) - 1)
				if i >= e.stripes {
					return
				}
				var buf []byte
				select {
				case buf = <-spare:
				default:
				}
				results[i] = wk.compressStripe(e, i, buf[:0])
				close(done[i])
			}
		}()
	}

	var err error
	for i := range e.stripes {
		<-done[i]
		r := &results[i]
		if r.err != nil {
			err = r.err
			break
		}
		if err = emit(r); err != nil {
			break
		}
		select {
		case spare <- r.data:
		default:
		}
		r.data = nil
		<-slots
	}
	close(abort)
	wg.Wait()
	return err
}

// worker contains the buffers and compressor that one goroutine reuses
// across stripes and, through workerPool, across Encode calls.
type worker struct {
	rows     [2][]byte // raw rows converted from the image
	zero     []byte    // the row above the first row
	filtered []byte    // history rows, then the stripe's rows, filtered
	filter   rowFilter
	out      appendWriter
	spare    []byte // output buffer of the serial path, kept for reuse
	fw       *flate.Writer
	fwLevel  int
}

var workerPool = sync.Pool{New: func() any { return new(worker) }}

func getWorker() *worker { return workerPool.Get().(*worker) }

func putWorker(wk *worker) {
	wk.out.buf = nil
	if wk.fw != nil {
		// Drop the references to the last output and history.
		wk.fw.ResetDict(io.Discard, nil)
	}
	workerPool.Put(wk)
}

// compressStripe filters stripe i and compresses it into buf. The stripe
// ends with a sync flush (an empty stored block), or with the final block
// when it is the last stripe.
func (wk *worker) compressStripe(e *encoder, i int, buf []byte) stripeResult {
	src := e.src
	first := i * e.rowsPerStripe
	end := min(first+e.rowsPerStripe, src.height)
	start := max(0, first-e.historyRows)

	wk.rows[0] = grow(wk.rows[0], src.rowLen)
	wk.rows[1] = grow(wk.rows[1], src.rowLen)
	wk.zero = grow(wk.zero, src.rowLen)
	clear(wk.zero)
	wk.filtered = grow(wk.filtered, (end-start)*e.rowBytes)

	// Row start-1 belongs to the stripe before. Converting it again here
	// lets this stripe start without waiting for that one.
	// NOTE: A row longer than half of stripeTargetBytes (a width above
	// 65535 RGBA pixels) makes every stripe one row, and filtering the
	// history row then doubles the filter work.
	prev := wk.zero
	if start > 0 {
		prev = src.row(start-1, wk.rows[(start-1)&1])
	}
	for y := start; y < end; y++ {
		cur := src.row(y, wk.rows[y&1])
		wk.filter.filter(wk.filtered[(y-start)*e.rowBytes:], cur, prev, src.bpp, e.adaptive)
		prev = cur
	}
	historyLen := (first - start) * e.rowBytes
	history := wk.filtered[max(0, historyLen-historyBytes):historyLen]
	data := wk.filtered[historyLen:]

	if wk.fw == nil || wk.fwLevel != e.flateLevel {
		fw, err := flate.NewWriter(io.Discard, e.flateLevel)
		if err != nil {
			return stripeResult{err: fmt.Errorf("pngenc: create flate writer at level %d: %w", e.flateLevel, err)}
		}
		wk.fw, wk.fwLevel = fw, e.flateLevel
	}
	// Where deflate cannot compress, it falls back to stored blocks of 5
	// header bytes per 64 KiB, so this capacity usually avoids growing buf.
	if need := len(data) + len(data)/1024 + 64; cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	wk.out.buf = buf
	wk.fw.ResetDict(&wk.out, history)
	_, err := wk.fw.Write(data)
	if err == nil {
		if end == src.height {
			err = wk.fw.Close()
		} else {
			err = wk.fw.Flush()
		}
	}
	out := wk.out.buf
	wk.out.buf = nil
	return stripeResult{data: out, adler: adler32.Checksum(data), size: len(data), err: err}
}

// grow returns b resliced to n bytes, reallocated when its capacity is
// smaller. The contents are not kept.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// appendWriter is an io.Writer that appends to buf.
type appendWriter struct{ buf []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.buf = append(a.buf, p...)
	return len(p), nil
}

// adlerModulus is the largest prime below 2^16, the Adler-32 modulus
// (RFC 1950).
const adlerModulus = 65521

// adler32Combine returns the Adler-32 of the concatenation of two byte
// sequences, from the checksum first of the first sequence, the checksum
// second of the second, and secondLen, the length of the second.
//
// Adler-32 keeps s1 = 1 + sum of the bytes and s2 = sum of s1 after each
// byte, modulo 65521. Appending n bytes with byte sums P_1..P_n adds P_n
// to s1, and adds n*s1 of the first part plus P_1+...+P_n to s2. The
// second checksum alone has s1 = 1 + P_n and s2 = n + P_1+...+P_n.
func adler32Combine(first, second uint32, secondLen int) uint32 {
	s1a, s2a := uint64(first&0xffff), uint64(first>>16)
	s1b, s2b := uint64(second&0xffff), uint64(second>>16)
	n := uint64(secondLen % adlerModulus)
	s1 := (s1a + s1b + adlerModulus - 1) % adlerModulus
	s2 := (s2a + n*s1a + s2b + adlerModulus - n) % adlerModulus
	return uint32(s2<<16 | s1)
}

// chunkWriter writes PNG chunks to w and
// keeps the first write error.
type chunkWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func (c *chunkWriter) writeRaw(p []byte) {
	if c.err != nil {
		return
	}
	if _, err := c.w.Write(p); err != nil {
		c.err = fmt.Errorf("pngenc: write PNG data: %w", err)
	}
}

// writeChunk writes a chunk of the given 4-letter type: data length, type,
// data, and the CRC-32 of type and data.
func (c *chunkWriter) writeChunk(chunkType string, data []byte) {
	c.buf = append(c.buf[:0], 0, 0, 0, 0)
	binary.BigEndian.PutUint32(c.buf, uint32(len(data)))
	c.buf = append(c.buf, chunkType...)
	c.buf = append(c.buf, data...)
	c.buf = binary.BigEndian.AppendUint32(c.buf, crc32.ChecksumIEEE(c.buf[4:]))
	c.writeRaw(c.buf)
}

// idatWriter cuts the zlib stream into IDAT chunks of maxIDATData bytes.
// Its buffer keeps 8 bytes in front for the length and type and 4 behind
// for the CRC, so each chunk is one write.
type idatWriter struct {
	cw  *chunkWriter
	buf []byte
}

var idatBufferPool = sync.Pool{New: func() any {
	buf := make([]byte, 8, 8+maxIDATData+4)
	return &buf
}}

// newIDATWriter returns an idatWriter with a buffer from idatBufferPool,
// which release returns.
func newIDATWriter(cw *chunkWriter) *idatWriter {
	buf := *idatBufferPool.Get().(*[]byte)
	buf = buf[:8]
	copy(buf[4:], "IDAT")
	return &idatWriter{cw: cw, buf: buf}
}

// release returns the buffer to idatBufferPool. The writer must not be
// used afterwards.
func (d *idatWriter) release() {
	buf := d.buf[:8]
	d.buf = nil
	idatBufferPool.Put(&buf)
}

func (d *idatWriter) write(p []byte) {
	for len(p) > 0 && d.cw.err == nil {
		n := min(len(p), 8+maxIDATData-len(d.buf))
		d.buf = append(d.buf, p[:n]...)
		p = p[n:]
		if len(d.buf) == 8+maxIDATData {
			d.flush()
		}
	}
}

// flush writes the buffered data as one IDAT chunk, if there is any.
func (d *idatWriter) flush() {
	if len(d.buf) == 8 || d.cw.err != nil {
		return
	}
	binary.BigEndian.PutUint32(d.buf, uint32(len(d.buf)-8))
	d.buf = binary.BigEndian.AppendUint32(d.buf, crc32.ChecksumIEEE(d.buf[4:]))
	d.cw.writeRaw(d.buf)
	d.buf = d.buf[:8]
}
