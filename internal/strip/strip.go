// Package strip removes privacy-relevant metadata (EXIF, XMP, IPTC,
// comments, text chunks, timestamps) from JPEG, PNG, WebP and GIF files at
// the container level. It copies the compressed pixel data byte for byte
// and never re-encodes, so decoded pixels do not change.
//
// Each function takes the whole file and returns a new slice. Inputs may be
// hostile: every length read from the file is bounds-checked, and a
// structure that cannot be walked returns an error matching ErrMalformed.
// Bytes after the format's end marker (JPEG EOI, PNG IEND, GIF trailer,
// RIFF size of a WebP file) are dropped because they can carry data.
package strip

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformed matches every error about input whose structure cannot
	// be walked: a bad signature, a length past the end, a missing end
	// marker or an unknown block.
	ErrMalformed = errors.New("strip: malformed image")

	// ErrUnsupportedFormat is returned by Strip for a format name other
	// than "jpeg", "png", "webp" or "gif".
	ErrUnsupportedFormat = errors.New("strip: unsupported format")
)

// Strip removes metadata from data, a whole file in format "jpeg", "png",
// "webp" or "gif", by calling JPEG, PNG, WebP or GIF. Any other format
// returns an error matching ErrUnsupportedFormat.
func Strip(format string, data []byte) ([]byte, error) {
	switch format {
	case "jpeg":
		return JPEG(data)
	case "png":
		return PNG(data)
	case "webp":
		return WebP(data)
	case "gif":
		return GIF(data)
	}
	return nil, fmt.Errorf("%w %q: expected jpeg, png, webp or gif", ErrUnsupportedFormat, format)
}

// malformed returns an error matching ErrMalformed whose message starts
// with "strip: <format>: " and then the formatted detail.
func malformed(format, detail string, args ...any) error {
	return &formatError{format: format, detail: fmt.Sprintf(detail, args...)}
}

// formatError is a structural error in one container format.
type formatError struct {
	format string
	detail string
}

func (e *formatError) Error() string {
	return "strip: " + e.format + ": " + e.detail
}

// Is makes errors.Is(err, ErrMalformed) true for every formatError.
func (e *formatError) Is(target error) bool {
	return target == ErrMalformed
}
