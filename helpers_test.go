package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func readTestdata(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatalf("reading test file: %v", err)
	}
	return data
}

func process(t testing.TB, p *Processor, data []byte, req Request) (*Result, error) {
	t.Helper()
	return p.Process(context.Background(), bytes.NewReader(data), req)
}

func newProcessor(t testing.TB, opts Options) *Processor {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	return p
}

// exifSegment returns a JPEG APP1 segment holding exifTIFF.
func exifSegment(orientation uint16, order binary.AppendByteOrder) []byte {
	payload := append([]byte("Exif\x00\x00"), exifTIFF(orientation, order)...)
	seg := []byte{0xff, 0xe1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	return append(seg, payload...)
}

// exifTIFF returns an EXIF (TIFF) block whose IFD0 has one entry:
// Orientation (tag 0x0112, type SHORT, count 1).
func exifTIFF(orientation uint16, order binary.AppendByteOrder) []byte {
	tiff := make([]byte, 0, 26)
	if order == binary.AppendByteOrder(binary.BigEndian) {
		tiff = append(tiff, 'M', 'M', 0, 42)
	} else {
		tiff = append(tiff, 'I', 'I', 42, 0)
	}
	tiff = order.AppendUint32(tiff, 8)      // IFD0 offset
	tiff = order.AppendUint16(tiff, 1)      // entry count
	tiff = order.AppendUint16(tiff, 0x0112) // Orientation
	tiff = order.AppendUint16(tiff, 3)      // SHORT
	tiff = order.AppendUint32(tiff, 1)      // count
	tiff = order.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0)          // value padding
	return order.AppendUint32(tiff, 0) // no next IFD
}

// insertAfterSOI splices segments into a JPEG file right after its SOI marker.
func insertAfterSOI(jpegData []byte, segments ...[]byte) []byte {
	out := append([]byte(nil), jpegData[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, jpegData[2:]...)
}

// Quadrant colours of the stored test image.
var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrantJPEG encodes quadrantImage as a JPEG.
func quadrantJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, quadrantImage(w, h), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// quadrantPNG encodes quadrantImage as a PNG with an eXIf chunk holding an
// orientation.
func quadrantPNG(t testing.TB, w, h int, orientation uint16, order binary.AppendByteOrder) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, quadrantImage(w, h)); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	const afterIHDR = 8 + 25 // signature, then IHDR's length, type, 13 bytes and CRC
	out := append([]byte(nil), data[:afterIHDR]...)
	out = append(out, pngChunk("eXIf", exifTIFF(orientation, order))...)
	return append(out, data[afterIHDR:]...)
}

// quadrantImage returns a w x h image whose top-left quarter is red,
// top-right green, bottom-left blue and bottom-right white.
func quadrantImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = white
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func near(a, b color.Color, tolerance int) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	d := func(x, y uint32) int { return max(int(x>>8)-int(y>>8), int(y>>8)-int(x>>8)) }
	return d(r1, r2) <= tolerance && d(g1, g2) <= tolerance && d(b1, b2) <= tolerance
}

func colorRGB(r, g, b uint8) color.Color { return color.RGBA{r, g, b, 255} }
