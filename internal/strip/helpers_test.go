package strip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/image/webp"
)

// This file holds test-only parsers and builders. The parsers are written
// separately from the package code so that a bug in the stripper cannot
// hide itself in the checks.

// readFixture reads a file under the repository's testdata directory.
func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// maxDecodePixels bounds the canvas the tests decode. It admits the
// largest fixture, 4096x4097.
const maxDecodePixels = 1 << 25

// decoded is every frame of a decoded file. JPEG, PNG and WebP yield one
// frame. GIF yields all frames plus the loop count, delays and disposals.
type decoded struct {
	frames    []image.Image
	delays    []int
	disposals []byte
	loopCount int
	config    image.Config
}

// decodeAll decodes a file with the standard library or x/image/webp,
// rejecting canvases above maxPixels before any pixel buffer is allocated.
func decodeAll(format string, data []byte, maxPixels int64) (*decoded, error) {
	var config image.Config
	var err error
	switch format {
	case "jpeg":
		config, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case "png":
		config, err = png.DecodeConfig(bytes.NewReader(data))
	case "webp":
		config, err = webp.DecodeConfig(bytes.NewReader(data))
	case "gif":
		config, err = gif.DecodeConfig(bytes.NewReader(data))
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return nil, err
	}
	if int64(config.Width)*int64(config.Height) > maxPixels {
		return nil, fmt.Errorf("canvas %dx%d is above the limit of %d pixels",
			config.Width, config.Height, maxPixels)
	}

	var img image.Image
	switch format {
	case "jpeg":
		img, err = jpeg.Decode(bytes.NewReader(data))
	case "png":
		img, err = png.Decode(bytes.NewReader(data))
	case "webp":
		img, err = webp.Decode(bytes.NewReader(data))
	case "gif":
		var all *gif.GIF
		all, err = gif.DecodeAll(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		d := &decoded{delays: all.Delay, disposals: all.Disposal, loopCount: all.LoopCount, config: all.Config}
		for _, frame := range all.Image {
			d.frames = append(d.frames, frame)
		}
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	return &decoded{frames: []image.Image{img}, config: config}, nil
}

// diffDecoded returns "" when both decodings have the same frames, pixels
// and GIF timing, else a description of the first difference.
func diffDecoded(want, got *decoded) string {
	if len(want.frames) != len(got.frames) {
		return fmt.Sprintf("%d frames, expected %d", len(got.frames), len(want.frames))
	}
	if want.config.Width != got.config.Width || want.config.Height != got.config.Height {
		return fmt.Sprintf("canvas %dx%d, expected %dx%d",
			got.config.Width, got.config.Height, want.config.Width, want.config.Height)
	}
	if !reflect.DeepEqual(want.delays, got.delays) {
		return fmt.Sprintf("frame delays %v, expected %v", got.delays, want.delays)
	}
	if !reflect.DeepEqual(want.disposals, got.disposals) {
		return fmt.Sprintf("frame disposals %v, expected %v", got.disposals, want.disposals)
	}
	if want.loopCount != got.loopCount {
		return fmt.Sprintf("loop count %d, expected %d", got.loopCount, want.loopCount)
	}
	for i := range want.frames {
		if diff := diffPixels(want.frames[i], got.frames[i]); diff != "" {
			return fmt.Sprintf("frame %d: %s", i, diff)
		}
	}
	return ""
}

// diffPixels compares every pixel of two images. Identical image values
// (same type, layout and bytes) pass without the per-pixel loop.
func diffPixels(want, got image.Image) string {
	if want.Bounds() != got.Bounds() {
		return fmt.Sprintf("bounds %v, expected %v", got.Bounds(), want.Bounds())
	}
	if reflect.TypeOf(want) != reflect.TypeOf(got) {
		return fmt.Sprintf("image type %T, expected %T", got, want)
	}
	if reflect.DeepEqual(want, got) {
		return ""
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			wr, wg, wb, wa := want.At(x, y).RGBA()
			gr, gg, gb, ga := got.At(x, y).RGBA()
			if wr != gr || wg != gg || wb != gb || wa != ga {
				return fmt.Sprintf("pixel (%d,%d) is RGBA64 %v, expected %v",
					x, y, [4]uint32{gr, gg, gb, ga}, [4]uint32{wr, wg, wb, wa})
			}
		}
	}
	return ""
}

// checkSamePixels fails the test unless output decodes to the same frames
// as input.
func checkSamePixels(t *testing.T, format string, input, output []byte) {
	t.Helper()
	want, err := decodeAll(format, input, maxDecodePixels)
	if err != nil {
		t.Fatalf("input does not decode: %v", err)
	}
	got, err := decodeAll(format, output, maxDecodePixels)
	if err != nil {
		t.Fatalf("stripped output does not decode: %v", err)
	}
	if diff := diffDecoded(want, got); diff != "" {
		t.Errorf("stripped output decodes differently from the input: %s", diff)
	}
}

// jpegSegment is one marker segment found by walkJPEG.
type jpegSegment struct {
	offset  int
	marker  byte
	payload []byte // bytes after the length field; nil for standalone markers
}

// walkJPEG lists every marker of a JPEG file from SOI to EOI, skipping the
// entropy-coded data after each SOS byte by byte. It also returns the
// offset just past EOI.
func walkJPEG(t *testing.T, data []byte) ([]jpegSegment, int) {
	t.Helper()
	var segments []jpegSegment
	pos := 0
	for pos < len(data) {
		if data[pos] != 0xFF {
			t.Fatalf("walkJPEG: byte 0x%02X at offset %d, expected a marker", data[pos], pos)
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			t.Fatalf("walkJPEG: the file ends in fill bytes")
		}
		marker := data[pos]
		offset := pos - 1
		pos++
		if marker == 0xD8 || marker == 0xD9 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			segments = append(segments, jpegSegment{offset: offset, marker: marker})
			if marker == 0xD9 {
				return segments, pos
			}
			continue
		}
		if pos+2 > len(data) {
			t.Fatalf("walkJPEG: segment FF %02X at offset %d has no length", marker, offset)
		}
		end := pos + int(binary.BigEndian.Uint16(data[pos:]))
		if end > len(data) || end < pos+2 {
			t.Fatalf("walkJPEG: segment FF %02X at offset %d has a bad length", marker, offset)
		}
		segments = append(segments, jpegSegment{offset: offset, marker: marker, payload: data[pos+2 : end]})
		pos = end
		if marker != 0xDA {
			continue
		}
		for pos < len(data) {
			if data[pos] == 0xFF && pos+1 < len(data) {
				next := data[pos+1]
				if next != 0x00 && (next < 0xD0 || next > 0xD7) {
					break
				}
			}
			pos++
		}
	}
	t.Fatalf("walkJPEG: no EOI")
	return nil, 0
}

// jpegMarkerSegment returns a segment with a correct length field.
func jpegMarkerSegment(marker byte, payload []byte) []byte {
	b := []byte{0xFF, marker}
	b = binary.BigEndian.AppendUint16(b, uint16(len(payload)+2))
	return append(b, payload...)
}

// pngChunkInfo is one chunk found by walkPNG.
type pngChunkInfo struct {
	offset    int
	chunkType string
	data      []byte
	crcValid  bool
}

// walkPNG lists the chunks of a PNG file up to and including IEND. It also
// returns the offset just past IEND.
func walkPNG(t *testing.T, data []byte) ([]pngChunkInfo, int) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("walkPNG: missing signature")
	}
	var chunks []pngChunkInfo
	pos := 8
	for pos+12 <= len(data) {
		length := int(binary.BigEndian.Uint32(data[pos:]))
		end := pos + 12 + length
		if end > len(data) {
			t.Fatalf("walkPNG: chunk at offset %d runs past the end", pos)
		}
		c := pngChunkInfo{
			offset:    pos,
			chunkType: string(data[pos+4 : pos+8]),
			data:      data[pos+8 : end-4],
			crcValid:  crc32.ChecksumIEEE(data[pos+4:end-4]) == binary.BigEndian.Uint32(data[end-4:]),
		}
		chunks = append(chunks, c)
		pos = end
		if c.chunkType == "IEND" {
			return chunks, pos
		}
	}
	t.Fatalf("walkPNG: no IEND")
	return nil, 0
}

// pngChunk returns a chunk with a correct CRC-32 over type and data.
func pngChunk(chunkType string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, chunkType...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// riffChunkInfo is one chunk found by walkWebP.
type riffChunkInfo struct {
	offset int
	fourCC string
	data   []byte
}

// walkWebP lists the chunks of a WebP file within its RIFF size and fails
// the test when a chunk with its padding byte runs past that size. It also
// returns the offset where the RIFF size ends.
func walkWebP(t *testing.T, data []byte) ([]riffChunkInfo, int) {
	t.Helper()
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		t.Fatalf("walkWebP: missing RIFF WEBP header")
	}
	riffEnd := 8 + int(binary.LittleEndian.Uint32(data[4:]))
	if riffEnd > len(data) {
		t.Fatalf("walkWebP: RIFF size runs past the end")
	}
	var chunks []riffChunkInfo
	pos := 12
	for pos < riffEnd {
		if pos+8 > riffEnd {
			t.Fatalf("walkWebP: chunk header at offset %d is cut off", pos)
		}
		size := int(binary.LittleEndian.Uint32(data[pos+4:]))
		end := pos + 8 + size
		if end+size%2 > riffEnd {
			t.Fatalf("walkWebP: chunk at offset %d with padding runs past the RIFF size", pos)
		}
		chunks = append(chunks, riffChunkInfo{offset: pos, fourCC: string(data[pos : pos+4]), data: data[pos+8 : end]})
		pos = end + size%2
	}
	return chunks, riffEnd
}

// riffChunk returns a RIFF chunk padded to an even length with a zero.
func riffChunk(fourCC string, data []byte) []byte {
	b := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// buildWebP wraps chunks in a RIFF WEBP header with a correct size.
func buildWebP(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	b = append(b, "WEBP"...)
	return append(b, body...)
}

// gifBlock is one top-level block found by walkGIF.
type gifBlock struct {
	offset int
	end    int
	kind   byte   // 0x21 extension, 0x2C image, 0x3B trailer
	label  byte   // extension label
	appID  string // application identifier of a 0xFF extension
}

// walkGIF lists the blocks after the global colour table up to and
// including the trailer. It also returns the offset just past the trailer.
func walkGIF(t *testing.T, data []byte) ([]gifBlock, int) {
	t.Helper()
	if len(data) < 13 {
		t.Fatalf("walkGIF: %d bytes is too short", len(data))
	}
	pos := 13
	if data[10]&0x80 != 0 {
		pos += 3 << (data[10]&7 + 1)
	}
	skipBlocks := func(p int) int {
		for p < len(data) && data[p] != 0 {
			p += int(data[p]) + 1
		}
		if p >= len(data) {
			t.Fatalf("walkGIF: sub-blocks run past the end")
		}
		return p + 1
	}
	var blocks []gifBlock
	for pos < len(data) {
		b := gifBlock{offset: pos, kind: data[pos]}
		switch b.kind {
		case 0x21:
			b.label = data[pos+1]
			if b.label == 0xFF && data[pos+2] == 11 {
				b.appID = string(data[pos+3 : pos+14])
			}
			b.end = skipBlocks(pos + 2)
		case 0x2C:
			p := pos + 10
			if data[pos+9]&0x80 != 0 {
				p += 3 << (data[pos+9]&7 + 1)
			}
			b.end = skipBlocks(p + 1)
		case 0x3B:
			b.end = pos + 1
			return append(blocks, b), b.end
		default:
			t.Fatalf("walkGIF: unknown block 0x%02X at offset %d", b.kind, pos)
		}
		blocks = append(blocks, b)
		pos = b.end
	}
	t.Fatalf("walkGIF: no trailer")
	return nil, 0
}

// gifSubBlocks encodes payload as GIF data sub-blocks of at most 255 bytes
// followed by the zero-size terminator.
func gifSubBlocks(payload []byte) []byte {
	var b []byte
	for len(payload) > 0 {
		n := min(len(payload), 255)
		b = append(b, byte(n))
		b = append(b, payload[:n]...)
		payload = payload[n:]
	}
	return append(b, 0)
}

// splice returns data with insert placed at offset.
func splice(data []byte, offset int, insert ...[]byte) []byte {
	out := append([]byte(nil), data[:offset]...)
	for _, b := range insert {
		out = append(out, b...)
	}
	return append(out, data[offset:]...)
}

// mustStrip runs Strip and fails the test on error.
func mustStrip(t *testing.T, format string, data []byte) []byte {
	t.Helper()
	out, err := Strip(format, data)
	if err != nil {
		t.Fatalf("Strip(%q) failed: %v", format, err)
	}
	return out
}

// testImage returns a deterministic NRGBA gradient with partial alpha.
func testImage(width, height int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			i := img.PixOffset(x, y)
			img.Pix[i+0] = uint8(x * 255 / width)
			img.Pix[i+1] = uint8(y * 255 / height)
			img.Pix[i+2] = uint8((x*7 + y*13) % 256)
			img.Pix[i+3] = uint8(128 + (x+y)%128)
		}
	}
	return img
}

// metadataItems walks a file and names its metadata items: dropped lists
// the kinds Strip must remove, kept lists every other item in file order
// (for JPEG only the APPn segments Strip keeps). It also returns the offset
// where the format's end marker or RIFF size ends.
func metadataItems(t *testing.T, format string, data []byte) (dropped, kept []string, end int) {
	t.Helper()
	switch format {
	case "jpeg":
		segments, end := walkJPEG(t, data)
		for _, s := range segments {
			p := s.payload
			switch {
			case s.marker == 0xE0 && bytes.HasPrefix(p, []byte("JFIF\x00")):
				kept = append(kept, "APP0 JFIF")
				if len(p) >= 14 && (p[12] != 0 || p[13] != 0) {
					dropped = append(dropped, "APP0 JFIF thumbnail")
				}
			case s.marker == 0xE2 && bytes.HasPrefix(p, []byte("ICC_PROFILE\x00")):
				kept = append(kept, fmt.Sprintf("APP2 ICC_PROFILE % x", p[12:min(len(p), 14)]))
			case s.marker == 0xEE && bytes.HasPrefix(p, []byte("Adobe")):
				kept = append(kept, "APP14 Adobe")
			case s.marker >= 0xE0 && s.marker <= 0xEF:
				dropped = append(dropped, fmt.Sprintf("APP%d %.12q", s.marker-0xE0, p))
			case s.marker == 0xFE:
				dropped = append(dropped, fmt.Sprintf("COM %.12q", p))
			}
		}
		return dropped, kept, end
	case "png":
		chunks, end := walkPNG(t, data)
		for _, c := range chunks {
			switch c.chunkType {
			case "tEXt", "zTXt", "iTXt", "eXIf", "tIME":
				dropped = append(dropped, c.chunkType)
			default:
				kept = append(kept, c.chunkType)
			}
		}
		return dropped, kept, end
	case "webp":
		chunks, end := walkWebP(t, data)
		for _, c := range chunks {
			switch c.fourCC {
			case "EXIF", "XMP ":
				dropped = append(dropped, c.fourCC)
			default:
				kept = append(kept, c.fourCC)
			}
		}
		return dropped, kept, end
	case "gif":
		blocks, end := walkGIF(t, data)
		for _, b := range blocks {
			switch {
			case b.kind == 0x21 && b.label == 0xFE:
				dropped = append(dropped, "comment")
			case b.kind == 0x21 && b.label == 0xFF && b.appID != "NETSCAPE2.0" && b.appID != "ANIMEXTS1.0":
				dropped = append(dropped, fmt.Sprintf("application %q", b.appID))
			case b.kind == 0x21:
				kept = append(kept, fmt.Sprintf("extension 0x%02X %s", b.label, b.appID))
			case b.kind == 0x2C:
				kept = append(kept, "image")
			default:
				kept = append(kept, "trailer")
			}
		}
		return dropped, kept, end
	}
	t.Fatalf("metadataItems: unknown format %q", format)
	return nil, nil, 0
}

// checkStripped fails the test when output still contains a metadata item
// Strip must drop or has lost or reordered an item it must keep. It also
// fails on bytes after the end marker and, for WebP, on a wrong RIFF size
// or a VP8X flag still set for EXIF or XMP.
func checkStripped(t *testing.T, format string, input, output []byte) {
	t.Helper()
	_, inputKept, _ := metadataItems(t, format, input)
	dropped, kept, end := metadataItems(t, format, output)
	if len(dropped) > 0 {
		t.Errorf("output still contains %v, expected no such metadata", dropped)
	}
	if !reflect.DeepEqual(kept, inputKept) {
		t.Errorf("output keeps %q, expected the input's %q in the same order", kept, inputKept)
	}
	if end != len(output) {
		t.Errorf("output has %d bytes after its end, expected none", len(output)-end)
	}
	if format != "webp" {
		return
	}
	chunks, _ := walkWebP(t, output)
	for _, c := range chunks {
		if c.fourCC == "VP8X" && c.data[0]&(0x08|0x04) != 0 {
			t.Errorf("VP8X flags 0x%02X still set the EXIF (0x08) or XMP (0x04) bit", c.data[0])
		}
	}
}

// checkHostileStrip runs strip on input. A valid input must give exactly
// want; an invalid one must give an error matching ErrMalformed.
func checkHostileStrip(t *testing.T, strip func([]byte) ([]byte, error), input []byte, valid bool, want []byte) {
	t.Helper()
	out, err := strip(input)
	if !valid {
		if err == nil {
			t.Fatalf("got %d bytes and no error, expected an error for malformed input", len(out))
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("error %v does not match ErrMalformed", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("output is %d bytes, expected the %d-byte clean file", len(out), len(want))
	}
}
