package jpegdec

// Progressive block decoding, T.81 Annex G. Coefficients accumulate in
// natural order across scans; Al shifts each scan's contribution.

// decodeDCFirst decodes a DC coefficient's high bits (G.1.2.1): the same
// difference coding as sequential mode, scaled by 2^Al.
func (d *decoder) decodeDCFirst(c *component, blk *[64]int16, al int) error {
	br := &d.br
	br.ensure()
	s, err := br.decodeHuff(c.dcTbl)
	if err != nil {
		return err
	}
	if s > 0 {
		if s > 16 {
			return errBadMagnitude(s)
		}
		c.dcPred += extend(br.bits(uint(s)), uint(s))
	}
	blk[0] = int16(c.dcPred << al)
	return nil
}

// decodeDCRefine adds one raw bit of a DC coefficient (G.1.2.1).
func (d *decoder) decodeDCRefine(blk *[64]int16, al int) error {
	br := &d.br
	br.ensure()
	if br.bits(1) != 0 {
		blk[0] |= int16(1) << al
	}
	return nil
}

// decodeACFirst decodes the first pass over bands Ss..Se of one block
// (G.1.2.2), including end-of-band runs that span blocks (EOBn, Table G.1).
// Like decodeBlock it keeps the bit buffer in locals.
func (d *decoder) decodeACFirst(c *component, blk *[64]int16, lastNZ *uint8, p scanParams) error {
	if d.eobrun > 0 {
		d.eobrun--
		return nil
	}
	br := &d.br
	acc, nbits, pos := br.acc, br.nbits, br.pos
	ac := c.acTbl
	al := uint(p.al)
	for k := p.ss; k <= p.se; {
		if nbits < 32 {
			acc, nbits, pos = br.refill(acc, nbits, pos)
		}
		if fa := ac.fastAC[acc>>(64-lookupBits)]; fa != 0 {
			k += int(fa>>8) & 15
			l := uint(fa & 0xff)
			acc <<= l
			nbits -= l
			if k > 63 {
				return errTooManyCoefs
			}
			blk[zigzag[k]&63] = int16(fa>>16) << al
			*lastNZ = max(*lastNZ, uint8(k))
			k++
			continue
		}
		var rs int
		if e := ac.lookup[acc>>(64-lookupBits)]; e != 0 {
			l := uint(e >> 8)
			rs = int(e & 0xff)
			acc <<= l
			nbits -= l
		} else {
			v, l := ac.decodeSlow(acc)
			if l == 0 {
				return errBadCode
			}
			rs = v
			acc <<= l
			nbits -= l
		}
		r, s := rs>>4, uint(rs&15)
		if s == 0 {
			if r < 15 {
				// EOBr: this block and 2^r + extra - 1 more end here.
				d.eobrun = 1<<r - 1
				if r > 0 {
					d.eobrun += int(acc >> (64 - uint(r)))
					acc <<= uint(r)
					nbits -= uint(r)
				}
				break
			}
			k += 16 // ZRL
			continue
		}
		k += r
		if k > 63 {
			return errTooManyCoefs
		}
		blk[zigzag[k]&63] = int16(extend(acc>>(64-s), s) << al)
		*lastNZ = max(*lastNZ, uint8(k))
		acc <<= s
		nbits -= s
		k++
	}
	br.acc, br.nbits, br.pos = acc, nbits, pos
	return nil
}

// decodeACRefine adds one bit of precision to bands Ss..Se of one block
// (G.1.2.3): new coefficients are +-2^Al, and every coefficient that is
// already non-zero and passed over gets a correction bit.
func (d *decoder) decodeACRefine(c *component, blk *[64]int16, lastNZ *uint8, p scanParams) error {
	br := &d.br
	acc, nbits, pos := br.acc, br.nbits, br.pos
	ac := c.acTbl
	p1 := int16(1) << p.al
	m1 := int16(-1) << p.al
	k := p.ss

	if d.eobrun == 0 {
		for ; k <= p.se; k++ {
			if nbits < 32 {
				acc, nbits, pos = br.refill(acc, nbits, pos)
			}
			var rs int
			if e := ac.lookup[acc>>(64-lookupBits)]; e != 0 {
				l := uint(e >> 8)
				rs = int(e & 0xff)
				acc <<= l
				nbits -= l
			} else {
				v, l := ac.decodeSlow(acc)
				if l == 0 {
					return errBadCode
				}
				rs = v
				acc <<= l
				nbits -= l
			}
			r, s := rs>>4, rs&15
			var val int16
			if s != 0 {
				// G.1.2.3: a newly non-zero coefficient has magnitude
				// category 1; one bit gives its sign.
				if s != 1 {
					return formatErr("AC refinement scan has a magnitude category other than 1")
				}
				if acc>>63 != 0 {
					val = p1
				} else {
					val = m1
				}
				acc <<= 1
				nbits--
			} else if r != 15 {
				d.eobrun = 1 << r
				if r > 0 {
					d.eobrun += int(acc >> (64 - uint(r)))
					acc <<= uint(r)
					nbits -= uint(r)
				}
				break
			}
			// Skip r zero coefficients, refining the non-zero ones on the
			// way, then place val at the next zero coefficient.
			for ; k <= p.se; k++ {
				z := zigzag[k] & 63
				if blk[z] != 0 {
					// A correction bit: when it is 1 and the coefficient
					// lacks this bit plane, its magnitude grows by 2^Al.
					if nbits == 0 {
						acc, nbits, pos = br.refill(acc, nbits, pos)
					}
					if acc>>63 != 0 && blk[z]&p1 == 0 {
						if blk[z] >= 0 {
							blk[z] += p1
						} else {
							blk[z] += m1
						}
					}
					acc <<= 1
					nbits--
					continue
				}
				if r == 0 {
					if val != 0 {
						blk[z] = val
						*lastNZ = max(*lastNZ, uint8(k))
					}
					break
				}
				r--
			}
		}
	}

	if d.eobrun > 0 {
		// Inside an end-of-band run only corrections remain, and only up to
		// the last non-zero coefficient.
		for end := min(p.se, int(*lastNZ)); k <= end; k++ {
			z := zigzag[k] & 63
			if blk[z] == 0 {
				continue
			}
			if nbits == 0 {
				acc, nbits, pos = br.refill(acc, nbits, pos)
			}
			if acc>>63 != 0 && blk[z]&p1 == 0 {
				if blk[z] >= 0 {
					blk[z] += p1
				} else {
					blk[z] += m1
				}
			}
			acc <<= 1
			nbits--
		}
		d.eobrun--
	}
	br.acc, br.nbits, br.pos = acc, nbits, pos
	return nil
}
