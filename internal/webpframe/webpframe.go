// Package webpframe extracts the first frame of an animated WebP file as a
// still WebP file, which golang.org/x/image/webp can decode; that package
// rejects animated files.
//
// The container layout follows the WebP Container Specification: a RIFF
// "WEBP" file whose VP8X chunk has the animation flag, followed by ANIM and
// one ANMF chunk per frame. Each ANMF payload starts with a 16-byte header
// (X and Y offsets in units of 2 px, width and height minus one, duration,
// flags) followed by the frame's own chunks: an optional ALPH chunk and one
// VP8 or VP8L chunk.
package webpframe

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Frame is the first frame of an animation.
type Frame struct {
	// Still is a complete still WebP file holding the frame's bitstream.
	Still []byte
	// X and Y are the frame's offset on the canvas, in pixels.
	X, Y int
	// CanvasWidth and CanvasHeight are the animation's canvas size.
	CanvasWidth, CanvasHeight int
}

// ErrNotAnimated is returned by FirstFrame for a WebP file without the
// animation flag, which decoders read directly.
var ErrNotAnimated = errors.New("webpframe: file is not an animated WebP")

const (
	vp8xFlagAnimation = 0x02
	vp8xFlagAlpha     = 0x10
	anmfHeaderLen     = 16
)

type chunk struct {
	fourCC  string
	payload []byte
}

// chunks splits a sequence of RIFF chunks. Each chunk is padded to an even
// length.
func chunks(data []byte) ([]chunk, error) {
	var out []chunk
	for len(data) > 0 {
		if len(data) < 8 {
			return nil, fmt.Errorf("webpframe: %d stray bytes after the last chunk", len(data))
		}
		size := binary.LittleEndian.Uint32(data[4:8])
		if uint64(size) > uint64(len(data)-8) {
			return nil, fmt.Errorf("webpframe: chunk %q declares %d bytes but %d remain", data[:4], size, len(data)-8)
		}
		out = append(out, chunk{fourCC: string(data[:4]), payload: data[8 : 8+size]})
		next := 8 + int(size) + int(size&1)
		if next > len(data) {
			next = len(data) // the last chunk may omit its padding byte
		}
		data = data[next:]
	}
	return out, nil
}

func uint24(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }

// FirstFrame returns the first frame of an animated WebP file. It returns
// ErrNotAnimated for a still WebP file and an error for a malformed one.
func FirstFrame(data []byte) (*Frame, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errors.New("webpframe: not a RIFF WEBP file")
	}
	body := data[12:]
	if riffSize := binary.LittleEndian.Uint32(data[4:8]); uint64(riffSize) >= 4 && uint64(riffSize)-4 < uint64(len(body)) {
		body = body[:riffSize-4] // ignore bytes after the RIFF payload
	}
	list, err := chunks(body)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || list[0].fourCC != "VP8X" || len(list[0].payload) < 10 ||
		list[0].payload[0]&vp8xFlagAnimation == 0 {
		return nil, ErrNotAnimated
	}
	vp8x := list[0].payload
	canvasW, canvasH := uint24(vp8x[4:])+1, uint24(vp8x[7:])+1
	for _, c := range list[1:] {
		if c.fourCC != "ANMF" {
			continue
		}
		return frameFrom(c.payload, canvasW, canvasH)
	}
	return nil, errors.New("webpframe: animated WebP file has no ANMF frame")
}

func frameFrom(anmf []byte, canvasW, canvasH int) (*Frame, error) {
	if len(anmf) < anmfHeaderLen {
		return nil, fmt.Errorf("webpframe: ANMF chunk of %d bytes is shorter than its %d-byte header", len(anmf), anmfHeaderLen)
	}
	x, y := 2*uint24(anmf[0:]), 2*uint24(anmf[3:])
	w, h := uint24(anmf[6:])+1, uint24(anmf[9:])+1
	if x+w > canvasW || y+h > canvasH {
		return nil, fmt.Errorf("webpframe: first frame %dx%d at (%d,%d) lies outside the %dx%d canvas", w, h, x, y, canvasW, canvasH)
	}
	inner, err := chunks(anmf[anmfHeaderLen:])
	if err != nil {
		return nil, err
	}
	var alph, bitstream *chunk
	for i := range inner {
		switch inner[i].fourCC {
		case "ALPH":
			alph = &inner[i]
		case "VP8 ", "VP8L":
			if bitstream == nil {
				bitstream = &inner[i]
			}
		}
	}
	if bitstream == nil {
		return nil, errors.New("webpframe: first frame has no VP8 or VP8L bitstream")
	}

	var still []byte
	if alph != nil && bitstream.fourCC == "VP8 " {
		// A lossy frame with separate alpha needs an extended (VP8X) file.
		vp8x := make([]byte, 10)
		vp8x[0] = vp8xFlagAlpha
		putUint24(vp8x[4:], w-1)
		putUint24(vp8x[7:], h-1)
		still = appendChunk(still, "VP8X", vp8x)
		still = appendChunk(still, "ALPH", alph.payload)
	}
	still = appendChunk(still, bitstream.fourCC, bitstream.payload)
	file := []byte("RIFF")
	file = binary.LittleEndian.AppendUint32(file, uint32(4+len(still)))
	file = append(file, "WEBP"...)
	file = append(file, still...)
	return &Frame{Still: file, X: x, Y: y, CanvasWidth: canvasW, CanvasHeight: canvasH}, nil
}

func putUint24(b []byte, v int) {
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

func appendChunk(dst []byte, fourCC string, payload []byte) []byte {
	dst = append(dst, fourCC...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = append(dst, payload...)
	if len(payload)&1 == 1 {
		dst = append(dst, 0)
	}
	return dst
}
