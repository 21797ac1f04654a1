#!/usr/bin/env bash
# Regenerates the small JPEG and PNG variants in this folder from
# ../mastodon/600x400.jpeg. Needs Debian's libvips-tools and
# libjpeg-turbo-progs, imagemagick and webp (vips, cjpeg, convert,
# img2webp). The outputs are committed, so tests do not need these tools.
set -euo pipefail
cd "$(dirname "$0")"
src=../mastodon/600x400.jpeg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

vips thumbnail "$src" "$tmp/small.ppm" 96 --height 64
# CMYK JPEG with an Adobe APP14 marker, converted through libvips' CMYK profile.
vips colourspace "$tmp/small.ppm" "$tmp/cmyk.v" cmyk
vips jpegsave "$tmp/cmyk.v" cmyk.jpg --Q 90 --strip
# YCCK JPEG (Adobe transform 2), as ImageMagick writes CMYK (Debian
# package imagemagick).
convert "$tmp/small.ppm" -colorspace CMYK -quality 90 ycck.jpg
# Sampling factors: 4:4:4, 4:2:2, 4:4:0, 4:1:1 and the unusual 3x2 luma factor.
cjpeg -quality 90 -sample 1x1 "$tmp/small.ppm" > sample-444.jpg
cjpeg -quality 90 -sample 2x1 "$tmp/small.ppm" > sample-422.jpg
cjpeg -quality 90 -sample 1x2 "$tmp/small.ppm" > sample-440.jpg
cjpeg -quality 90 -sample 4x1 "$tmp/small.ppm" > sample-411.jpg
cjpeg -quality 90 -sample 3x2 "$tmp/small.ppm" > sample-32.jpg
cjpeg -quality 90 -progressive -restart 1 "$tmp/small.ppm" > progressive-restart.jpg
cjpeg -quality 90 -grayscale "$tmp/small.ppm" > gray.jpg
# The source pixels, which each variant above must still show.
vips pngsave "$tmp/small.ppm" reference.png --strip
# Adam7-interlaced PNG, which image/png reads but cannot write.
vips pngsave "$tmp/small.ppm" interlaced.png --interlace --strip
# A 3-frame animated WebP (Debian package webp): the first frame is lossy
# with alpha and smaller than the canvas, the second lossless.
vips thumbnail ../mastodon/600x400.png "$tmp/f0.png" 60
vips invert "$tmp/f0.png" "$tmp/f1.png"
img2webp -loop 0 -d 100 -lossy "$tmp/f0.png" -lossless "$tmp/f1.png" -lossy "$tmp/f0.png" -o animated.webp
vips copy "$tmp/f0.png" animated-frame0.png
