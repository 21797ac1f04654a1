package jpegenc

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"testing"
)

// syntheticPhoto returns a deterministic photo-like image: smooth colour
// gradients, a sharp-edged disc, a block of thin stripes and pixel noise
// of ±12 levels, so that every part of the coder gets work.
func syntheticPhoto(width, height int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	state := uint32(0x9e3779b9)
	cx, cy := width/3, height/2
	radius := min(width, height) / 5
	for y := range height {
		for x := range width {
			fx := float64(x) / float64(width)
			fy := float64(y) / float64(height)
			r := 120 + 90*math.Sin(3*fx+2*fy)
			g := 110 + 80*math.Cos(4*fy-fx)
			b := 100 + 70*math.Sin(5*(fx+fy))
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy < radius*radius {
				r, g, b = 230, 60, 40
			}
			if 3*x > 2*width && 3*y > 2*height && (x/3)%2 == 0 {
				r, g, b = r/4, g/4, b/4
			}
			state ^= state << 13
			state ^= state >> 17
			state ^= state << 5
			noise := float64(int(state>>24)%25 - 12)
			i := img.PixOffset(x, y)
			img.Pix[i+0] = clampByte(r + noise)
			img.Pix[i+1] = clampByte(g + noise)
			img.Pix[i+2] = clampByte(b + noise)
			img.Pix[i+3] = 0xff
		}
	}
	return img
}

func clampByte(v float64) uint8 {
	return uint8(math.Round(min(max(v, 0), 255)))
}

// toYCbCr converts src with the JFIF equations of image/color, taking each
// chroma sample from the top left pixel of the pixels it covers.
func toYCbCr(src *image.RGBA, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	b := src.Bounds()
	dst := image.NewYCbCr(b, ratio)
	// Walking backwards makes the top left pixel of each chroma group the
	// last one to write the group's sample.
	for y := b.Max.Y - 1; y >= b.Min.Y; y-- {
		for x := b.Max.X - 1; x >= b.Min.X; x-- {
			p := src.RGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(p.R, p.G, p.B)
			dst.Y[dst.YOffset(x, y)] = yy
			c := dst.COffset(x, y)
			dst.Cb[c], dst.Cr[c] = cb, cr
		}
	}
	return dst
}

func toRGBA(img image.Image) *image.RGBA {
	dst := image.NewRGBA(img.Bounds())
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Src)
	return dst
}

func toGray(img image.Image) *image.Gray {
	dst := image.NewGray(img.Bounds())
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Src)
	return dst
}

// psnrBytes returns the PSNR in dB of b against a, both 8-bit samples, or
// +Inf when they are equal.
func psnrBytes(a, b []byte) float64 {
	var sum float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	return psnrFromSum(sum, len(a))
}

// psnrFromSum returns the PSNR in dB for a sum of squared errors over n
// 8-bit samples, or +Inf for no error.
func psnrFromSum(sum float64, n int) float64 {
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*float64(n)/sum)
}

// psnrRGB compares the R, G and B channels of two images of equal size.
func psnrRGB(t *testing.T, want, got image.Image) float64 {
	t.Helper()
	if want.Bounds().Size() != got.Bounds().Size() {
		t.Fatalf("decoded size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	a, b := toRGBA(want), toRGBA(got)
	var sum float64
	for i := range a.Pix {
		if i%4 != 3 {
			d := float64(a.Pix[i]) - float64(b.Pix[i])
			sum += d * d
		}
	}
	return psnrFromSum(sum, len(a.Pix)/4*3)
}

// lumaPSNR compares the luma of two images of equal size, each converted
// with color.GrayModel unless it is YCbCr or Gray already.
func lumaPSNR(t *testing.T, want, got image.Image) float64 {
	t.Helper()
	return psnrBytes(lumaPlane(want), lumaPlane(got))
}

func lumaPlane(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy())
	switch m := img.(type) {
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := m.YOffset(b.Min.X, y)
			out = append(out, m.Y[i:i+b.Dx()]...)
		}
	default:
		g := toGray(img)
		for y := range b.Dy() {
			out = append(out, g.Pix[y*g.Stride:y*g.Stride+b.Dx()]...)
		}
	}
	return out
}

// encodeOwn encodes with this package and fails the test on error.
func encodeOwn(t testing.TB, img image.Image, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, img, opts); err != nil {
		t.Fatalf("Encode(%T %v, %+v): %v", img, img.Bounds(), opts, err)
	}
	return buf.Bytes()
}

// encodeStd encodes with image/jpeg at the given quality.
func encodeStd(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatalf("image/jpeg Encode: %v", err)
	}
	return buf.Bytes()
}

// decode decodes data with image/jpeg and fails the test on error.
func decode(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg cannot decode the output (%d bytes): %v", len(data), err)
	}
	return img
}

// segment is a marker segment of a JPEG file before the first SOS.
type segment struct {
	marker  byte
	payload []byte
}

// headerSegments splits the header of data into its marker segments, up to
// and including SOS.
func headerSegments(t *testing.T, data []byte) []segment {
	t.Helper()
	if len(data) < 2 || data[0] != 0xff || data[1] != markerSOI {
		t.Fatalf("output does not start with SOI: % x", data[:min(len(data), 4)])
	}
	var segs []segment
	for i := 2; ; {
		if i+4 > len(data) || data[i] != 0xff {
			t.Fatalf("no marker segment at offset %d", i)
		}
		marker := data[i+1]
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 || i+2+n > len(data) {
			t.Fatalf("segment 0x%02x at offset %d has invalid length %d", marker, i, n)
		}
		segs = append(segs, segment{marker, data[i+4 : i+2+n]})
		i += 2 + n
		if marker == markerSOS {
			return segs
		}
	}
}

func findSegments(segs []segment, marker byte) []segment {
	var out []segment
	for _, s := range segs {
		if s.marker == marker {
			out = append(out, s)
		}
	}
	return out
}

// scanData returns the entropy-coded data and markers between the SOS
// segment and EOI.
func scanData(t *testing.T, data []byte) []byte {
	t.Helper()
	segs := headerSegments(t, data)
	sos := segs[len(segs)-1].payload
	start := bytes.Index(data, sos) + len(sos)
	if !bytes.HasSuffix(data, []byte{0xff, markerEOI}) {
		t.Fatalf("output does not end with EOI: % x", data[max(0, len(data)-4):])
	}
	return data[start : len(data)-2]
}
