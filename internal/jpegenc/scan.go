package jpegenc

import (
	"fmt"
	"image/color"
	"io"
	"sync"
	"sync/atomic"
)

// worker contains the buffers of one goroutine. Workers are pooled, so
// that repeated calls allocate almost nothing.
type worker struct {
	bw bitWriter
	// blocks holds one MCU: luma blocks 0..3 in raster order (T.81 A.2.3),
	// then Cb in 4 and Cr in 5.
	blocks [6]block
	zz     block
	// strip holds the pixels of one MCU row for images read with At.
	strip []byte
}

// maxPooledBytes caps the buffers that go back to the pool, so that one
// huge image does not keep its output alive.
const maxPooledBytes = 16 << 20

var workerPool = sync.Pool{New: func() any { return new(worker) }}

func getWorker() *worker {
	wk := workerPool.Get().(*worker)
	wk.bw.buf = wk.bw.buf[:0]
	wk.bw.acc, wk.bw.nbits = 0, 0
	return wk
}

func putWorker(wk *worker) {
	if cap(wk.bw.buf) > maxPooledBytes {
		wk.bw.buf = nil
	}
	if cap(wk.strip) > maxPooledBytes {
		wk.strip = nil
	}
	workerPool.Put(wk)
}

// flushBytes is the output size at which the serial encoder passes its
// buffer to the writer.
const flushBytes = 256 << 10

// writeScan writes the header, the entropy-coded data and EOI.
func (e *encoder) writeScan(w io.Writer, workers int) error {
	workers = min(workers, e.mcusY)
	if workers <= 1 {
		return e.writeScanSerial(w)
	}
	return e.writeScanParallel(w, workers)
}

func write(w io.Writer, p []byte) error {
	if _, err := w.Write(p); err != nil {
		return fmt.Errorf("jpegenc: write failed: %w", err)
	}
	return nil
}

// writeScanSerial encodes in the calling goroutine and writes whenever
// flushBytes have been produced, so memory use does not grow with the
// image.
func (e *encoder) writeScanSerial(w io.Writer) error {
	wk := getWorker()
	defer putWorker(wk)
	wk.bw.buf = append(wk.bw.buf, e.header...)
	for my := range e.mcusY {
		e.encodeRow(wk, my)
		if len(wk.bw.buf) >= flushBytes {
			if err := write(w, wk.bw.buf); err != nil {
				return err
			}
			wk.bw.buf = wk.bw.buf[:0]
		}
	}
	wk.bw.buf = append(wk.bw.buf, 0xff, markerEOI)
	return write(w, wk.bw.buf)
}

// endOfImage is the EOI marker. It is shared so that writing it does not
// allocate, and io.Writer implementations must not modify it.
var endOfImage = []byte{0xff, markerEOI}

// stripeSpan locates the output of one stripe in a worker's buffer.
type stripeSpan struct {
	worker     int
	start, end int
}

// writeScanParallel splits the MCU rows into stripes that the workers claim
// in order and encode into their own buffers, then writes the stripes in
// image order. Every MCU row is a restart interval, so stripes share no
// coder state and the bytes are the same for any number of workers.
//
// NOTE: the whole entropy-coded output is held in memory before the first
// byte of it is written.
func (e *encoder) writeScanParallel(w io.Writer, workers int) error {
	// Four stripes per worker let the others take over the remaining rows
	// when one worker is slowed down by other work on its core.
	stripeRows := max(1, e.mcusY/(4*workers))
	stripes := (e.mcusY + stripeRows - 1) / stripeRows
	spans := make([]stripeSpan, stripes)
	wks := make([]*worker, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	// A panic in a worker, for example from the At method of a caller's
	// image, is passed on to the calling goroutine, where the caller can
	// recover it as with one worker.
	var panicOnce sync.Once
	var panicValue any
	for i := range wks {
		wk := getWorker()
		wks[i] = wk
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					panicOnce.Do(func() { panicValue = r })
					next.Store(int64(stripes)) // stop the other workers
				}
			}()
			for {
				s := int(next.Add(1) - 1)
				if s >= stripes {
					return
				}
				start := len(wk.bw.buf)
				for my := s * stripeRows; my < min((s+1)*stripeRows, e.mcusY); my++ {
					e.encodeRow(wk, my)
				}
				spans[s] = stripeSpan{worker: i, start: start, end: len(wk.bw.buf)}
			}
		})
	}
	wg.Wait()
	if panicValue != nil {
		panic(panicValue)
	}
	defer func() {
		for _, wk := range wks {
			putWorker(wk)
		}
	}()

	if err := write(w, e.header); err != nil {
		return err
	}
	for _, s := range spans {
		if err := write(w, wks[s.worker].bw.buf[s.start:s.end]); err != nil {
			return err
		}
	}
	return write(w, endOfImage)
}

// encodeRow appends MCU row my as one restart interval: the DC predictors
// start at 0, as after every restart marker (T.81 F.1.2.1), the last byte
// is padded, and an RSTm marker with m = my mod 8 follows unless the row is
// the last one.
func (e *encoder) encodeRow(wk *worker, my int) {
	var preds [3]int32
	y := my * e.mcuHeight
	switch e.kind {
	case sourceGray:
		for mx := range e.mcusX {
			loadPlaneBlock(&wk.blocks[0], e.luma, e.lumaStride, 8*mx, y, e.width, e.height)
			e.encodeBlock(wk, &wk.blocks[0], 0, &preds[0])
		}
	case sourceGrayAt:
		rows := e.fillGrayStrip(wk, y)
		for mx := range e.mcusX {
			loadPlaneBlock(&wk.blocks[0], wk.strip, e.width, 8*mx, 0, e.width, rows)
			e.encodeBlock(wk, &wk.blocks[0], 0, &preds[0])
		}
	case sourceYCbCr:
		for mx := range e.mcusX {
			e.loadLuma(wk, mx*e.mcuWidth, y)
			loadPlaneBlock(&wk.blocks[4], e.cb, e.chromaStride, 8*mx, 8*my, e.chromaWidth, e.chromaHeight)
			loadPlaneBlock(&wk.blocks[5], e.cr, e.chromaStride, 8*mx, 8*my, e.chromaWidth, e.chromaHeight)
			e.encodeMCU(wk, &preds)
		}
	case sourceYCbCrResample:
		for mx := range e.mcusX {
			e.loadLuma(wk, mx*e.mcuWidth, y)
			e.loadResampledChroma(wk, mx*e.mcuWidth, y)
			e.encodeMCU(wk, &preds)
		}
	case sourceRGBA:
		for mx := range e.mcusX {
			loadRGBA420(&wk.blocks, e.rgba, e.rgbaStride, mx*e.mcuWidth, y, e.width, e.height)
			e.encodeMCU(wk, &preds)
		}
	case sourceAt:
		rows := e.fillRGBAStrip(wk, y)
		for mx := range e.mcusX {
			loadRGBA420(&wk.blocks, wk.strip, 4*e.width, mx*e.mcuWidth, 0, e.width, rows)
			e.encodeMCU(wk, &preds)
		}
	}
	wk.bw.finishSegment()
	if my < e.mcusY-1 {
		wk.bw.buf = append(wk.bw.buf, 0xff, byte(markerRST0+my%8))
	}
}

// loadLuma fills the luma blocks of the MCU at pixel (x, y) from the luma
// plane.
func (e *encoder) loadLuma(wk *worker, x, y int) {
	for i := range e.lumaH * e.lumaV {
		bx := x + 8*(i%e.lumaH)
		by := y + 8*(i/e.lumaH)
		loadPlaneBlock(&wk.blocks[i], e.luma, e.lumaStride, bx, by, e.width, e.height)
	}
}

// loadResampledChroma fills the Cb and Cr blocks of the 4:2:0 MCU at pixel
// (x, y) with the mean chroma of each 2x2 pixel group, looked up per pixel
// so that any subsampling and origin work.
func (e *encoder) loadResampledChroma(wk *worker, x, y int) {
	m := e.ycbcr
	minX, minY := e.bounds.Min.X, e.bounds.Min.Y
	for cy := range 8 {
		y0 := minY + min(y+2*cy, e.height-1)
		y1 := minY + min(y+2*cy+1, e.height-1)
		for cx := range 8 {
			x0 := minX + min(x+2*cx, e.width-1)
			x1 := minX + min(x+2*cx+1, e.width-1)
			o00, o01 := m.COffset(x0, y0), m.COffset(x1, y0)
			o10, o11 := m.COffset(x0, y1), m.COffset(x1, y1)
			cb := int32(m.Cb[o00]) + int32(m.Cb[o01]) + int32(m.Cb[o10]) + int32(m.Cb[o11])
			cr := int32(m.Cr[o00]) + int32(m.Cr[o01]) + int32(m.Cr[o10]) + int32(m.Cr[o11])
			wk.blocks[4][cy*8+cx] = (cb + 2) >> 2
			wk.blocks[5][cy*8+cx] = (cr + 2) >> 2
		}
	}
}

// fillRGBAStrip reads the pixel rows of the MCU row starting at y into
// wk.strip as 4-byte RGBx pixels and returns the number of rows read.
// At returns alpha-premultiplied colors, so translucent pixels come out as
// if composited onto black.
func (e *encoder) fillRGBAStrip(wk *worker, y int) int {
	rows := min(e.mcuHeight, e.height-y)
	n := 4 * e.width * rows
	if cap(wk.strip) < n {
		wk.strip = make([]byte, 4*e.width*e.mcuHeight)
	}
	strip := wk.strip[:n]
	i := 0
	for py := e.bounds.Min.Y + y; py < e.bounds.Min.Y+y+rows; py++ {
		for px := e.bounds.Min.X; px < e.bounds.Max.X; px++ {
			r, g, b, _ := e.img.At(px, py).RGBA()
			p := strip[i : i+4 : i+4]
			p[0], p[1], p[2], p[3] = byte(r>>8), byte(g>>8), byte(b>>8), 0xff
			i += 4
		}
	}
	return rows
}

// fillGrayStrip reads the 8 pixel rows starting at y (fewer at the bottom
// edge) into wk.strip as 8-bit grey and returns the number of rows read.
func (e *encoder) fillGrayStrip(wk *worker, y int) int {
	rows := min(8, e.height-y)
	n := e.width * rows
	if cap(wk.strip) < n {
		wk.strip = make([]byte, 8*e.width)
	}
	strip := wk.strip[:n]
	i := 0
	for py := e.bounds.Min.Y + y; py < e.bounds.Min.Y+y+rows; py++ {
		for px := e.bounds.Min.X; px < e.bounds.Max.X; px++ {
			strip[i] = color.GrayModel.Convert(e.img.At(px, py)).(color.Gray).Y
			i++
		}
	}
	return rows
}

// encodeMCU codes the blocks of one interleaved MCU in the order of the
// frame header: the luma blocks, then Cb, then Cr (T.81 A.2.3).
func (e *encoder) encodeMCU(wk *worker, preds *[3]int32) {
	for i := range e.lumaH * e.lumaV {
		e.encodeBlock(wk, &wk.blocks[i], 0, &preds[0])
	}
	e.encodeBlock(wk, &wk.blocks[4], 1, &preds[1])
	e.encodeBlock(wk, &wk.blocks[5], 1, &preds[2])
}

// encodeBlock transforms, quantizes and codes one block with table set
// table (0 luma, 1 chroma).
func (e *encoder) encodeBlock(wk *worker, b *block, table int, pred *int32) {
	fdct(b)
	mask := quantize(&wk.zz, b, &e.quant[table])
	codes := &standardCodes[table]
	wk.bw.encodeBlock(&wk.zz, mask, pred, &codes[classDC], &codes[classAC])
}
