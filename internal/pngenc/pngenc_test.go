package pngenc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

// chunk is one parsed PNG chunk.
type chunk struct {
	typ  string
	data []byte
}

// parseChunks splits a PNG file into chunks, checking the signature and
// every CRC.
func parseChunks(t *testing.T, file []byte) []chunk {
	t.Helper()
	if !bytes.HasPrefix(file, pngSignature) {
		t.Fatalf("file starts with % x, expected the PNG signature % x", file[:min(8, len(file))], pngSignature)
	}
	var chunks []chunk
	rest := file[8:]
	for len(rest) > 0 {
		if len(rest) < 12 {
			t.Fatalf("%d bytes left after chunk %d, too short for a chunk", len(rest), len(chunks))
		}
		n := int(binary.BigEndian.Uint32(rest))
		if n > len(rest)-12 {
			t.Fatalf("chunk %d claims %d data bytes but only %d remain", len(chunks), n, len(rest)-12)
		}
		typ := string(rest[4:8])
		data := rest[8 : 8+n]
		got := binary.BigEndian.Uint32(rest[8+n:])
		if want := crc32.ChecksumIEEE(rest[4 : 8+n]); got != want {
			t.Fatalf("chunk %d (%s): CRC %08x, expected %08x", len(chunks), typ, got, want)
		}
		chunks = append(chunks, chunk{typ, data})
		rest = rest[12+n:]
	}
	return chunks
}

// colorTypeOf returns the colour type byte of the IHDR chunk.
func colorTypeOf(t *testing.T, file []byte) byte {
	t.Helper()
	chunks := parseChunks(t, file)
	if len(chunks) == 0 || chunks[0].typ != "IHDR" || len(chunks[0].data) != 13 {
		t.Fatalf("first chunk is not a 13-byte IHDR: %+v", chunks[:min(1, len(chunks))])
	}
	return chunks[0].data[9]
}

// wantPixel returns the 8-bit straight-alpha pixel that a decoder should
// see at (x, y) of img after Encode. Where image/png writes 8-bit samples
// (grey, RGBA, NRGBA, alpha and palette color models) this is the pixel
// that image/png.Decode returns for image/png's own encoding of img,
// passed in as reference. For the other color models image/png writes
// 16-bit samples, and the pixel is the 8-bit conversion that the Encode
// documentation states.
func wantPixel(img, reference image.Image, x, y int) color.NRGBA {
	model := img.ColorModel()
	_, paletted := model.(color.Palette)
	switch {
	case paletted, model == color.GrayModel, model == color.RGBAModel, model == color.NRGBAModel, model == color.AlphaModel:
		r, b := reference.Bounds(), img.Bounds()
		return nrgbaOf(reference.At(x-b.Min.X+r.Min.X, y-b.Min.Y+r.Min.Y))
	case model == color.Gray16Model:
		v := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
		return color.NRGBA{v, v, v, 0xff}
	case isOpaque(img):
		r, g, b, _ := img.At(x, y).RGBA()
		return color.NRGBA{byte(r >> 8), byte(g >> 8), byte(b >> 8), 0xff}
	}
	return nrgbaOf(img.At(x, y))
}

// checkRoundTrip encodes img, decodes it with image/png, and compares
// every pixel with what image/png's own round trip gives.
func checkRoundTrip(t *testing.T, img image.Image, opts Options, wantColorType byte) {
	t.Helper()
	file := encode(t, img, opts)
	if got := colorTypeOf(t, file); got != wantColorType {
		t.Errorf("colour type %d, expected %d", got, wantColorType)
	}
	checkRoundTripFile(t, img, file)
}

// checkRoundTripFile decodes file, the encoding of img, and compares every
// pixel with what image/png's own round trip of img gives.
func checkRoundTripFile(t *testing.T, img image.Image, file []byte) {
	t.Helper()
	got := decode(t, file)

	var ref bytes.Buffer
	if err := png.Encode(&ref, img); err != nil {
		t.Fatalf("image/png cannot encode the reference: %v", err)
	}
	want := decode(t, ref.Bytes())

	b := img.Bounds()
	if got.Bounds().Size() != b.Size() {
		t.Fatalf("decoded size %v, expected %v", got.Bounds().Size(), b.Size())
	}
	gb := got.Bounds()
	mismatches := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			w := wantPixel(img, want, x, y)
			g := nrgbaOf(got.At(x-b.Min.X+gb.Min.X, y-b.Min.Y+gb.Min.Y))
			if g != w {
				mismatches++
				if mismatches <= 5 {
					t.Errorf("pixel (%d,%d): decoded %v, expected %v (source %v)", x, y, g, w, img.At(x, y))
				}
			}
		}
	}
	if mismatches > 5 {
		t.Errorf("%d pixels differ in all", mismatches)
	}
}

// randomFill fills pix with bytes from rng.
func randomFill(rng *rand.Rand, pix []byte) {
	for i := range pix {
		pix[i] = byte(rng.UintN(256))
	}
}

// premultiply turns random RGBA bytes into valid premultiplied pixels.
func premultiply(pix []byte) {
	for i := 0; i+3 < len(pix); i += 4 {
		a := uint32(pix[i+3])
		for k := range 3 {
			pix[i+k] = byte(uint32(pix[i+k]) * a / 255)
		}
	}
}

func newRGBA(rng *rand.Rand, r image.Rectangle, alpha string) *image.RGBA {
	m := image.NewRGBA(r)
	randomFill(rng, m.Pix)
	for i := 3; i < len(m.Pix); i += 4 {
		switch alpha {
		case "opaque":
			m.Pix[i] = 0xff
		case "transparent":
			m.Pix[i] = 0
		case "binary":
			m.Pix[i] &= 0x80
			m.Pix[i] |= m.Pix[i] >> 1 & 0x7f * 2 // 0 or 0xff
			if m.Pix[i] != 0 {
				m.Pix[i] = 0xff
			}
		}
	}
	if alpha != "invalid" {
		premultiply(m.Pix)
	}
	return m
}

func newNRGBA(rng *rand.Rand, r image.Rectangle, opaque bool) *image.NRGBA {
	m := image.NewNRGBA(r)
	randomFill(rng, m.Pix)
	if opaque {
		for i := 3; i < len(m.Pix); i += 4 {
			m.Pix[i] = 0xff
		}
	}
	return m
}

func newPaletted(rng *rand.Rand, r image.Rectangle, pal color.Palette) *image.Paletted {
	m := image.NewPaletted(r, pal)
	for i := range m.Pix {
		m.Pix[i] = byte(rng.IntN(len(pal)))
	}
	return m
}

func newYCbCr(rng *rand.Rand, r image.Rectangle, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	m := image.NewYCbCr(r, ratio)
	randomFill(rng, m.Y)
	randomFill(rng, m.Cb)
	randomFill(rng, m.Cr)
	return m
}

// subImage returns the part of img inside r, with a non-zero origin and a
// stride wider than the part.
func subImage(img image.Image, r image.Rectangle) image.Image {
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

var smallPalette = color.Palette{
	color.RGBA{0xff, 0, 0, 0xff},
	color.RGBA{0, 0, 0, 0},
	color.RGBA{100, 50, 0, 128},
	color.NRGBA{0, 0, 0xff, 0xff},
}

var opaquePalette = color.Palette{
	color.RGBA{0xff, 0, 0, 0xff},
	color.Gray{0x80},
	color.RGBA{0, 0, 0xff, 0xff},
}

func TestEncodeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	r179 := image.Rect(0, 0, 17, 9)
	gray16 := image.NewGray16(r179)
	randomFill(rng, gray16.Pix)
	rgba64 := image.NewRGBA64(r179)
	for i := range rgba64.Pix {
		rgba64.Pix[i] = byte(rng.UintN(256))
	}
	for i := 0; i < len(rgba64.Pix); i += 8 { // keep colour <= alpha
		a := binary.BigEndian.Uint16(rgba64.Pix[i+6:])
		for k := range 3 {
			v := binary.BigEndian.Uint16(rgba64.Pix[i+2*k:])
			binary.BigEndian.PutUint16(rgba64.Pix[i+2*k:], uint16(uint32(v)*uint32(a)/0xffff))
		}
	}
	nrgba64 := image.NewNRGBA64(r179)
	randomFill(rng, nrgba64.Pix)
	cmyk := image.NewCMYK(r179)
	randomFill(rng, cmyk.Pix)
	alpha := image.NewAlpha(r179)
	randomFill(rng, alpha.Pix)
	nycbcra := image.NewNYCbCrA(r179, image.YCbCrSubsampleRatio420)
	randomFill(rng, nycbcra.Y)
	randomFill(rng, nycbcra.Cb)
	randomFill(rng, nycbcra.Cr)
	randomFill(rng, nycbcra.A)
	gray := image.NewGray(r179)
	randomFill(rng, gray.Pix)

	f, err := os.Open("../../testdata/gotosocial/test-jpeg.jpg")
	if err != nil {
		t.Fatal(err)
	}
	jpegImg, err := jpeg.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("decode test-jpeg.jpg: %v", err)
	}

	tests := []struct {
		name      string
		img       image.Image
		colorType byte
	}{
		{"rgba-opaque-17x9", newRGBA(rng, r179, "opaque"), colorTypeRGB},
		{"rgba-alpha-17x9", newRGBA(rng, r179, "random"), colorTypeRGBA},
		{"rgba-transparent-17x9", newRGBA(rng, r179, "transparent"), colorTypeRGBA},
		{"rgba-binary-alpha-17x9", newRGBA(rng, r179, "binary"), colorTypeRGBA},
		{"rgba-invalid-premultiplied", newRGBA(rng, r179, "invalid"), colorTypeRGBA},
		{"rgba-1x1", newRGBA(rng, image.Rect(0, 0, 1, 1), "random"), colorTypeRGBA},
		{"rgba-1x1000", newRGBA(rng, image.Rect(0, 0, 1, 1000), "random"), colorTypeRGBA},
		{"rgba-1000x1", newRGBA(rng, image.Rect(0, 0, 1000, 1), "random"), colorTypeRGBA},
		{"rgba-subimage", subImage(newRGBA(rng, image.Rect(-5, -3, 40, 30), "random"), image.Rect(3, 2, 20, 11)), colorTypeRGBA},
		{"rgba-photo-opaque", realPhoto(t, 300, 200).SubImage(image.Rect(0, 0, 30, 30)), colorTypeRGB},
		{"rgba-synthetic", syntheticPhoto(301, 203), colorTypeRGBA},
		{"nrgba-alpha-17x9", newNRGBA(rng, r179, false), colorTypeRGBA},
		{"nrgba-opaque-17x9", newNRGBA(rng, r179, true), colorTypeRGB},
		{"nrgba-1x1000", newNRGBA(rng, image.Rect(0, 0, 1, 1000), false), colorTypeRGBA},
		{"nrgba-subimage", subImage(newNRGBA(rng, image.Rect(0, 0, 40, 30), false), image.Rect(5, 6, 22, 15)), colorTypeRGBA},
		{"gray-17x9", gray, colorTypeGray},
		{"gray-subimage", subImage(gray, image.Rect(2, 1, 15, 8)), colorTypeGray},
		{"gray16-17x9", gray16, colorTypeGray},
		{"paletted-alpha-17x9", newPaletted(rng, r179, smallPalette), colorTypePaletted},
		{"paletted-opaque-1000x1", newPaletted(rng, image.Rect(0, 0, 1000, 1), opaquePalette), colorTypePaletted},
		{"paletted-subimage", subImage(newPaletted(rng, image.Rect(0, 0, 30, 30), smallPalette), image.Rect(1, 2, 18, 11)), colorTypePaletted},
		{"ycbcr-444-17x9", newYCbCr(rng, r179, image.YCbCrSubsampleRatio444), colorTypeRGB},
		{"ycbcr-422-17x9", newYCbCr(rng, r179, image.YCbCrSubsampleRatio422), colorTypeRGB},
		{"ycbcr-420-17x9", newYCbCr(rng, r179, image.YCbCrSubsampleRatio420), colorTypeRGB},
		{"ycbcr-411-17x9", newYCbCr(rng, r179, image.YCbCrSubsampleRatio411), colorTypeRGB},
		{"ycbcr-420-odd-subimage", subImage(newYCbCr(rng, image.Rect(0, 0, 40, 30), image.YCbCrSubsampleRatio420), image.Rect(3, 5, 20, 14)), colorTypeRGB},
		{"ycbcr-jpeg-file", jpegImg, colorTypeRGB},
		{"rgba64-17x9", rgba64, colorTypeRGBA},
		{"nrgba64-17x9", nrgba64, colorTypeRGBA},
		{"cmyk-17x9", cmyk, colorTypeRGB},
		{"alpha-17x9", alpha, colorTypeRGBA},
		{"nycbcra-17x9", nycbcra, colorTypeRGBA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRoundTrip(t, tt.img, Options{}, tt.colorType)
		})
	}
}

func TestEncodeLevels(t *testing.T) {
	img := syntheticPhoto(129, 67)
	for _, level := range []int{NoCompression, HuffmanOnly, DefaultLevel, 1, 2, 3, 4, 5, 6, 7, 8, 9} {
		t.Run(fmt.Sprintf("level%d", level), func(t *testing.T) {
			checkRoundTrip(t, img, Options{Level: level}, colorTypeRGBA)
		})
	}
}

// TestEncodeRandomImages round-trips random small images of every fast
// path with random sizes, alpha and options.
func TestEncodeRandomImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	alphas := []string{"opaque", "transparent", "binary", "random"}
	for i := range 150 {
		r := image.Rect(rng.IntN(9)-4, rng.IntN(9)-4, 0, 0)
		r.Max = r.Min.Add(image.Pt(1+rng.IntN(40), 1+rng.IntN(40)))
		var img image.Image
		var ct byte
		switch rng.IntN(5) {
		case 0:
			a := alphas[rng.IntN(len(alphas))]
			img, ct = newRGBA(rng, r, a), colorTypeRGBA
			if a == "opaque" {
				ct = colorTypeRGB
			}
		case 1:
			opaque := rng.IntN(2) == 0
			img, ct = newNRGBA(rng, r, opaque), colorTypeRGBA
			if opaque {
				ct = colorTypeRGB
			}
		case 2:
			g := image.NewGray(r)
			randomFill(rng, g.Pix)
			img, ct = g, colorTypeGray
		case 3:
			img, ct = newPaletted(rng, r, smallPalette), colorTypePaletted
		case 4:
			ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440}
			img, ct = newYCbCr(rng, r, ratios[rng.IntN(len(ratios))]), colorTypeRGB
		}
		opts := Options{Level: rng.IntN(12) - 2, Workers: 1 + rng.IntN(4)}
		t.Run(fmt.Sprintf("%d-%T-%v-%+v", i, img, r, opts), func(t *testing.T) {
			checkRoundTrip(t, img, opts, ct)
		})
	}
}

func TestEncodePalette(t *testing.T) {
	img := image.NewPaletted(image.Rect(0, 0, 4, 1), smallPalette)
	copy(img.Pix, []byte{0, 1, 2, 3})
	chunks := parseChunks(t, encode(t, img, Options{}))
	var plte, trns []byte
	for _, c := range chunks {
		switch c.typ {
		case "PLTE":
			plte = c.data
		case "tRNS":
			trns = c.data
		}
	}
	// color.RGBA{100, 50, 0, 128} is premultiplied; straight alpha gives
	// 100*65535/128>>8 = 199 and 50*65535/128>>8 = 99.
	wantPLTE := []byte{0xff, 0, 0, 0, 0, 0, 199, 99, 0, 0, 0, 0xff}
	if !bytes.Equal(plte, wantPLTE) {
		t.Errorf("PLTE % x, expected % x", plte, wantPLTE)
	}
	// The last entry is opaque, so tRNS stops after the third.
	wantTRNS := []byte{0xff, 0, 128}
	if !bytes.Equal(trns, wantTRNS) {
		t.Errorf("tRNS % x, expected % x", trns, wantTRNS)
	}

	opaque := image.NewPaletted(image.Rect(0, 0, 3, 1), opaquePalette)
	for _, c := range parseChunks(t, encode(t, opaque, Options{})) {
		if c.typ == "tRNS" {
			t.Errorf("opaque palette got a tRNS chunk % x, expected none", c.data)
		}
	}
}

// encodeStriped encodes img with stripes of about stripeBytes filtered
// bytes and fails the test on error.
func encodeStriped(t *testing.T, img image.Image, opts Options, stripeBytes int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := encodeWithStripes(&buf, img, opts, stripeBytes); err != nil {
		t.Fatalf("encode %v with %d-byte stripes, %+v: %v", img.Bounds(), stripeBytes, opts, err)
	}
	return buf.Bytes()
}

// TestEncodeWorkers checks that the output does not depend on Workers,
// with stripes from one row to many and history that reaches back over
// several stripes.
func TestEncodeWorkers(t *testing.T) {
	img := syntheticPhoto(150, 120) // 601-byte rows
	for _, stripeBytes := range []int{1, 2000, 20000, stripeTargetBytes} {
		for _, level := range []int{DefaultLevel, HuffmanOnly, NoCompression, 1, 7} {
			want := encodeStriped(t, img, Options{Level: level, Workers: 1}, stripeBytes)
			for _, workers := range []int{2, 4} {
				got := encodeStriped(t, img, Options{Level: level, Workers: workers}, stripeBytes)
				if !bytes.Equal(got, want) {
					t.Errorf("%d-byte stripes, level %d: %d workers wrote %d bytes that differ from the %d bytes of 1 worker",
						stripeBytes, level, workers, len(got), len(want))
				}
			}
			checkRoundTripFile(t, img, want)
		}
	}
}

// TestEncodeStripesCompress checks that history across stripe boundaries
// keeps the size within 0.5% of a single stripe. Without history, 25
// stripes of this photo cost 1.4% more.
func TestEncodeStripesCompress(t *testing.T) {
	img := realPhoto(t, 400, 300) // 1601-byte rows, 12 rows a stripe
	single := len(encodeStriped(t, img, Options{Workers: 1}, 1<<30))
	striped := len(encodeStriped(t, img, Options{Workers: 2}, 20000))
	t.Logf("25 stripes: %d bytes, one stripe: %d bytes", striped, single)
	if float64(striped) > 1.005*float64(single) {
		t.Errorf("25 stripes give %d bytes, one stripe %d: expected at most 0.5%% more", striped, single)
	}
}

// TestEncodeStream checks the chunk layout: IHDR first, IEND last and
// empty, and contiguous IDAT chunks of at most maxIDATData bytes. It then
// checks that compress/zlib accepts the header and decodes the stream to
// exactly the filtered rows, and that the Adler-32 trailer matches them.
func TestEncodeStream(t *testing.T) {
	const width, height = 600, 500
	img := syntheticPhoto(width, height)
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers%d", workers), func(t *testing.T) {
			chunks := parseChunks(t, encodeStriped(t, img, Options{Workers: workers}, 50000))
			if chunks[0].typ != "IHDR" {
				t.Errorf("first chunk %s, expected IHDR", chunks[0].typ)
			}
			last := chunks[len(chunks)-1]
			if last.typ != "IEND" || len(last.data) != 0 {
				t.Errorf("last chunk %s with %d bytes, expected an empty IEND", last.typ, len(last.data))
			}
			var stream []byte
			idats, firstIDAT, lastIDAT := 0, -1, -1
			for i, c := range chunks {
				if c.typ != "IDAT" {
					continue
				}
				if firstIDAT < 0 {
					firstIDAT = i
				}
				lastIDAT = i
				idats++
				if len(c.data) > maxIDATData {
					t.Errorf("IDAT %d has %d bytes, more than %d", i, len(c.data), maxIDATData)
				}
				stream = append(stream, c.data...)
			}
			if lastIDAT-firstIDAT+1 != idats {
				t.Errorf("IDAT chunks %d..%d are not contiguous (%d IDATs)", firstIDAT, lastIDAT, idats)
			}
			if idats < 2 {
				t.Errorf("%d IDAT chunks for %d bytes of stream, expected several", idats, len(stream))
			}

			if h := binary.BigEndian.Uint16(stream); h%31 != 0 || stream[0] != 0x78 {
				t.Errorf("zlib header %04x: expected CMF 0x78 and a multiple of 31", h)
			}
			zr, err := zlib.NewReader(bytes.NewReader(stream))
			if err != nil {
				t.Fatalf("zlib header rejected: %v", err)
			}
			raw, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("zlib stream invalid after %d bytes: %v", len(raw), err)
			}
			if want := height * (width*4 + 1); len(raw) != want {
				t.Fatalf("stream decodes to %d bytes, expected %d rows of %d", len(raw), height, width*4+1)
			}
			trailer := binary.BigEndian.Uint32(stream[len(stream)-4:])
			if want := adler32.Checksum(raw); trailer != want {
				t.Errorf("Adler-32 trailer %08x, expected %08x", trailer, want)
			}
			for y := range height {
				if f := raw[y*(width*4+1)]; f > filterPaeth {
					t.Fatalf("row %d has filter type %d, expected 0..4", y, f)
				}
			}
		})
	}
}

func TestAdler32Combine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 300000)
	randomFill(rng, data)
	for i := range 1000 {
		data[i] = 0xff // long runs of large bytes push s2 past the modulus
	}
	for _, split := range []int{0, 1, 5552, 65521, 65522, 150000, 299999, 300000} {
		first, second := data[:split], data[split:]
		got := adler32Combine(adler32.Checksum(first), adler32.Checksum(second), len(second))
		if want := adler32.Checksum(data); got != want {
			t.Errorf("split at %d: combined %08x, expected %08x", split, got, want)
		}
	}
	// Combining three parts in order, as writeImageData does.
	sum := uint32(1)
	for _, part := range [][]byte{data[:70000], data[70000:70001], data[70001:]} {
		sum = adler32Combine(sum, adler32.Checksum(part), len(part))
	}
	if want := adler32.Checksum(data); sum != want {
		t.Errorf("three parts: combined %08x, expected %08x", sum, want)
	}
}

// failingWriter fails every write after the first limit bytes.
type failingWriter struct {
	limit int
	n     int
}

var errWrite = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.limit {
		return 0, errWrite
	}
	f.n += len(p)
	return len(p), nil
}

func TestEncodeWriterError(t *testing.T) {
	img := syntheticPhoto(600, 500)
	for _, limit := range []int{0, 10, 40, 300000} {
		for _, workers := range []int{1, 4} {
			err := encodeWithStripes(&failingWriter{limit: limit}, img, Options{Workers: workers}, 20000)
			if !errors.Is(err, errWrite) {
				t.Errorf("writer failing after %d bytes, %d workers: error %v, expected %v", limit, workers, err, errWrite)
			}
		}
	}
}

func TestEncodeInvalid(t *testing.T) {
	shortRGBA := image.NewRGBA(image.Rect(0, 0, 10, 10))
	shortRGBA.Pix = shortRGBA.Pix[:len(shortRGBA.Pix)-1]
	wideStride := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	wideStride.Stride = 1 << 40
	negativeStride := image.NewGray(image.Rect(0, 0, 10, 10))
	negativeStride.Stride = -10
	outOfPalette := image.NewPaletted(image.Rect(0, 0, 4, 4), opaquePalette)
	outOfPalette.Pix[13] = 3
	shortChroma := image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio420)
	shortChroma.Cr = shortChroma.Cr[:10]
	ok := image.NewRGBA(image.Rect(0, 0, 2, 2))

	tests := []struct {
		name string
		img  image.Image
		opts Options
		want error
	}{
		{"nil-image", nil, Options{}, ErrInvalidImage},
		{"empty", image.NewRGBA(image.Rectangle{}), Options{}, ErrInvalidImage},
		{"zero-height", image.NewGray(image.Rect(0, 0, 5, 0)), Options{}, ErrInvalidImage},
		{"inverted-rect", &image.RGBA{Rect: image.Rect(5, 5, 0, 0)}, Options{}, ErrInvalidImage},
		{"short-pix", shortRGBA, Options{}, ErrInvalidImage},
		{"huge-stride", wideStride, Options{}, ErrInvalidImage},
		{"negative-stride", negativeStride, Options{}, ErrInvalidImage},
		{"index-outside-palette", outOfPalette, Options{}, ErrInvalidImage},
		{"empty-palette", image.NewPaletted(image.Rect(0, 0, 2, 2), nil), Options{}, ErrInvalidImage},
		{"short-chroma", shortChroma, Options{}, ErrInvalidImage},
		{"level-10", ok, Options{Level: 10}, ErrInvalidOptions},
		{"level-minus-3", ok, Options{Level: -3}, ErrInvalidOptions},
		{"negative-workers", ok, Options{Workers: -1}, ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, tt.img, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, expected one wrapping %v", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before rejecting the input, expected none", buf.Len())
			}
		})
	}
}
