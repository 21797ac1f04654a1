package media

import (
	"errors"
	"fmt"
)

// Sentinel errors for errors.Is. Each typed error below matches one of them,
// so a caller can branch on the category and still read the details with
// errors.As.
var (
	// ErrUnsupportedType matches *UnsupportedTypeError.
	ErrUnsupportedType = errors.New("media: file type is not allowed")
	// ErrNoDecoder matches *NoDecoderError.
	ErrNoDecoder = errors.New("media: no decoder for this image type")
	// ErrNoBackend matches *NoBackendError.
	ErrNoBackend = errors.New("media: no backend for this media type")
	// ErrFileTooLarge matches *FileSizeError.
	ErrFileTooLarge = errors.New("media: file is too large")
	// ErrDimensions matches *DimensionsError.
	ErrDimensions = errors.New("media: image dimensions are not supported")
	// ErrInvalidFocus matches *FocusError.
	ErrInvalidFocus = errors.New("media: invalid focus")
	// ErrDescriptionTooLong matches *DescriptionError.
	ErrDescriptionTooLong = errors.New("media: description is too long")
	// ErrUndecodable matches *DecodeError.
	ErrUndecodable = errors.New("media: image could not be decoded")
)

// UnsupportedTypeError reports an upload whose sniffed type is outside the
// allow-list.
type UnsupportedTypeError struct {
	MIME string // the type sniffed from the bytes, for example "image/bmp"
}

func (e *UnsupportedTypeError) Error() string {
	return fmt.Sprintf("media: file type %s is not allowed", e.MIME)
}

func (e *UnsupportedTypeError) Is(target error) bool { return target == ErrUnsupportedType }

// NoDecoderError reports an allowed image type for which no Decoder is
// registered, such as HEIC or AVIF with the default Registry.
type NoDecoderError struct {
	MIME string
}

func (e *NoDecoderError) Error() string {
	return fmt.Sprintf("media: no decoder is registered for %s images; add one to Options.Decoders", e.MIME)
}

func (e *NoDecoderError) Is(target error) bool { return target == ErrNoDecoder }

// NoBackendError reports an allowed video or audio upload. This library
// classifies such files but has no backend to transcode them.
type NoBackendError struct {
	Type Type   // TypeVideo or TypeAudio
	MIME string // for example "video/webm"
}

func (e *NoBackendError) Error() string {
	return fmt.Sprintf("media: %s is %s, and no %s backend is available to process it", e.MIME, e.Type, e.Type)
}

func (e *NoBackendError) Is(target error) bool { return target == ErrNoBackend }

// FileSizeError reports an upload of Limit bytes or more. Uploads must be
// strictly smaller than the limit for their type, as in Mastodon.
type FileSizeError struct {
	Type  Type  // the type the limit applies to: TypeImage, TypeVideo or TypeAudio
	Limit int64 // the limit in bytes
}

func (e *FileSizeError) Error() string {
	return fmt.Sprintf("media: %s files must be less than %d bytes (%s)", e.Type, e.Limit, humanSize(e.Limit))
}

func (e *FileSizeError) Is(target error) bool { return target == ErrFileTooLarge }

// LimitText returns the limit as Mastodon writes it in its error text, in
// binary units: "16 MB" for 16 MiB, "99 MB" for 99 MiB.
func (e *FileSizeError) LimitText() string { return humanSize(e.Limit) }

// humanSize formats n bytes the way Rails' number_to_human_size does for
// whole binary units, which is how Mastodon writes its size limits: 16777216
// is "16 MB".
func humanSize(n int64) string {
	units := []string{"Bytes", "KB", "MB", "GB", "TB"}
	v := float64(n)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// DimensionsError reports an image whose header declares more pixels or a
// longer side than the configured limits. Width and Height are the displayed
// size, after EXIF orientation.
type DimensionsError struct {
	Width, Height int
	GIF           bool   // the GIF limit applied
	Reason        string // which limit was exceeded, for the error text
}

func (e *DimensionsError) Error() string {
	kind := "images"
	if e.GIF {
		kind = "GIF files"
	}
	return fmt.Sprintf("media: %dx%d %s are not supported: %s", e.Width, e.Height, kind, e.Reason)
}

func (e *DimensionsError) Is(target error) bool { return target == ErrDimensions }

// FocusError reports a focus value that is not two numbers in [-1, 1]
// separated by a comma.
type FocusError struct {
	Value  string // the value as given
	Reason string
}

func (e *FocusError) Error() string {
	return fmt.Sprintf("media: invalid focus %q: %s", e.Value, e.Reason)
}

func (e *FocusError) Is(target error) bool { return target == ErrInvalidFocus }

// DescriptionError reports a description longer than the limit, counted in
// Unicode code points.
type DescriptionError struct {
	Length, Max int
}

func (e *DescriptionError) Error() string {
	return fmt.Sprintf("media: description is %d characters long, and the maximum is %d", e.Length, e.Max)
}

func (e *DescriptionError) Is(target error) bool { return target == ErrDescriptionTooLong }

// DecodeError is the cause recorded in Result.DecodeErr when an allowed image
// type fails to decode and the attachment becomes TypeUnknown.
type DecodeError struct {
	MIME string
	Err  error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("media: %s file could not be decoded: %v", e.MIME, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

func (e *DecodeError) Is(target error) bool { return target == ErrUndecodable }
