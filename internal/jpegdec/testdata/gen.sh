#!/bin/sh
# Regenerates the small JPEG fixtures of this folder from a fixture of the
# repository, with cjpeg, djpeg and jpegtran from Debian's libjpeg-turbo-progs
# (version 2.1.5) and convert from ImageMagick 6. The tests only read the
# committed files; run this script only to add or change a fixture.
set -eu
cd "$(dirname "$0")"
src=../../../testdata/mastodon/600x400.jpeg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A 150x100 colour source and its grey version.
djpeg -scale 1/4 -ppm "$src" >"$tmp/src.ppm"
djpeg -scale 1/4 -grayscale -pnm "$src" >"$tmp/gray.pgm"

# Chroma subsampling: luma sampling factors HxV with 1x1 chroma.
for s in 1x1 2x1 2x2 1x2 4x1 4x2; do
	cjpeg -quality 85 -sample "$s" "$tmp/src.ppm" >"sample-$s.jpg"
done
cjpeg -quality 85 -grayscale "$tmp/src.ppm" >gray.jpg
cjpeg -quality 85 "$tmp/gray.pgm" >gray-pgm.jpg

# Progressive, with the default successive-approximation script.
cjpeg -quality 85 -progressive -sample 2x2 "$tmp/src.ppm" >progressive-420.jpg
cjpeg -quality 85 -progressive -sample 1x1 "$tmp/src.ppm" >progressive-444.jpg
cjpeg -quality 85 -progressive -sample 2x1 "$tmp/src.ppm" >progressive-422.jpg
cjpeg -quality 85 -progressive -grayscale "$tmp/src.ppm" >progressive-gray.jpg

# Restart intervals: every MCU row, and every 3 MCUs (baseline and
# progressive).
cjpeg -quality 85 -restart 1 "$tmp/src.ppm" >restart-rows.jpg
cjpeg -quality 85 -restart 3B "$tmp/src.ppm" >restart-3.jpg
cjpeg -quality 85 -restart 3B -progressive "$tmp/src.ppm" >restart-3-progressive.jpg

# Sequential frame with one scan per component (non-interleaved, A.2.2).
cat >"$tmp/scans.txt" <<'SCANS'
0: 0 63 0 0;
1: 0 63 0 0;
2: 0 63 0 0;
SCANS
cjpeg -quality 85 -scans "$tmp/scans.txt" "$tmp/src.ppm" >multiscan.jpg

# RGB components (Adobe transform 0), read back as *image.RGBA.
cjpeg -quality 85 -rgb "$tmp/src.ppm" >rgb.jpg

# Odd sizes, cut from the source at the top-left corner.
for wh in 1x1 17x9 1x100 100x1 33x17; do
	cjpeg -quality 90 "$tmp/src.ppm" | jpegtran -crop "$wh+0+0" | djpeg -ppm >"$tmp/cut.ppm"
	cjpeg -quality 90 -sample 2x2 "$tmp/cut.ppm" >"size-$wh.jpg"
	cjpeg -quality 90 -sample 2x2 -progressive "$tmp/cut.ppm" >"size-$wh-progressive.jpg"
done

# CMYK as Adobe writes it (inverted, APP14 transform 0).
convert "$tmp/src.ppm" -colorspace CMYK -quality 85 cmyk.jpg

# Features this package rejects with UnsupportedError.
cjpeg -quality 85 -arithmetic "$tmp/src.ppm" >unsupported-arithmetic.jpg

# Sampling factors that image.YCbCr cannot express (T.81 A.1.1 allows 1 to 4
# per component), decoded to *image.RGBA or *image.CMYK. A 61x43 cut leaves
# partial MCUs at the right and bottom edges for every layout. Each file gets
# its reference decode: djpeg -pnm output, or for CMYK ImageMagick's raw CMYK
# samples (4 bytes a pixel, 0 = no ink).
cjpeg -quality 95 "$tmp/src.ppm" | jpegtran -crop 61x43+48+32 | djpeg -ppm >"$tmp/odd.ppm"
for s in 3x1 1x3 3x2 2x4 1x1,2x2,1x1 2x2,1x1,2x1; do
	cjpeg -quality 85 -sample "$s" "$tmp/odd.ppm" >"factors-$(echo "$s" | tr , -).jpg"
done
cjpeg -quality 85 -grayscale -sample 2x2 "$tmp/odd.ppm" >factors-gray-2x2.jpg
cjpeg -quality 85 -rgb -sample 3x1 "$tmp/odd.ppm" >factors-rgb-3x1.jpg
# Luma 3x3 and 4x4 exceed the 10 blocks of an interleaved MCU (T.81
# B.2.3), so every scan codes one component.
cat >"$tmp/separate.txt" <<'SCANS'
0: 0 63 0 0;
1: 0 63 0 0;
2: 0 63 0 0;
SCANS
cjpeg -quality 85 -sample 3x3 -scans "$tmp/separate.txt" "$tmp/odd.ppm" >factors-3x3.jpg
cat >"$tmp/separate-progressive.txt" <<'SCANS'
0: 0 0 0 1;
1: 0 0 0 1;
2: 0 0 0 1;
0: 1 5 0 2;
2: 1 63 0 1;
1: 1 63 0 1;
0: 6 63 0 2;
0: 1 63 2 1;
0: 0 0 1 0;
1: 0 0 1 0;
2: 0 0 1 0;
2: 1 63 1 0;
1: 1 63 1 0;
0: 1 63 1 0;
SCANS
cjpeg -quality 85 -sample 4x4 -scans "$tmp/separate-progressive.txt" "$tmp/odd.ppm" >factors-4x4-progressive.jpg
jpegtran -scans "$tmp/separate.txt" factors-4x4-progressive.jpg >factors-4x4-progressive.seq.jpg
cjpeg -quality 85 -progressive -sample 3x2 "$tmp/odd.ppm" >factors-3x2-progressive.jpg
convert "$tmp/odd.ppm" -colorspace CMYK -sampling-factor 3x1,1x1,1x1,3x1 -quality 85 factors-cmyk-3x1.jpg
for f in factors-*.jpg; do
	case "$f" in *.seq.jpg | factors-cmyk-*) continue ;; esac
	djpeg -pnm "$f" >"${f%.jpg}.pnm"
done
convert factors-cmyk-3x1.jpg -depth 8 cmyk:factors-cmyk-3x1.cmyk
# The luma 3x2 fixture of the repository, made by cjpeg -sample 3x2.
djpeg -pnm ../../../testdata/hostile/sample-32.jpg >hostile-sample-32.pnm

# Sequential copies of the progressive files: jpegtran keeps the quantised
# coefficients, so both must decode to identical samples. Its default single
# interleaved scan cannot hold luma 4x4, whose copy is made above.
for f in *progressive*.jpg; do
	case "$f" in *.seq.jpg | factors-4x4-*) continue ;; esac
	jpegtran -restart 0 "$f" >"${f%.jpg}.seq.jpg"
done
