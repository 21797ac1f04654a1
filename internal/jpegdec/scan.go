package jpegdec

import (
	"fmt"
)

// scanParams are the fields of an SOS header (T.81 B.2.3).
type scanParams struct {
	ss, se int // spectral selection start and end, zigzag indices
	ah, al int // successive approximation bit positions
}

// decodeScan parses an SOS header and decodes the entropy-coded data that
// follows it, leaving d.pos after that data.
func (d *decoder) decodeScan(seg []byte) error {
	if len(seg) < 1 {
		return formatErr("empty SOS segment")
	}
	ns := int(seg[0])
	if ns < 1 || ns > 4 || len(seg) != 4+2*ns {
		return formatErr(fmt.Sprintf("SOS segment of %d bytes does not fit %d components", len(seg), ns))
	}
	d.nScanComps = ns
	prev := -1
	blocksPerMCU := 0
	for i := 0; i < ns; i++ {
		id := seg[1+2*i]
		ci := -1
		for j := 0; j < d.ncomp; j++ {
			if d.comps[j].id == id {
				ci = j
			}
		}
		// B.2.3: scan components are frame components, in frame order.
		if ci < 0 {
			return formatErr(fmt.Sprintf("SOS names component %d, which the frame lacks", id))
		}
		if ci <= prev {
			return formatErr("SOS components are repeated or out of frame order")
		}
		prev = ci
		c := &d.comps[ci]
		td, ta := int(seg[2+2*i]>>4), int(seg[2+2*i]&15)
		if td > 3 || ta > 3 {
			return formatErr(fmt.Sprintf("SOS Huffman table selectors %d/%d are above 3", td, ta))
		}
		c.dcTbl = &d.dcTables[td]
		c.acTbl = &d.acTables[ta]
		d.scanComps[i] = c
		blocksPerMCU += c.h * c.v
	}
	if ns > 1 && blocksPerMCU > 10 {
		return formatErr(fmt.Sprintf("interleaved MCU of %d blocks exceeds 10 (B.2.3)", blocksPerMCU))
	}
	p := scanParams{
		ss: int(seg[1+2*ns]),
		se: int(seg[2+2*ns]),
		ah: int(seg[3+2*ns] >> 4),
		al: int(seg[3+2*ns] & 15),
	}
	if err := d.checkScan(p); err != nil {
		return err
	}
	for i := 0; i < ns; i++ {
		c := d.scanComps[i]
		if !c.qSet {
			if !d.quantSet[c.tq] {
				return formatErr(fmt.Sprintf("quantisation table %d is used before any DQT defines it", c.tq))
			}
			// The table in force at a component's first scan applies to it.
			c.setQuant(&d.quant[c.tq])
		}
	}

	if err := d.allocate(); err != nil {
		return err
	}
	d.br = bitReader{data: d.data, pos: d.pos}
	d.eobrun = 0
	for i := range d.comps {
		d.comps[i].dcPred = 0
	}
	var err error
	switch {
	case !d.progressive && d.scanCount == 0 && ns == d.ncomp:
		d.streamed = true
		err = d.decodeSequentialStreamed()
	case !d.progressive:
		if d.streamed {
			return formatErr("sequential frame has a scan after one that coded every component")
		}
		d.buffered = true
		err = d.decodeBuffered(p)
	default:
		d.buffered = true
		err = d.decodeBuffered(p)
	}
	if err != nil {
		return err
	}
	d.scanCount++
	d.pos = d.br.pos
	return nil
}

// checkScan validates spectral selection and successive approximation
// (B.2.3, G.1.1.1) and that the needed Huffman tables exist.
func (d *decoder) checkScan(p scanParams) error {
	if !d.progressive {
		if p.ss != 0 || p.se != 63 || p.ah != 0 || p.al != 0 {
			return formatErr(fmt.Sprintf("sequential scan has Ss=%d Se=%d Ah=%d Al=%d, want 0 63 0 0", p.ss, p.se, p.ah, p.al))
		}
	} else {
		if p.ss > 63 || p.se > 63 || p.ss > p.se || (p.ss == 0) != (p.se == 0) {
			return formatErr(fmt.Sprintf("progressive scan spectral selection %d..%d is invalid", p.ss, p.se))
		}
		if p.ss > 0 && d.nScanComps != 1 {
			return formatErr("progressive AC scan has more than one component")
		}
		if p.al > 13 || p.ah > 13 {
			return formatErr(fmt.Sprintf("successive approximation Ah=%d Al=%d exceeds 13", p.ah, p.al))
		}
	}
	for i := 0; i < d.nScanComps; i++ {
		c := d.scanComps[i]
		needDC := p.ss == 0 && p.ah == 0
		needAC := p.se > 0
		if needDC && !c.dcTbl.defined {
			return formatErr(fmt.Sprintf("scan uses a DC Huffman table that no DHT defines (component %d)", c.id))
		}
		if needAC && !c.acTbl.defined {
			return formatErr(fmt.Sprintf("scan uses an AC Huffman table that no DHT defines (component %d)", c.id))
		}
	}
	return nil
}

// allocate creates the output planes at the first scan. It first checks
// that the remaining data could hold that scan, because every block of a DC
// or sequential scan costs at least one bit. So a file that declares a huge
// frame over a few bytes of data fails here instead of allocating gigabytes.
func (d *decoder) allocate() error {
	if d.allocated {
		return nil
	}
	blocks := 0
	for i := 0; i < d.nScanComps; i++ {
		c := d.scanComps[i]
		blocks += c.bw * c.bh
	}
	if avail := 8 * (len(d.data) - d.pos); blocks > avail {
		return fmt.Errorf("%w: first scan codes %d blocks but only %d bits of data remain", ErrTruncated, blocks, avail)
	}
	for i := 0; i < d.ncomp; i++ {
		c := &d.comps[i]
		c.stride = c.bwPad * c.bsx
		c.plane = make([]byte, c.stride*c.bhPad*c.bsy)
	}
	d.allocated = true
	return nil
}

// restart handles the end of a restart interval (F.1.2.3, B.2.5): it checks
// that the interval's data was complete, skips the padding and the RSTm
// marker, and resets the DC predictions and the end-of-band run.
func (d *decoder) restart(expect *int) error {
	br := &d.br
	if br.overrun() {
		return fmt.Errorf("%w: entropy-coded data ends inside a restart interval", ErrTruncated)
	}
	pos := br.pos
	for pos+1 < len(d.data) && !(d.data[pos] == 0xff && d.data[pos+1] != 0 && d.data[pos+1] != 0xff) {
		pos++
	}
	if pos+1 >= len(d.data) {
		return fmt.Errorf("%w: no RST marker before the end of the file", ErrTruncated)
	}
	m := d.data[pos+1]
	if m < markerRST0 || m > markerRST7 {
		return fmt.Errorf("%w: marker 0x%02x where RST%d was expected", ErrTruncated, m, *expect)
	}
	if int(m-markerRST0) != *expect {
		return formatErr(fmt.Sprintf("found RST%d where RST%d was expected", m-markerRST0, *expect))
	}
	*expect = (*expect + 1) & 7
	br.reset(pos + 2)
	for i := range d.comps {
		d.comps[i].dcPred = 0
	}
	d.eobrun = 0
	return nil
}

// endScan checks that the scan's last interval was complete.
func (d *decoder) endScan() error {
	if d.br.overrun() {
		return fmt.Errorf("%w: entropy-coded data ends before the last MCU of the scan", ErrTruncated)
	}
	return nil
}

// decodeBuffered decodes a scan into the coefficient arrays: every scan of a
// progressive frame (Annex G) and the scans of a sequential frame that codes
// its components in separate scans (A.2.2).
func (d *decoder) decodeBuffered(p scanParams) error {
	if err := d.allocCoefs(); err != nil {
		return err
	}
	decode := d.blockDecoder(p)
	expect := 0
	ri := d.restartInterval
	left := ri

	if d.nScanComps == 1 {
		// Non-interleaved: the MCU is one block, over the component's own
		// ceil(width/8) x ceil(height/8) blocks (A.2.2).
		c := d.scanComps[0]
		for by := 0; by < c.bh; by++ {
			for bx := 0; bx < c.bw; bx++ {
				if ri > 0 {
					if left == 0 {
						if err := d.restart(&expect); err != nil {
							return err
						}
						left = ri
					}
					left--
				}
				if err := decode(c, by*c.bwPad+bx); err != nil {
					return err
				}
			}
			if d.br.overrun() {
				return d.endScan()
			}
		}
		return d.endScan()
	}

	// Interleaved (A.2.3): each MCU holds h x v blocks of each component.
	for my := 0; my < d.mcuy; my++ {
		for mx := 0; mx < d.mcux; mx++ {
			if ri > 0 {
				if left == 0 {
					if err := d.restart(&expect); err != nil {
						return err
					}
					left = ri
				}
				left--
			}
			for ci := 0; ci < d.nScanComps; ci++ {
				c := d.scanComps[ci]
				for by := 0; by < c.v; by++ {
					row := (my*c.v + by) * c.bwPad
					for bx := 0; bx < c.h; bx++ {
						if err := decode(c, row+mx*c.h+bx); err != nil {
							return err
						}
					}
				}
			}
		}
		if d.br.overrun() {
			return d.endScan()
		}
	}
	return d.endScan()
}

func (d *decoder) allocCoefs() error {
	for i := 0; i < d.ncomp; i++ {
		c := &d.comps[i]
		if c.coef == nil {
			c.coef = make([]int16, c.bwPad*c.bhPad*64)
			if d.progressive {
				c.lastNZ = make([]uint8, c.bwPad*c.bhPad)
			}
		}
	}
	return nil
}

// blockDecoder selects the block procedure for a buffered scan; it decodes
// block b (row-major in the MCU grid) of component c.
func (d *decoder) blockDecoder(p scanParams) func(c *component, b int) error {
	br := &d.br
	blk := func(c *component, b int) *[64]int16 { return (*[64]int16)(c.coef[b*64 : b*64+64]) }
	switch {
	case !d.progressive:
		return func(c *component, b int) error {
			_, err := br.decodeBlock(blk(c, b), c.dcTbl, c.acTbl, &c.dcPred)
			return err
		}
	case p.ss == 0 && p.ah == 0:
		return func(c *component, b int) error { return d.decodeDCFirst(c, blk(c, b), p.al) }
	case p.ss == 0:
		return func(c *component, b int) error { return d.decodeDCRefine(blk(c, b), p.al) }
	case p.ah == 0:
		return func(c *component, b int) error { return d.decodeACFirst(c, blk(c, b), &c.lastNZ[b], p) }
	default:
		return func(c *component, b int) error { return d.decodeACRefine(c, blk(c, b), &c.lastNZ[b], p) }
	}
}
