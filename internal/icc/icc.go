// Package icc copies an ICC colour profile from an uploaded image into a
// re-encoded one. Extract reads the raw profile bytes from a JPEG, PNG or
// WebP file, and EmbedJPEG and EmbedPNG write them into a JPEG or PNG file.
// The pixels are not colour-converted: the re-encoded file only carries the
// same profile as the upload, so viewers interpret its pixels the same way.
//
// Extract takes hostile input. Every length read from a file is
// bounds-checked, a damaged or missing profile returns nil, and the
// decompressed PNG profile is capped at MaxProfileSize.
package icc

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// MaxProfileSize is the maximum size in bytes (8 MiB) of a profile that
// Extract inflates from a PNG iCCP chunk and that EmbedPNG writes. It bounds
// the memory a zlib bomb can take. JPEG and WebP profiles are slices of the
// input, so the input size bounds them instead.
const MaxProfileSize = 8 << 20

// headerSize is the size of the ICC profile header (ICC.1:2010 section
// 7.2). The profile size field is bytes 0-3 (big-endian) and the profile
// file signature "acsp" is bytes 36-39.
const headerSize = 128

var (
	// ErrInvalidImage matches errors from EmbedJPEG and EmbedPNG for an
	// image whose container structure cannot be walked.
	ErrInvalidImage = errors.New("icc: invalid image")

	// ErrInvalidProfile matches errors from EmbedJPEG and EmbedPNG for a
	// profile that is shorter than the 128-byte ICC header, whose header
	// size field differs from its length, or that lacks the "acsp"
	// signature.
	ErrInvalidProfile = errors.New("icc: invalid profile")

	// ErrProfileTooLarge matches errors from EmbedJPEG for a profile that
	// needs more than 255 APP2 segments and from EmbedPNG for a profile
	// larger than MaxProfileSize.
	ErrProfileTooLarge = errors.New("icc: profile too large")
)

// Extract returns the raw ICC profile bytes embedded in data, a whole file
// in format "jpeg", "png" or "webp". It returns nil when the file has no
// profile, when the container around the profile cannot be walked, when
// the profile fails the header check described at ErrInvalidProfile, for
// format "gif" and for any other format. It returns no error, so a
// damaged profile reads as no profile and cannot fail an upload.
func Extract(format string, data []byte) []byte {
	var profile []byte
	switch format {
	case "jpeg":
		profile = extractJPEG(data)
	case "png":
		profile = extractPNG(data)
	case "webp":
		profile = bytes.Clone(extractWebP(data))
	default:
		// NOTE: GIF profiles in an "ICCRGBG1012" application extension
		// are not read, because internal/strip drops that extension.
		return nil
	}
	if !validProfile(profile) {
		return nil
	}
	return profile
}

// validProfile reports whether p is at least an ICC header long, its
// header size field equals len(p) and it carries the "acsp" signature
// (ICC.1:2010 section 7.2, profile header).
func validProfile(p []byte) bool {
	if len(p) < headerSize {
		return false
	}
	if uint64(binary.BigEndian.Uint32(p[0:4])) != uint64(len(p)) {
		return false
	}
	return string(p[36:40]) == "acsp"
}
