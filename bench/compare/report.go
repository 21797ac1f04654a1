package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// table is a tab-separated file with a header line, as bench/run.sh
// writes them.
type table struct {
	header []string
	rows   []map[string]string
}

func readTable(path string) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &table{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if t.header == nil {
			t.header = fields
			continue
		}
		if len(fields) != len(t.header) {
			return nil, fmt.Errorf("%s: line %q has %d fields, the header has %d", path, sc.Text(), len(fields), len(t.header))
		}
		row := make(map[string]string, len(fields))
		for i, h := range t.header {
			row[h] = fields[i]
		}
		t.rows = append(t.rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if t.header == nil {
		return nil, fmt.Errorf("%s: empty file, expected a header line", path)
	}
	return t, nil
}

// readKeyValues reads machine.tsv: one "key<TAB>value" per line.
func readKeyValues(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kv := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%s: line %q has no tab", path, line)
		}
		kv[k] = v
	}
	return kv, nil
}

// procRun is one measured process run of a tool on an input.
type procRun struct {
	round  int
	wall   float64 // seconds
	rssKiB float64
}

// runsOf returns the measured runs (round 1 and later) per input and tool.
func runsOf(t *table) (map[string]map[string][]procRun, error) {
	out := make(map[string]map[string][]procRun)
	for _, r := range t.rows {
		round, err := strconv.Atoi(r["round"])
		if err != nil {
			return nil, fmt.Errorf("runs.tsv: round %q: %w", r["round"], err)
		}
		wall, err := strconv.ParseFloat(r["wall_s"], 64)
		if err != nil {
			return nil, fmt.Errorf("runs.tsv: wall_s %q: %w", r["wall_s"], err)
		}
		rss, err := strconv.ParseFloat(r["rss_kib"], 64)
		if err != nil {
			return nil, fmt.Errorf("runs.tsv: rss_kib %q: %w", r["rss_kib"], err)
		}
		if round == 0 {
			continue // warm-up
		}
		if out[r["input"]] == nil {
			out[r["input"]] = make(map[string][]procRun)
		}
		out[r["input"]][r["tool"]] = append(out[r["input"]][r["tool"]], procRun{round: round, wall: wall, rssKiB: rss})
	}
	return out, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread formats the median and the range of v with format f.
func spread(v []float64, f string) string {
	if len(v) == 0 {
		return "–"
	}
	return fmt.Sprintf(f+" ("+f+"–"+f+")", median(v), slices.Min(v), slices.Max(v))
}

func walls(runs []procRun) []float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = r.wall
	}
	return v
}

func rssMiB(runs []procRun) []float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = r.rssKiB / 1024
	}
	return v
}

// pairRatios returns a/b for each round in which both tools ran, using
// value to pick the measure.
func pairRatios(a, b []procRun, value func(procRun) float64) []float64 {
	byRound := make(map[int]procRun, len(b))
	for _, r := range b {
		byRound[r.round] = r
	}
	var out []float64
	for _, r := range a {
		if o, ok := byRound[r.round]; ok && value(o) > 0 {
			out = append(out, value(r)/value(o))
		}
	}
	return out
}

// inputNotes describes each input in the page's inputs table.
var inputNotes = map[string]string{
	"4032x3024.jpg":             "baseline JPEG, quality 90, 4:2:0, photo scaled up with Gaussian grain (sigma 5)",
	"4032x3024-progressive.jpg": "the same coefficients re-coded progressive by jpegtran",
	"4032x3024-orient6.jpg":     "the same pixels with EXIF Orientation 6 added by exiftool; displayed 3024x4032",
	"1920x1080.jpg":             "baseline JPEG, quality 90, 4:2:0, photo scaled down, no grain",
	"4000x3000-rgba.png":        "RGBA PNG, 8 bits, zlib level 6, adaptive filters; alpha falls from 255 at the left to 0 at the right; colour is the photo at 1000x750 scaled up 4 times, so the file stays under the 16 MiB upload limit",
	"2000x2000.webp":            "lossy WebP, quality 80, photo scaled up with grain",
	"anim-20.gif":               "animated GIF, 20 frames of 480x270, each a crop shifted by (8, 6) px",
}

var toolNames = map[string]string{
	"media":         "media",
	"vips":          "libvips",
	"vipsthumbnail": "vipsthumbnail",
	"imaging":       "imaging Lanczos",
	"xdraw":         "x/image/draw CatmullRom",
}

// runReport implements "compare report": it reads bench/run.sh's results
// folder and writes the benchmark page.
func runReport(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("results", "", "folder that bench/run.sh wrote (runs.tsv, sizes.tsv, psnr.tsv, machine.tsv, inputs.tsv)")
	out := fs.String("out", "", "page to write, such as BENCHMARKS.md")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *out == "" {
		return errors.New("report: usage: compare report -results DIR -out FILE")
	}
	page, err := buildPage(*dir)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return os.WriteFile(*out, []byte(page), 0o644)
}

func buildPage(dir string) (string, error) {
	machine, err := readKeyValues(filepath.Join(dir, "machine.tsv"))
	if err != nil {
		return "", err
	}
	tables := make(map[string]*table)
	for _, name := range []string{"runs", "sizes", "psnr", "inputs"} {
		t, err := readTable(filepath.Join(dir, name+".tsv"))
		if err != nil {
			return "", err
		}
		tables[name] = t
	}
	runs, err := runsOf(tables["runs"])
	if err != nil {
		return "", err
	}
	var inputs []string
	for _, r := range tables["inputs"].rows {
		if !strings.HasPrefix(r["name"], "base:") {
			inputs = append(inputs, r["name"])
		}
	}

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	p("# Benchmarks\n\n")
	p("This page compares the whole job of `media process` (sniff, decode, EXIF orientation, the original fitted to 8,294,400 px, the small fitted to 230,400 px from the original, a 4x4 blurhash, files written) with libvips doing the same resizes, and with two pure-Go pipelines built on `github.com/disintegration/imaging` and `golang.org/x/image/draw`. ")
	p("`bench/run.sh` produced every figure on this page in one run (%s s) and wrote the page; the section [Reproduce](#reproduce) lists the commands.\n\n", machine["duration"])
	p("Measured at commit `%s`", machine["commit"])
	if machine["dirty"] != "0" && machine["dirty"] != "" {
		p(" with %s changed or new files in the work tree", machine["dirty"])
	}
	p(", %s.\n\n", machine["date"])

	p("## Machine\n\n| | |\n|---|---|\n")
	for _, k := range []string{"cpu", "cores", "memory", "kernel", "os", "go", "libvips", "packages"} {
		p("| %s | %s |\n", k, machine[k])
	}
	p("| load average (1, 5, 15 min) at start | %s |\n| load average at end | %s |\n", machine["load_start"], machine["load_end"])
	p("\nA load average above the core count means other processes competed for the CPU during the run, which makes single runs noisy; the ratios come from runs made back to back (paired), which cancels slow drift.\n\n")

	writeInputs(p, tables["inputs"])
	writeTimes(p, machine, inputs, runs)
	writeMemory(p, inputs, runs)
	writeSizes(p, inputs, tables["sizes"])
	writePSNR(p, inputs, tables["psnr"])
	if err := writeMicro(p, dir, machine); err != nil {
		return "", err
	}
	writeReproduce(p, machine)
	writeCaveats(p)
	return b.String(), nil
}

type printer func(format string, a ...any)

func writeInputs(p printer, t *table) {
	p("## Inputs\n\n")
	p("`bench/make-inputs.sh` builds them from the photograph `Path` (2560x1600 JPEG, a forest, LGPL-3) in Debian's `plasma-workspace-wallpapers` package with libvips, cjpeg, jpegtran and exiftool. Running it twice gives the same bytes.\n\n")
	p("| input | bytes | SHA-256 | what |\n|---|--:|---|---|\n")
	for _, r := range t.rows {
		name := r["name"]
		note := inputNotes[name]
		if strings.HasPrefix(name, "base:") {
			name = "base photo"
			note = "`" + strings.TrimPrefix(r["name"], "base:") + "`"
		}
		p("| %s | %s | `%s` | %s |\n", name, thousands(r["bytes"]), r["sha256"], note)
	}
	p("\n")
}

func writeTimes(p printer, machine map[string]string, inputs []string, runs map[string]map[string][]procRun) {
	p("## Wall time of the whole job\n\n")
	p("Median (min–max) in seconds of %s measured runs per input after one warm-up run, media and libvips alternating (media, libvips, media, libvips, ...). ", machine["pairs"])
	p("To keep the run short, the pure-Go pipelines ran %s times per input, in the first %s rounds after media and libvips. ", machine["go_runs"], machine["go_runs"])
	p("Each time covers whole processes from start to exit: for libvips the sum of its two `vips thumbnail` processes. ")
	p("media/libvips is the median (min–max) of the per-pair ratios. libvips does less work than media here: it computes no blurhash.\n\n")
	p("| input | media | libvips | media/libvips | imaging Lanczos | x/image/draw CatmullRom |\n|---|--:|--:|--:|--:|--:|\n")
	byWall := func(r procRun) float64 { return r.wall }
	for _, in := range inputs {
		t := runs[in]
		p("| %s | %s | %s | %s | %s | %s |\n", in,
			spread(walls(t["media"]), "%.3f"), spread(walls(t["vips"]), "%.3f"),
			spread(pairRatios(t["media"], t["vips"], byWall), "%.2f"),
			spread(walls(t["imaging"]), "%.3f"), spread(walls(t["xdraw"]), "%.3f"))
	}
	if t := runs["1920x1080.jpg"]; len(t["vipsthumbnail"]) > 0 {
		p("\nThe 1920x1080 JPEG is within the original's budget, so media keeps the upload's bytes (metadata removed) and only makes the small. ")
		p("The fair target for that case is one `vipsthumbnail -s 640x360` process, which makes only the small:\n\n")
		p("| input | media | vipsthumbnail | media/vipsthumbnail |\n|---|--:|--:|--:|\n")
		p("| 1920x1080.jpg | %s | %s | %s |\n", spread(walls(t["media"]), "%.3f"), spread(walls(t["vipsthumbnail"]), "%.3f"),
			spread(pairRatios(t["media"], t["vipsthumbnail"], byWall), "%.2f"))
	}
	p("\n")
}

func writeMemory(p printer, inputs []string, runs map[string]map[string][]procRun) {
	p("## Peak memory\n\n")
	p("Peak resident set size in MiB (`/usr/bin/time` %%M), median (min–max) over the same runs. For libvips it is the larger of its two processes.\n\n")
	p("| input | media | libvips | media/libvips | imaging Lanczos | x/image/draw CatmullRom |\n|---|--:|--:|--:|--:|--:|\n")
	byRSS := func(r procRun) float64 { return r.rssKiB }
	for _, in := range inputs {
		t := runs[in]
		p("| %s | %s | %s | %s | %s | %s |\n", in,
			spread(rssMiB(t["media"]), "%.0f"), spread(rssMiB(t["vips"]), "%.0f"),
			spread(pairRatios(t["media"], t["vips"], byRSS), "%.2f"),
			spread(rssMiB(t["imaging"]), "%.0f"), spread(rssMiB(t["xdraw"]), "%.0f"))
	}
	if t := runs["1920x1080.jpg"]; len(t["vipsthumbnail"]) > 0 {
		p("| 1920x1080.jpg, vipsthumbnail alone | | %s | %s | | |\n", spread(rssMiB(t["vipsthumbnail"]), "%.0f"),
			spread(pairRatios(t["media"], t["vipsthumbnail"], byRSS), "%.2f"))
	}
	p("\n")
}

func writeSizes(p printer, inputs []string, t *table) {
	p("## Output files\n\n")
	p("File, displayed size and bytes of each output from the last run. A kept original is the upload's bytes: media removes its metadata, the pure-Go pipelines copy it whole.\n\n")
	p("| input | variant | media | libvips | imaging Lanczos | x/image/draw CatmullRom |\n|---|---|---|---|---|---|\n")
	cell := make(map[[3]string]string)
	for _, r := range t.rows {
		cell[[3]string{r["input"], r["tool"], r["variant"]}] = fmt.Sprintf("%s %sx%s, %s B", r["file"], r["width"], r["height"], thousands(r["bytes"]))
	}
	get := func(k [3]string) string {
		if v, ok := cell[k]; ok {
			return v
		}
		return "–"
	}

	for _, in := range inputs {
		for _, v := range []string{"original", "small"} {
			p("| %s | %s | %s | %s | %s | %s |\n", in, v,
				get([3]string{in, "media", v}), get([3]string{in, "vips", v}),
				get([3]string{in, "imaging", v}), get([3]string{in, "xdraw", v}))
		}
	}
	if v, ok := cell[[3]string{"1920x1080.jpg", "vipsthumbnail", "small"}]; ok {
		p("| 1920x1080.jpg | small, vipsthumbnail | | %s | | |\n", v)
	}

	var mediaPNG, vipsPNG string
	for _, r := range t.rows {
		if r["input"] == "4000x3000-rgba.png" && r["variant"] == "original" {
			switch r["tool"] {
			case "media":
				mediaPNG = r["bytes"]
			case "vips":
				vipsPNG = r["bytes"]
			}
		}
	}
	if mediaPNG != "" && vipsPNG != "" {
		m, _ := strconv.ParseFloat(mediaPNG, 64)
		v, _ := strconv.ParseFloat(vipsPNG, 64)
		p("\nThe 4000x3000 RGBA PNG's original: media writes %s bytes, libvips %s bytes (media/libvips %.2f). ", thousands(mediaPNG), thousands(vipsPNG), m/v)
		p("libvips 8.14's `pngsave` applies no PNG row filter unless asked (saving one image with the default and with `--filter none` gives identical files), which makes its photographic PNGs large.\n")
	}
	p("\n")
}

func writePSNR(p printer, inputs []string, t *table) {
	p("## Quality of the small\n\n")
	p("PSNR in dB over R, G and B of each small output against a float64 Lanczos-3 reference made by `compare psnr`: the kernel sinc(x)·sinc(x/3), stretched by the scale factor when shrinking, sample centres at (x+0.5)·s−0.5, edge pixels repeated, weights normalised, computed in the file's sRGB values and not rounded. ")
	p("Two references: **from upload** resamples the upload (decoded by Go's `image/jpeg`, `image/png`, `image/gif` or `x/image/webp`, EXIF orientation applied) straight to the small's size, so it rates the whole two-step job, including the original's JPEG re-encode; ")
	p("**from own original** resamples that tool's own original output to the small's size, so it rates the second step alone. Higher is closer. ")
	p("The small JPEGs are quality 85, so JPEG loss is part of every figure. Where the image has alpha, colours are compared premultiplied (as if composited over black), and the alpha PSNR follows after a slash. inf means identical.\n\n")
	p("| input | media, from upload | media, from own original | libvips, from upload | libvips, from own original | imaging Lanczos, from upload | x/image/draw CatmullRom, from upload |\n|---|--:|--:|--:|--:|--:|--:|\n")
	cell := make(map[[3]string]string)
	for _, r := range t.rows {
		v := r["rgb_db"]
		if r["alpha_db"] != "-" {
			v += " / " + r["alpha_db"]
		}
		if r["note"] == "flattened" {
			v += " (reference flattened on white)"
		}
		cell[[3]string{r["input"], r["tool"], r["reference"]}] = v
	}

	get := func(k [3]string) string {
		if v, ok := cell[k]; ok {
			return v
		}
		return "–"
	}
	for _, in := range inputs {
		p("| %s | %s | %s | %s | %s | %s | %s |\n", in,
			get([3]string{in, "media", "upload"}), get([3]string{in, "media", "original"}),
			get([3]string{in, "vips", "upload"}), get([3]string{in, "vips", "original"}),
			get([3]string{in, "imaging", "upload"}), get([3]string{in, "xdraw", "upload"}))
	}
	if v, ok := cell[[3]string{"1920x1080.jpg", "vipsthumbnail", "upload"}]; ok {
		p("| 1920x1080.jpg, vipsthumbnail | | | %s | | | |\n", v)
	}
	p("\n")
}

func writeMicro(p printer, dir string, machine map[string]string) error {
	p("## Go micro-benchmarks\n\n")
	if machine["micro_count"] == "0" {
		p("Not run (BENCH_MICRO_COUNT=0).\n\n")
		return nil
	}
	p("`go test -run '^$' -bench . -benchmem -count %s` in the root package and in each package under `./internal/` that has benchmarks, summarised by benchstat (`golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da`). ", machine["micro_count"])
	p("The benchmarks' inputs are built in code; see each package's `*_test.go`. ")
	p("benchstat prints ± ∞ when a benchmark has fewer than 6 samples, because it needs 6 for a 95%% confidence interval; BENCH_MICRO_COUNT=6 or more gives intervals.\n\n")
	if f := machine["micro_failed"]; f != "" {
		p("**go test -bench failed in: %s.** Their output is in the run's `micro-*.txt`; the tables below hold what did run.\n\n", f)
	}
	for _, part := range []struct{ file, title string }{
		{"micro-root.stat", "Root package"},
		{"micro-internal.stat", "Internal packages"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, part.file))
		if err != nil {
			return err
		}
		p("### %s\n\n```\n%s\n```\n\n", part.title, strings.TrimRight(string(data), "\n"))
	}
	return nil
}

func writeReproduce(p printer, machine map[string]string) {
	p("## Reproduce\n\n")
	p("From the repository root, on Debian with Go on the PATH:\n\n")
	p("```sh\nBENCH_PAIRS=%s BENCH_GO_RUNS=%s BENCH_MICRO_COUNT=%s bench/run.sh\n```\n\n", machine["pairs"], machine["go_runs"], machine["micro_count"])
	p("These are the defaults. The script installs libvips-tools, libjpeg-turbo-progs, libimage-exiftool-perl and time with apt-get when they are missing, builds the inputs into `bench/inputs/` when they are missing (`bench/make-inputs.sh`, which downloads `plasma-workspace-wallpapers` with `apt-get download`), and keeps raw results in `bench/out/` (`runs.tsv` has every run).\n\n")
	p("Each timed process, with `IN` an input, `OUT` a folder, `W H` Mastodon's box for the displayed size (`compare box -pixels 8294400 IN`) and `W2 H2` the box of libvips' original (`compare box -pixels 230400 OUT/original.EXT`):\n\n")
	p("```sh\n")
	p("go build -o /tmp/bench-bin/media ./cmd/media\n")
	p("(cd bench/compare && go build -o /tmp/bench-bin/compare .)\n")
	p("export PATH=/tmp/bench-bin:$PATH\n\n")
	p("media process -out OUT IN\n\n")
	p("# libvips: EXT is jpg, png or webp as the input (png for a GIF's first frame); OPTS is [Q=85,strip] for JPEG, [strip] otherwise\n")
	p("vips thumbnail IN OUT/original.EXT\"OPTS\" W --height H --size down\n")
	p("vips thumbnail OUT/original.EXT OUT/small.EXT\"OPTS\" W2 --height H2 --size down\n\n")
	p("vipsthumbnail 1920x1080.jpg -s 640x360 -o 'OUT/small.jpg[Q=85,strip]'\n\n")
	p("bench/make-inputs.sh bench/inputs   # the inputs alone\n\n")
	p("compare pipeline -resampler imaging -out OUT IN\n")
	p("compare pipeline -resampler xdraw -out OUT IN\n\n")
	p("compare psnr -ref-from IN -got OUT/small.EXT              # from upload\n")
	p("compare psnr -ref-from OUT/original.EXT -got OUT/small.EXT  # from own original\n")
	if pkgs := strings.Fields(machine["micro_pkgs"]); len(pkgs) > 0 {
		p("\n# micro-benchmarks, one package at a time, from the repository root\n")
		for _, pkg := range pkgs {
			if pkg != "." {
				pkg = "./" + pkg
			}
			p("go test -run '^$' -bench . -benchmem -count %s %s\n", machine["micro_count"], pkg)
		}
		p("# the root package's output and the internal packages' output, each summarised alone\n")
		p("go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da OUT/micro-root.txt\n")
		p("go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da OUT/micro-internal.txt\n")
	}
	p("```\n\n")
	p("Each timed process is run as `/usr/bin/time -f '%%e %%M' CMD`, with the wall time taken from bash's `EPOCHREALTIME` around that (so it includes about a millisecond for starting `/usr/bin/time`).\n\n")
}

func writeCaveats(p printer) {
	p("## What the comparison leaves out\n\n")
	p("- libvips computes no blurhash and writes no JSON; media also sniffs the type and builds the Attachment JSON. libvips' side is two processes, so it pays process start-up twice.\n")
	p("- libvips is C with threads and decodes JPEG with libjpeg-turbo (SIMD). For the small's 6x reduction from its JPEG original, libvips 8.14 decodes at half scale in the IDCT (shrink-on-load: `VIPS_INFO=1` prints \"loading with factor 2 pre-shrink\") before resampling, which saves time at some cost in quality.\n")
	p("- libvips re-encodes every original, as Mastodon does; media keeps the upload's bytes when no resize or rotation is needed (1920x1080.jpg, 2000x2000.webp, anim-20.gif), so its time there is mostly decoding and the small.\n")
	p("- libvips keeps WebP as WebP (Mastodon's behaviour, libwebp at its default quality 75); media and the Go pipelines write the WebP's small as JPEG, because no pure-Go WebP encoder exists.\n")
	p("- For the animated GIF, libvips and media read only the first frame for the small; media keeps the animated file as the original, libvips writes the first frame as PNG.\n")
	p("- The pure-Go pipelines (`bench/compare`) follow media's formats and keep-bytes rule but copy a kept original with its metadata, decode with the standard library, and encode with `image/jpeg` and `image/png`. imaging works in non-premultiplied RGBA and runs its resize on all cores; x/image/draw runs on one core.\n")
	p("- The PSNR reference decodes JPEGs with Go's `image/jpeg`, whose upsampling of 4:2:0 chroma differs slightly from libjpeg-turbo's, which libvips uses.\n")
}

// thousands formats a decimal integer string with commas.
func thousands(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1000 {
		return s
	}
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}
