package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the "webp" format with image.Decode
)

// The job's parameters, the defaults of the library under test.
const (
	originalPixels     = 8294400
	smallPixels        = 230400
	jpegQuality        = 85
	blurhashComponents = 4
	blurhashBox        = 100
)

// resampler scales an image to exactly w x h pixels.
type resampler struct {
	name string
	// orient returns the image in its displayed layout in the pixel type
	// the resampler works in.
	orient func(img image.Image, orientation int) image.Image
	scale  func(img image.Image, w, h int) image.Image
}

var resamplers = map[string]resampler{
	"imaging": {
		name:   "imaging.Resize with imaging.Lanczos",
		orient: orientNRGBA,
		scale: func(img image.Image, w, h int) image.Image {
			return imaging.Resize(img, w, h, imaging.Lanczos)
		},
	},
	"xdraw": {
		name:   "x/image/draw CatmullRom",
		orient: orientRGBA,
		scale: func(img image.Image, w, h int) image.Image {
			dst := image.NewRGBA(image.Rect(0, 0, w, h))
			xdraw.CatmullRom.Scale(dst, dst.Rect, img, img.Bounds(), xdraw.Src, nil)
			return dst
		},
	},
}

// variantInfo is one written file, as printed in the summary line.
type variantInfo struct {
	File   string `json:"file"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int    `json:"bytes"`
	Kept   bool   `json:"kept,omitempty"`
}

type pipelineResult struct {
	Original variantInfo `json:"original"`
	Small    variantInfo `json:"small"`
	Blurhash string      `json:"blurhash"`
}

// runPipeline implements "compare pipeline": the library's job done with
// the standard decoders, a third-party resampler and go-blurhash.
func runPipeline(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("resampler", "", "resampler: imaging (imaging.Resize, Lanczos) or xdraw (x/image/draw CatmullRom)")
	out := fs.String("out", "", "folder to write original.<ext> and small.<ext> into (created if missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rs, ok := resamplers[*name]
	if !ok {
		return fmt.Errorf("pipeline: unknown -resampler %q, expected imaging or xdraw", *name)
	}
	if *out == "" || fs.NArg() != 1 {
		return errors.New("pipeline: usage: compare pipeline -resampler imaging|xdraw -out DIR FILE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	res, err := processUpload(data, rs, *out)
	if err != nil {
		return fmt.Errorf("pipeline: %s: %w", fs.Arg(0), err)
	}
	line, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", line)
	return err
}

// processUpload does the job on one upload's bytes. It decodes and orients
// the image and fits the original to originalPixels, keeping the upload's
// bytes when no resize or rotation is needed. It then fits the small to
// smallPixels from the original's pixels and computes a 4x4 blurhash on the
// small fitted into 100x100.
//
// NOTE: a kept original is written as the upload's bytes with their
// metadata, because this pipeline has no metadata stripper. The library
// under test removes EXIF and XMP at the container level, which costs it a
// pass over the bytes that this pipeline skips.
func processUpload(data []byte, rs resampler, outDir string) (*pipelineResult, error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	orientation := 1
	if format == "jpeg" {
		orientation = jpegOrientation(data)
	}
	displayed := rs.orient(img, orientation)
	b := displayed.Bounds()
	ow, oh := fitPixels(b.Dx(), b.Dy(), originalPixels)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}

	res := &pipelineResult{}
	original := displayed
	if ow == b.Dx() && oh == b.Dy() && orientation == 1 {
		res.Original = variantInfo{File: "original." + extOf(format), Width: ow, Height: oh, Bytes: len(data), Kept: true}
		if err := os.WriteFile(filepath.Join(outDir, res.Original.File), data, 0o644); err != nil {
			return nil, err
		}
	} else {
		if ow != b.Dx() || oh != b.Dy() {
			original = rs.scale(displayed, ow, oh)
		}
		info, err := writeVariant(outDir, "original", original, originalFormat(format, original))
		if err != nil {
			return nil, err
		}
		res.Original = info
	}

	ob := original.Bounds()
	sw, sh := fitPixels(ob.Dx(), ob.Dy(), smallPixels)
	small := original
	if sw != ob.Dx() || sh != ob.Dy() {
		small = rs.scale(original, sw, sh)
	}
	info, err := writeVariant(outDir, "small", small, smallFormat(format, small))
	if err != nil {
		return nil, err
	}
	res.Small = info

	bw, bh := fitInside(sw, sh, blurhashBox, blurhashBox, true)
	hash, err := blurhash.Encode(blurhashComponents, blurhashComponents, opaqueNRGBA(rs.scale(small, bw, bh)))
	if err != nil {
		return nil, fmt.Errorf("blurhash: %w", err)
	}
	res.Blurhash = hash
	return res, nil
}

// opaqueNRGBA returns img un-premultiplied with alpha set to 255. go-blurhash
// reads premultiplied colours through RGBA(), so this way it gets the
// colours without their alpha.
func opaqueNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	for i := 3; i < len(dst.Pix); i += 4 {
		dst.Pix[i] = 0xff
	}
	return dst
}

func extOf(format string) string {
	if format == "jpeg" {
		return "jpeg"
	}
	return format
}

// isOpaque reports whether every pixel of img has full alpha.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// originalFormat is the library's format for a re-encoded original: JPEG,
// PNG and GIF keep their format, and WebP becomes PNG with transparency or
// JPEG without.
func originalFormat(format string, img image.Image) string {
	switch format {
	case "jpeg", "png", "gif":
		return format
	}
	if isOpaque(img) {
		return "jpeg"
	}
	return "png"
}

// smallFormat is the library's format for the small: JPEG stays JPEG, PNG
// and GIF become PNG, and WebP becomes PNG with transparency or JPEG
// without.
func smallFormat(format string, img image.Image) string {
	switch format {
	case "jpeg":
		return "jpeg"
	case "png", "gif":
		return "png"
	}
	if isOpaque(img) {
		return "jpeg"
	}
	return "png"
}

func writeVariant(dir, style string, img image.Image, format string) (variantInfo, error) {
	var buf bytes.Buffer
	switch format {
	case "jpeg":
		if !isOpaque(img) {
			img = flattenOnWhite(img)
		}
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return variantInfo{}, err
		}
	case "png":
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return variantInfo{}, err
		}
	case "gif":
		if err := gif.Encode(&buf, img, nil); err != nil {
			return variantInfo{}, err
		}
	default:
		return variantInfo{}, fmt.Errorf("no encoder for %q", format)
	}
	b := img.Bounds()
	info := variantInfo{File: style + "." + format, Width: b.Dx(), Height: b.Dy(), Bytes: buf.Len()}
	return info, os.WriteFile(filepath.Join(dir, info.File), buf.Bytes(), 0o644)
}

// flattenOnWhite composites img over white.
func flattenOnWhite(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Over)
	return dst
}
