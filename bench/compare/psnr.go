package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"os"
)

// plane is an image as float64 premultiplied RGBA on the 0..255 scale,
// 4 values per pixel, rows top to bottom.
type plane struct {
	w, h int
	pix  []float64
}

// loadPlane converts img to a plane in its displayed layout for an EXIF
// orientation. Non-premultiplied sources (PNG with alpha decodes to NRGBA)
// are premultiplied in float64, so low alpha loses no precision.
func loadPlane(img image.Image, orientation int) plane {
	var pix []byte
	var stride, w, h int
	straight := false
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		pix, stride, w, h = n.Pix, n.Stride, n.Rect.Dx(), n.Rect.Dy()
		straight = true
	} else {
		r := toRGBA(img)
		pix, stride, w, h = r.Pix, r.Stride, r.Rect.Dx(), r.Rect.Dy()
	}
	if orientation >= 2 && orientation <= 8 {
		pix, w, h = orientPix(pix, stride, w, h, orientation)
		stride = w * 4
	}
	p := plane{w: w, h: h, pix: make([]float64, w*h*4)}
	for y := 0; y < h; y++ {
		row := pix[y*stride : y*stride+w*4]
		out := p.pix[y*w*4 : (y+1)*w*4]
		for i := 0; i < len(row); i += 4 {
			a := float64(row[i+3])
			for c := 0; c < 3; c++ {
				v := float64(row[i+c])
				if straight {
					v = v * a / 255
				}
				out[i+c] = v
			}
			out[i+3] = a
		}
	}
	return p
}

// lanczos3 is the Lanczos kernel with a = 3: sinc(t)*sinc(t/3) for |t| < 3,
// where sinc(t) = sin(pi*t)/(pi*t), and 0 elsewhere.
func lanczos3(t float64) float64 {
	t = math.Abs(t)
	if t >= 3 {
		return 0
	}
	if t < 1e-12 {
		return 1
	}
	if r := math.Round(t); math.Abs(t-r) < 1e-12 {
		// Zero at the other integers. math.Sin(math.Pi*k) is about 1e-16,
		// not 0, which would blur an unscaled copy.
		return 0
	}
	pt := math.Pi * t
	return 3 * math.Sin(pt) * math.Sin(pt/3) / (pt * pt)
}

// tap is one source index and its weight.
type tap struct {
	index  int
	weight float64
}

// lanczosTaps returns, for each of outN output samples, the normalised
// Lanczos-3 taps over inN input samples. Output sample o is centred on
// input position (o+0.5)*s-0.5 with s = inN/outN. When downscaling, the
// kernel is stretched by s, so its support is 3*s input samples each side.
// Indices past either edge are clamped to the edge sample.
func lanczosTaps(inN, outN int) [][]tap {
	s := float64(inN) / float64(outN)
	stretch := math.Max(s, 1)
	support := 3 * stretch
	all := make([][]tap, outN)
	for o := range all {
		centre := (float64(o)+0.5)*s - 0.5
		lo := int(math.Floor(centre - support))
		hi := int(math.Ceil(centre + support))
		var taps []tap
		sum := 0.0
		for i := lo; i <= hi; i++ {
			w := lanczos3((float64(i) - centre) / stretch)
			if w == 0 {
				continue
			}
			taps = append(taps, tap{index: min(max(i, 0), inN-1), weight: w})
			sum += w
		}
		for k := range taps {
			taps[k].weight /= sum
		}
		all[o] = taps
	}
	return all
}

// resampleLanczos3 returns src resampled to w x h with separable float64
// Lanczos-3, horizontal pass first, with no rounding or clamping between
// or after the passes.
func resampleLanczos3(src plane, w, h int) plane {
	xTaps := lanczosTaps(src.w, w)
	yTaps := lanczosTaps(src.h, h)

	tmp := make([]float64, w*src.h*4)
	for y := 0; y < src.h; y++ {
		in := src.pix[y*src.w*4 : (y+1)*src.w*4]
		out := tmp[y*w*4 : (y+1)*w*4]
		for x, taps := range xTaps {
			var r, g, b, a float64
			for _, t := range taps {
				p := in[t.index*4 : t.index*4+4]
				r += p[0] * t.weight
				g += p[1] * t.weight
				b += p[2] * t.weight
				a += p[3] * t.weight
			}
			out[x*4], out[x*4+1], out[x*4+2], out[x*4+3] = r, g, b, a
		}
	}

	dst := plane{w: w, h: h, pix: make([]float64, w*h*4)}
	for y, taps := range yTaps {
		out := dst.pix[y*w*4 : (y+1)*w*4]
		for _, t := range taps {
			in := tmp[t.index*w*4 : (t.index+1)*w*4]
			for i, v := range in {
				out[i] += v * t.weight
			}
		}
	}
	return dst
}

// quality is the result of comparing an output with its reference.
type quality struct {
	rgbDB   float64 // PSNR over R, G and B, in dB; +Inf when identical
	alphaDB float64 // PSNR of alpha in dB, NaN when the reference is opaque
	// flattened is true when the reference had transparency but the output
	// is opaque, so the reference was composited over white first.
	flattened bool
}

// comparePlanes returns the PSNR of got against ref, which must have the
// same size. The reference is clamped to [0, 255] and not rounded.
// Premultiplied colours are compared, which equals comparing both images
// composited over black.
func comparePlanes(ref, got plane) (quality, error) {
	if ref.w != got.w || ref.h != got.h {
		return quality{}, fmt.Errorf("psnr: reference is %dx%d but output is %dx%d", ref.w, ref.h, got.w, got.h)
	}
	refOpaque, gotOpaque := true, true
	for i := 3; i < len(ref.pix); i += 4 {
		if math.Round(ref.pix[i]) < 255 {
			refOpaque = false
			break
		}
	}
	for i := 3; i < len(got.pix); i += 4 {
		if got.pix[i] < 255 {
			gotOpaque = false
			break
		}
	}
	q := quality{alphaDB: math.NaN(), flattened: !refOpaque && gotOpaque}

	var rgbSum, alphaSum float64
	for i := 0; i < len(ref.pix); i += 4 {
		a := clamp255(ref.pix[i+3])
		for c := 0; c < 3; c++ {
			v := clamp255(ref.pix[i+c])
			if q.flattened {
				v = clamp255(v + 255 - a)
			}
			d := v - got.pix[i+c]
			rgbSum += d * d
		}
		d := a - got.pix[i+3]
		alphaSum += d * d
	}
	n := float64(ref.w * ref.h)
	q.rgbDB = psnr(rgbSum / (3 * n))
	if !refOpaque && !q.flattened {
		q.alphaDB = psnr(alphaSum / n)
	}
	return q, nil
}

func clamp255(v float64) float64 {
	return math.Min(math.Max(v, 0), 255)
}

// psnr converts a mean squared error on the 0..255 scale to dB.
func psnr(mse float64) float64 {
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// decodeFile decodes the first frame of an image file and reads its EXIF
// orientation when it is a JPEG.
func decodeFile(path string) (image.Image, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	orientation := 1
	if format == "jpeg" {
		orientation = jpegOrientation(data)
	}
	return img, orientation, nil
}

// runPSNR implements "compare psnr".
func runPSNR(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("psnr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	refFrom := fs.String("ref-from", "", "image to resample into the reference (its EXIF orientation is applied)")
	got := fs.String("got", "", "output image to rate; the reference is resampled to its size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *refFrom == "" || *got == "" || fs.NArg() != 0 {
		return errors.New("psnr: usage: compare psnr -ref-from SOURCE -got IMAGE")
	}
	srcImg, orientation, err := decodeFile(*refFrom)
	if err != nil {
		return fmt.Errorf("psnr: %w", err)
	}
	gotImg, gotOrientation, err := decodeFile(*got)
	if err != nil {
		return fmt.Errorf("psnr: %w", err)
	}

	gotPlane := loadPlane(gotImg, gotOrientation)
	ref := resampleLanczos3(loadPlane(srcImg, orientation), gotPlane.w, gotPlane.h)
	q, err := comparePlanes(ref, gotPlane)
	if err != nil {
		return err
	}

	// One line: RGB PSNR, then alpha PSNR or "-", then "flattened" or "-".
	alpha, flat := "-", "-"
	if !math.IsNaN(q.alphaDB) {
		alpha = formatDB(q.alphaDB)
	}
	if q.flattened {
		flat = "flattened"
	}
	_, err = fmt.Fprintf(stdout, "%s %s %s\n", formatDB(q.rgbDB), alpha, flat)
	return err
}

func formatDB(v float64) string {
	if math.IsInf(v, 1) {
		return "inf"
	}
	return fmt.Sprintf("%.2f", v)
}
