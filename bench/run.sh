#!/usr/bin/env bash
# Reproduce BENCHMARKS.md. The script builds the inputs when missing and
# builds the media command and the comparison tools. It times the whole job
# of media, libvips and two pure-Go pipelines on each input, rates the small
# outputs' quality, runs the Go micro-benchmarks, and writes the page.
#
#   bench/run.sh
#
# Settings, from the environment:
#   BENCH_PAIRS        measured media/libvips pairs per input after one
#                      warm-up pair (default 7)
#   BENCH_GO_RUNS      measured runs of each pure-Go pipeline per input
#                      (default 3)
#   BENCH_MICRO_COUNT  -count of the Go micro-benchmarks (default 6, the fewest
#                      for which benchstat gives a 95% interval; 0
#                      skips them)
#   BENCH_INPUTS       folder of the inputs (default bench/inputs)
#   BENCH_OUT          folder of binaries, outputs and raw results
#                      (default bench/out)
#   BENCH_PAGE         page to write (default BENCHMARKS.md at the root)
#
# A full run takes about 12 minutes on 2 cores. Raw results stay in
# BENCH_OUT: runs.tsv (one line per process run), sizes.tsv, psnr.tsv,
# machine.tsv and the micro-benchmark outputs.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pairs=${BENCH_PAIRS:-7}
go_runs=${BENCH_GO_RUNS:-3}
micro_count=${BENCH_MICRO_COUNT:-6}
inputs=${BENCH_INPUTS:-$here/inputs}
out=${BENCH_OUT:-$here/out}
page=${BENCH_PAGE:-$root/BENCHMARKS.md}
benchstat_version=v0.0.0-20260908200009-22c9c6c9d4da

# Inputs in table order; make-inputs.sh builds all of them.
names=(4032x3024.jpg 4032x3024-progressive.jpg 4032x3024-orient6.jpg 1920x1080.jpg
	4000x3000-rgba.png 2000x2000.webp anim-20.gif)

# The job's pixel budgets, the library's defaults.
original_pixels=8294400
small_pixels=230400

started=$EPOCHREALTIME

die() {
	echo "run.sh: $*" >&2
	exit 1
}

log() {
	echo "run.sh: $*" >&2
}

[[ $pairs =~ ^[1-9][0-9]*$ ]] || die "BENCH_PAIRS must be a positive integer, got '$pairs'"
[[ $go_runs =~ ^[0-9]+$ ]] || die "BENCH_GO_RUNS must be a non-negative integer, got '$go_runs'"
((go_runs <= pairs)) || die "BENCH_GO_RUNS ($go_runs) must not exceed BENCH_PAIRS ($pairs)"
[[ $micro_count =~ ^[0-9]+$ ]] || die "BENCH_MICRO_COUNT must be a non-negative integer, got '$micro_count'"

# Step 1: tools.
need() {
	command -v "$1" >/dev/null 2>&1 && return
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		log "$1 is missing, installing Debian package $2"
		apt-get install -y -q "$2" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null; } ||
			die "apt-get install $2 failed; install it by hand and run again"
	fi
	command -v "$1" >/dev/null 2>&1 || die "$1 not found; install Debian package $2 and run again"
}
command -v go >/dev/null 2>&1 || die "go not found on PATH; install Go 1.26 or later (/usr/local/go/bin)"
need vips libvips-tools
need vipsthumbnail libvips-tools
need /usr/bin/time time
need lscpu util-linux
need awk gawk
need sha256sum coreutils

# Step 2: inputs.
missing=0
for n in "${names[@]}"; do
	[[ -f "$inputs/$n" ]] || missing=1
done
if ((missing)) || [[ ! -f "$inputs/inputs.tsv" ]]; then
	log "building the inputs in $inputs"
	"$here/make-inputs.sh" "$inputs" >&2 || die "make-inputs.sh failed"
fi
for n in "${names[@]}"; do
	want=$(awk -F'\t' -v n="$n" '$1 == n { print $3 }' "$inputs/inputs.tsv")
	got=$(sha256sum "$inputs/$n" | cut -d' ' -f1)
	[[ $want == "$got" ]] ||
		die "$inputs/$n has SHA-256 $got but inputs.tsv lists '$want'; delete $inputs and run again"
done

# Step 3: binaries.
# Clear only what this script writes, in case BENCH_OUT contains other files.
for d in bin tmp media vips vipsthumbnail imaging xdraw; do
	rm -rf "${out:?}/$d"
done
rm -f "$out"/*.tsv "$out"/micro-*.txt "$out"/micro-*.stat
mkdir -p "$out/bin" "$out/tmp"
log "building media and compare"
(cd "$root" && go build -o "$out/bin/media" ./cmd/media) || die "go build ./cmd/media failed in $root"
(cd "$here/compare" && go build -o "$out/bin/compare" .) || die "go build failed in $here/compare"
media=$out/bin/media
compare=$out/bin/compare

# Step 4: the machine.
{
	printf 'cpu\t%s\n' "$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')"
	printf 'cores\t%s\n' "$(nproc)"
	printf 'memory\t%s\n' "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	printf 'kernel\t%s\n' "$(uname -sr)"
	printf 'go\t%s\n' "$(go version | cut -d' ' -f3-)"
	printf 'libvips\t%s\n' "$(vips --version)"
	printf 'os\t%s\n' "$(. /etc/os-release && echo "$PRETTY_NAME") (Debian $(cat /etc/debian_version 2>/dev/null || echo unknown))"
	printf 'packages\t%s\n' "$(dpkg-query -W -f='${Package} ${Version}, ' libvips-tools libjpeg-turbo-progs libimage-exiftool-perl plasma-workspace-wallpapers 2>/dev/null | sed 's/, $//')"
	printf 'commit\t%s\n' "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf 'dirty\t%s\n' "$(git -C "$root" status --porcelain 2>/dev/null | wc -l)"
	printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'load_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'pairs\t%s\n' "$pairs"
	printf 'go_runs\t%s\n' "$go_runs"
	printf 'micro_count\t%s\n' "$micro_count"
} >"$out/machine.tsv"

# measure CMD...: run CMD under /usr/bin/time and set wall (seconds, from
# bash's EPOCHREALTIME around the run, so to the microsecond rather than
# time's 10 ms) and rss (peak resident set in KiB, time's %M).
measure() {
	local t0 t1
	t0=$EPOCHREALTIME
	if ! /usr/bin/time -f '%e %M' -o "$out/tmp/time" "$@" >"$out/tmp/stdout" 2>"$out/tmp/stderr"; then
		cat "$out/tmp/stderr" >&2
		die "command failed: $*"
	fi
	t1=$EPOCHREALTIME
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	rss=$(awk 'END { print $2 }' "$out/tmp/time")
}

# row INPUT TOOL ROUND WALL RSS: one line of runs.tsv. Round 0 is the
# warm-up.
row() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out/runs.tsv"
}
printf 'input\ttool\tround\twall_s\trss_kib\n' >"$out/runs.tsv"

# vips_ext NAME: libvips' output format for an input, as Mastodon keeps
# it: JPEG, PNG and WebP keep their format; a GIF's first frame goes to PNG.
vips_ext() {
	case $1 in
	*.jpg) echo jpg ;;
	*.png | *.gif) echo png ;;
	*.webp) echo webp ;;
	*) die "no libvips output format for $1" ;;
	esac
}

# vips_options EXT: save options, JPEG at the library's quality 85, all
# without metadata.
vips_options() {
	case $1 in
	jpg) echo '[Q=85,strip]' ;;
	*) echo '[strip]' ;;
	esac
}

# Step 5: whole-process runs.
for n in "${names[@]}"; do
	in=$inputs/$n
	ext=$(vips_ext "$n")
	opts=$(vips_options "$ext")
	vdir=$out/vips/$n
	mkdir -p "$vdir" "$out/media"
	read -r box_w box_h _ _ < <("$compare" box -pixels "$original_pixels" "$in") ||
		die "compare box failed on $in"
	# libvips' small box comes from its own original, so make that once.
	vips thumbnail "$in" "$vdir/original.$ext$opts" "$box_w" --height "$box_h" --size down ||
		die "vips thumbnail failed on $in"
	read -r small_w small_h _ _ < <("$compare" box -pixels "$small_pixels" "$vdir/original.$ext") ||
		die "compare box failed on $vdir/original.$ext"
	log "$n: libvips boxes ${box_w}x$box_h and ${small_w}x$small_h"

	for ((r = 0; r <= pairs; r++)); do
		measure "$media" process -out "$out/media" "$in"
		row "$n" media "$r" "$wall" "$rss"
		cp "$out/tmp/stdout" "$out/media/$n.json"

		measure vips thumbnail "$in" "$vdir/original.$ext$opts" "$box_w" --height "$box_h" --size down
		w1=$wall rss1=$rss
		measure vips thumbnail "$vdir/original.$ext" "$vdir/small.$ext$opts" "$small_w" --height "$small_h" --size down
		row "$n" vips "$r" "$(awk -v a="$w1" -v b="$wall" 'BEGIN { printf "%.6f", a + b }')" \
			"$((rss1 > rss ? rss1 : rss))"

		if [[ $n == 1920x1080.jpg ]]; then
			mkdir -p "$out/vipsthumbnail"
			measure vipsthumbnail "$in" -s 640x360 -o "$out/vipsthumbnail/small.jpg[Q=85,strip]"
			row "$n" vipsthumbnail "$r" "$wall" "$rss"
		fi

		if ((r >= 1 && r <= go_runs)); then
			for rs in imaging xdraw; do
				measure "$compare" pipeline -resampler "$rs" -out "$out/$rs/$n" "$in"
				row "$n" "$rs" "$r" "$wall" "$rss"
			done
		fi
	done
	log "$n: $pairs pairs done"
done

# Step 6: output sizes and quality.
printf 'input\ttool\tvariant\tfile\twidth\theight\tbytes\n' >"$out/sizes.tsv"
printf 'input\ttool\treference\trgb_db\talpha_db\tnote\n' >"$out/psnr.tsv"
# variant_file DIR STYLE: the one file DIR/STYLE.* (the extension varies).
variant_file() {
	local f
	for f in "$1/$2".*; do
		[[ -f $f ]] || die "no $2 output in $1"
		echo "$f"
		return
	done
}
for n in "${names[@]}"; do
	in=$inputs/$n
	for tool in media vips imaging xdraw; do
		dir=$out/$tool/$n
		[[ $tool == media ]] && dir=$out/media/$n
		if [[ $tool == imaging || $tool == xdraw ]] && ((go_runs == 0)); then
			continue
		fi
		for style in original small; do
			f=$(variant_file "$dir" "$style")
			read -r _ _ w h < <("$compare" box -pixels 2000000000 "$f") || die "compare box failed on $f"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$tool" "$style" "$(basename "$f")" "$w" "$h" \
				"$(stat -c %s "$f")" >>"$out/sizes.tsv"
		done
		small=$(variant_file "$dir" small)
		refs=(upload)
		[[ $tool == media || $tool == vips ]] && refs+=(original)
		for ref in "${refs[@]}"; do
			src=$in
			[[ $ref == original ]] && src=$(variant_file "$dir" original)
			read -r rgb alpha note < <("$compare" psnr -ref-from "$src" -got "$small") ||
				die "compare psnr failed on $small"
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$tool" "$ref" "$rgb" "$alpha" "$note" >>"$out/psnr.tsv"
		done
	done
done
f=$out/vipsthumbnail/small.jpg
read -r _ _ w h < <("$compare" box -pixels 2000000000 "$f") || die "compare box failed on $f"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' 1920x1080.jpg vipsthumbnail small small.jpg "$w" "$h" "$(stat -c %s "$f")" >>"$out/sizes.tsv"
read -r rgb alpha note < <("$compare" psnr -ref-from "$inputs/1920x1080.jpg" -got "$f") || die "compare psnr failed on $f"
printf '%s\t%s\t%s\t%s\t%s\t%s\n' 1920x1080.jpg vipsthumbnail upload "$rgb" "$alpha" "$note" >>"$out/psnr.tsv"
log "sizes and PSNR done"

# Step 7: Go micro-benchmarks, one go test per package so that a failing
# package is named. A failure is reported on the page and makes the script
# exit 1 after writing it.
# bench_packages: "." when the root package has benchmarks, then each
# package folder under internal/ with a Benchmark function.
bench_packages() {
	if grep -qs '^func Benchmark' ./*_test.go; then
		echo .
	fi
	find internal -name '*_test.go' -exec grep -l '^func Benchmark' {} + | sed 's|/[^/]*$||' | sort -u
}
micro_failed=()
bench_pkgs=()
if ((micro_count > 0)); then
	mapfile -t bench_pkgs < <(cd "$root" && bench_packages)
	((${#bench_pkgs[@]} > 0)) || die "no package with benchmarks found under $root"
	: >"$out/micro-root.txt"
	: >"$out/micro-internal.txt"
	for pkg in "${bench_pkgs[@]}"; do
		[[ $pkg == . ]] && dest=$out/micro-root.txt || dest=$out/micro-internal.txt
		[[ $pkg == . ]] || pkg=./$pkg
		log "go test -bench in $pkg"
		if ! (cd "$root" && go test -run '^$' -bench . -benchmem -count "$micro_count" "$pkg") >>"$dest" 2>&1; then
			log "go test -bench failed in $pkg; its output is in $dest"
			micro_failed+=("$pkg")
		fi
	done
	for part in root internal; do
		(cd "$out" && go run "golang.org/x/perf/cmd/benchstat@$benchstat_version" "micro-$part.txt") \
			>"$out/micro-$part.stat" 2>&1 || die "benchstat failed on $out/micro-$part.txt: see $out/micro-$part.stat"
	done
fi

# Step 8: the page.
{
	printf 'micro_pkgs\t%s\n' "${bench_pkgs[*]:-}"
	printf 'micro_failed\t%s\n' "${micro_failed[*]:-}"
	printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'duration\t%s\n' "$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')"
} >>"$out/machine.tsv"
cp "$inputs/inputs.tsv" "$out/inputs.tsv"
"$compare" report -results "$out" -out "$page" || die "compare report failed"
log "wrote $page"
if ((${#micro_failed[@]} > 0)); then
	die "go test -bench failed in: ${micro_failed[*]}"
fi
