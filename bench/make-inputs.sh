#!/usr/bin/env bash
# Build the benchmark inputs from a photograph in Debian's
# plasma-workspace-wallpapers package ("Path", 2560x1600, a forest
# photographed with an Olympus E-M1, LGPL-3).
#
#   bench/make-inputs.sh [DIR]      # DIR defaults to bench/inputs
#
# The output is deterministic for a given package version and tool
# versions: running the script twice gives byte-identical files. It prints
# each input's name, size in bytes and SHA-256, and writes the same lines to
# DIR/inputs.tsv. Missing tools are installed with apt-get (as root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/inputs}
wallpaper=/usr/share/wallpapers/Path/contents/images/2560x1600.jpg

die() {
	echo "make-inputs: $*" >&2
	exit 1
}

# run CMD...: run CMD, and stop with its command line when it fails.
run() {
	"$@" || die "command failed (exit $?): $*"
}

# need CMD PACKAGE: install PACKAGE when CMD is missing.
need() {
	if command -v "$1" >/dev/null 2>&1; then
		return
	fi
	echo "make-inputs: $1 is missing, installing Debian package $2" >&2
	if [[ $(id -u) -ne 0 ]]; then
		die "$1 not found; install $2 (apt-get install $2) and run again"
	fi
	apt-get install -y -q "$2" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$2" >/dev/null; } ||
		die "apt-get install $2 failed; install it by hand and run again"
	command -v "$1" >/dev/null 2>&1 || die "$1 still not found after installing $2"
}

need vips libvips-tools
need cjpeg libjpeg-turbo-progs
need djpeg libjpeg-turbo-progs
need jpegtran libjpeg-turbo-progs
need exiftool libimage-exiftool-perl
need sha256sum coreutils
need dpkg-deb dpkg
need apt-get apt

mkdir -p "$out"
src="$out/.src"
mkdir -p "$src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The base photograph, decoded once to PPM by djpeg, so no metadata (its
# EXIF has a resolution unit that libvips warns about) follows the pixels.
if [[ ! -f "$src/path-2560x1600.jpg" ]]; then
	echo "make-inputs: downloading plasma-workspace-wallpapers" >&2
	(cd "$src" && apt-get download plasma-workspace-wallpapers >/dev/null 2>&1) ||
		{ apt-get update -q >/dev/null 2>&1 && (cd "$src" && apt-get download plasma-workspace-wallpapers >/dev/null); } ||
		die "apt-get download plasma-workspace-wallpapers failed (run apt-get update, check the Debian mirror)"
	deb=$(find "$src" -maxdepth 1 -name 'plasma-workspace-wallpapers_*.deb' | head -n 1)
	[[ -n $deb ]] || die "no plasma-workspace-wallpapers .deb in $src after apt-get download"
	dpkg-deb -x "$deb" "$work/deb" || die "dpkg-deb -x $deb failed"
	[[ -f "$work/deb$wallpaper" ]] || die "$wallpaper is not in $deb"
	cp "$work/deb$wallpaper" "$src/path-2560x1600.jpg"
	rm -f "$deb"
fi
base="$work/base.ppm"
djpeg -outfile "$base" "$src/path-2560x1600.jpg" || die "djpeg could not decode the base photo"

# cover SRC W H DST: scale SRC to cover W x H and crop the centre.
cover() {
	vips thumbnail "$1" "$4" "$2" --height "$3" --size both --crop centre ||
		die "vips thumbnail could not make $2x$3 from $1"
}

# grain SRC W H SEED DST: add luminance grain, Gaussian with sigma 5 on the
# 0..255 scale, the same on all three bands, from a fixed seed.
grain() {
	run vips gaussnoise "$work/noise.v" "$2" "$3" --sigma 5 --mean 0 --seed "$4"
	run vips add "$1" "$work/noise.v" "$work/sum.v"
	run vips cast "$work/sum.v" "$5" uchar
}

# 4032x3024 baseline JPEG, quality 90, 4:2:0 (a 12 Mpx phone photo). The
# photo is scaled up 1.89 times, so grain gives back the high-frequency
# detail that the scaling smooths away.
cover "$base" 4032 3024 "$work/c4032.v"
grain "$work/c4032.v" 4032 3024 1 "$work/g4032.ppm"
cjpeg -quality 90 -sample 2x2 -optimize -outfile "$out/4032x3024.jpg" "$work/g4032.ppm" ||
	die "cjpeg failed on 4032x3024"

# The same file re-coded progressive without touching the coefficients.
jpegtran -copy none -progressive -outfile "$out/4032x3024-progressive.jpg" "$out/4032x3024.jpg" ||
	die "jpegtran -progressive failed"

# The same pixels with EXIF Orientation 6 added (tag 0x0112: turn 90
# degrees clockwise for display), so the displayed image is 3024x4032.
cp "$out/4032x3024.jpg" "$out/4032x3024-orient6.jpg"
exiftool -q -n -Orientation=6 -overwrite_original "$out/4032x3024-orient6.jpg" ||
	die "exiftool could not set Orientation=6"

# 1920x1080 baseline JPEG, quality 90, 4:2:0. A downscale of the photo,
# which keeps its own detail, so no grain.
cover "$base" 1920 1080 "$work/c1920.ppm"
cjpeg -quality 90 -sample 2x2 -optimize -outfile "$out/1920x1080.jpg" "$work/c1920.ppm" ||
	die "cjpeg failed on 1920x1080"

# 4000x3000 RGBA PNG, 8 bits per channel, zlib level 6 (the default) with
# adaptive row filters (libpng's default). Alpha falls linearly from 255 at
# the left edge to 0 at the right edge. The colour is the photo at
# 1000x750 scaled up 4 times (bicubic), because the full-detail photo makes
# a 17.7 MB PNG, over the library's 16 MiB upload limit.
cover "$base" 1000 750 "$work/c1000.v"
vips resize "$work/c1000.v" "$work/c4000.v" 4 --kernel cubic || die "vips resize failed"
run vips xyz "$work/xy.v" 4000 3000
run vips extract_band "$work/xy.v" "$work/x.v" 0
run vips linear "$work/x.v" "$work/ramp.v" 0.063765941 0 --uchar
run vips invert "$work/ramp.v" "$work/alpha.v"
run vips bandjoin "$work/c4000.v $work/alpha.v" "$work/rgba.v"
run vips copy "$work/rgba.v" "$work/rgba-srgb.v" --interpretation srgb
run vips pngsave "$work/rgba-srgb.v" "$out/4000x3000-rgba.png" --compression 6 --filter all --strip

# 2000x2000 lossy WebP, quality 80, with grain for the same reason as the
# 4032x3024 JPEG (the photo is scaled up 1.25 times).
cover "$base" 2000 2000 "$work/c2000.v"
grain "$work/c2000.v" 2000 2000 3 "$work/g2000.v"
vips webpsave "$work/g2000.v" "$out/2000x2000.webp" --Q 80 --strip || die "vips webpsave failed"

# Animated GIF: 20 frames of 480x270, each a crop of the photo at 640x400
# shifted by (8, 6) pixels from the previous one, quantised by libvips'
# cgif writer. The frames go through PPM files, because vips arrayjoin
# crashed (SIGSEGV) on crops kept as .v files in libvips 8.14.1. The frame
# delay is unset (0), which browsers show at their minimum delay.
cover "$base" 640 400 "$work/c640.ppm"
frames=()
for i in $(seq 0 19); do
	vips crop "$work/c640.ppm" "$work/frame$i.ppm" $((i * 8)) $((i * 6)) 480 270 ||
		die "vips crop failed on frame $i"
	frames+=("$work/frame$i.ppm")
done
run vips arrayjoin "${frames[*]}" "$work/frames.v" --across 1
run vips gifsave "$work/frames.v" "$out/anim-20.gif" --page-height 270 --strip

names=(4032x3024.jpg 4032x3024-progressive.jpg 4032x3024-orient6.jpg 1920x1080.jpg
	4000x3000-rgba.png 2000x2000.webp anim-20.gif)
{
	printf 'name\tbytes\tsha256\n'
	for n in "${names[@]}"; do
		printf '%s\t%s\t%s\n' "$n" "$(stat -c %s "$out/$n")" "$(sha256sum "$out/$n" | cut -d' ' -f1)"
	done
	printf 'base:%s\t%s\t%s\n' "$wallpaper" "$(stat -c %s "$src/path-2560x1600.jpg")" \
		"$(sha256sum "$src/path-2560x1600.jpg" | cut -d' ' -f1)"
} >"$out/inputs.tsv"
column -t -s $'\t' "$out/inputs.tsv"
