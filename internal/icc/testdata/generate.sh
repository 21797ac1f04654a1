#!/bin/sh
# Regenerates the image fixtures in this directory from the 600x400 PNG
# in the repository's testdata with libvips 8.14 and ImageMagick 6.9.
# Each output carries compatibleWithAdobeRGB1998.icc byte for byte.
set -eu
cd "$(dirname "$0")"
profile=compatibleWithAdobeRGB1998.icc
small=$(mktemp --suffix=.png)
trap 'rm -f "$small"' EXIT

vips crop ../../../testdata/mastodon/600x400.png "$small" 200 150 24 16
vips copy "$small" "vips-adobergb.jpg[profile=$profile,strip=false]"
vips copy "$small" "vips-adobergb.png[profile=$profile]"
vips copy "$small" "vips-adobergb.webp[profile=$profile]"
convert "$small" -profile "$profile" magick-adobergb.jpg
convert "$small" -profile "$profile" magick-adobergb.png
