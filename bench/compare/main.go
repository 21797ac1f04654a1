// Command compare is the benchmark harness's helper for comparing the
// media library's whole job with other pipelines. bench/run.sh drives it.
//
//	compare pipeline -resampler imaging|xdraw -out DIR FILE
//	compare box -pixels N FILE
//	compare psnr -ref-from SOURCE -got IMAGE
//	compare report -results DIR -out FILE
//
// pipeline does the library's job (decode, EXIF orientation, original
// fitted to 8,294,400 px, small fitted to 230,400 px from the original,
// 4x4 blurhash) with the standard decoders and imaging or x/image/draw.
// box prints the box that Mastodon's pixel-budget rule gives for a file's
// displayed size. psnr rates an output against a float64 Lanczos-3
// reference. report writes BENCHMARKS.md from a run's results.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
)

const usage = `usage:
  compare pipeline -resampler imaging|xdraw -out DIR FILE
  compare box -pixels N FILE
  compare psnr -ref-from SOURCE -got IMAGE
  compare report -results DIR -out FILE
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "pipeline":
		err = runPipeline(args[1:], stdout, stderr)
	case "box":
		err = runBox(args[1:], stdout, stderr)
	case "psnr":
		err = runPSNR(args[1:], stdout, stderr)
	case "report":
		err = runReport(args[1:], stderr)
	default:
		fmt.Fprintf(stderr, "compare: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "compare %v\n", err)
		}
		return 1
	}
	return 0
}

// runBox implements "compare box": it prints "boxW boxH fitW fitH" for the
// file's displayed size (after EXIF orientation) and a pixel budget. Within
// the budget the box is the displayed size itself.
func runBox(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("box", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pixels := fs.Int("pixels", originalPixels, "pixel budget (width times height)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *pixels <= 0 {
		return errors.New("box: usage: compare box -pixels N FILE, with N > 0")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("box: %w", err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("box: %s: %w", fs.Arg(0), err)
	}
	w, h := cfg.Width, cfg.Height
	if format == "jpeg" && jpegOrientation(data) >= 5 {
		w, h = h, w
	}
	boxW, boxH := w, h
	if w*h > *pixels {
		boxW, boxH = pixelBox(w, h, *pixels)
	}
	fitW, fitH := fitPixels(w, h, *pixels)
	_, err = fmt.Fprintf(stdout, "%d %d %d %d\n", boxW, boxH, fitW, fitH)
	return err
}
