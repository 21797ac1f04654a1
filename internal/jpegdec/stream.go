package jpegdec

import (
	"sync"
)

// rowSlot holds the coefficients of one MCU row of a single-scan sequential
// frame, on its way from entropy decoding to the inverse DCT.
type rowSlot struct {
	row  int
	coef []int16
	last []uint8 // per block: zigzag index of the last non-zero coefficient
}

// NOTE: entropy decoding itself is sequential even when restart markers
// would let independent intervals be decoded in parallel.

// decodeSequentialStreamed decodes a sequential scan that codes every
// component, which is the usual baseline file. Each MCU row goes to the
// inverse DCT as soon as it is entropy-decoded, so the whole coefficient
// array is never stored. With more than one worker the transforms run on
// other goroutines while this one keeps decoding.
func (d *decoder) decodeSequentialStreamed() error {
	var compOff [4]int // first block of each scan component within a slot
	perRow := 0
	for i := 0; i < d.nScanComps; i++ {
		c := d.scanComps[i]
		compOff[i] = perRow
		perRow += c.bwPad * c.v
	}
	newSlot := func() *rowSlot {
		return &rowSlot{coef: make([]int16, perRow*64), last: make([]uint8, perRow)}
	}

	transform := func(s *rowSlot) {
		for i := 0; i < d.nScanComps; i++ {
			c := d.scanComps[i]
			bsx, bsy := c.bsx, c.bsy
			base := compOff[i]
			for by := 0; by < c.v; by++ {
				y := (s.row*c.v + by) * bsy
				for bx := 0; bx < c.bwPad; bx++ {
					b := base + by*c.bwPad + bx
					blk := (*[64]int16)(s.coef[b*64 : b*64+64])
					off := y*c.stride + bx*bsx
					last := int(s.last[b])
					if bsx == bsy {
						idctBlock(blk, c, last, bsx, c.plane[off:], c.stride)
					} else {
						idctRect(blk, &c.qPlain, bsx, bsy, c.plane[off:], c.stride)
					}
					// Leave the block zeroed for the next row's decodeBlock.
					if last == 0 {
						blk[0] = 0
					} else {
						*blk = [64]int16{}
					}
				}
			}
		}
	}

	// More helpers than MCU rows would idle; each holds two row buffers.
	helpers := min(d.workers-1, d.mcuy, 16)
	var work, free chan *rowSlot
	var wg sync.WaitGroup
	if helpers > 0 {
		nslots := 2*helpers + 2
		work = make(chan *rowSlot, nslots)
		free = make(chan *rowSlot, nslots)
		for i := 0; i < nslots; i++ {
			free <- newSlot()
		}
		for i := 0; i < helpers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for s := range work {
					transform(s)
					free <- s
				}
			}()
		}
	}
	stop := func() {
		if work != nil {
			close(work)
			wg.Wait()
		}
	}

	var local *rowSlot
	if helpers == 0 {
		local = newSlot()
	}
	br := &d.br
	ri := d.restartInterval
	left := ri
	expect := 0
	for my := 0; my < d.mcuy; my++ {
		s := local
		if helpers > 0 {
			s = <-free
		}
		s.row = my
		for mx := 0; mx < d.mcux; mx++ {
			if ri > 0 {
				if left == 0 {
					if err := d.restart(&expect); err != nil {
						stop()
						return err
					}
					left = ri
				}
				left--
			}
			for i := 0; i < d.nScanComps; i++ {
				c := d.scanComps[i]
				for by := 0; by < c.v; by++ {
					b := compOff[i] + by*c.bwPad + mx*c.h
					for bx := 0; bx < c.h; bx++ {
						blk := (*[64]int16)(s.coef[(b+bx)*64 : (b+bx)*64+64])
						last, err := br.decodeBlock(blk, c.dcTbl, c.acTbl, &c.dcPred)
						if err != nil {
							stop()
							return err
						}
						s.last[b+bx] = uint8(last)
					}
				}
			}
		}
		if br.overrun() {
			stop()
			return d.endScan()
		}
		if helpers > 0 {
			work <- s
		} else {
			transform(s)
		}
	}
	stop()
	return d.endScan()
}

// transformBuffered runs the inverse DCT over every stored coefficient
// block, splitting block rows among the workers.
func (d *decoder) transformBuffered() {
	for i := 0; i < d.ncomp; i++ {
		c := &d.comps[i]
		bsx, bsy := c.bsx, c.bsy
		rows := c.bhPad
		workers := min(d.workers, rows)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			lo, hi := rows*w/workers, rows*(w+1)/workers
			wg.Add(1)
			go func() {
				defer wg.Done()
				for by := lo; by < hi; by++ {
					for bx := 0; bx < c.bwPad; bx++ {
						b := (by*c.bwPad + bx) * 64
						blk := (*[64]int16)(c.coef[b : b+64])
						dst := c.plane[by*bsy*c.stride+bx*bsx:]
						if bsx == bsy {
							idctBlock(blk, c, 63, bsx, dst, c.stride)
						} else {
							idctRect(blk, &c.qPlain, bsx, bsy, dst, c.stride)
						}
					}
				}
			}()
		}
		wg.Wait()
	}
}
