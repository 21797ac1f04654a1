package media

import (
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// sniffLen is how many leading bytes type detection reads. mimetype's
// own default read limit is 3072 bytes.
const sniffLen = 3072

// DefaultAllowedTypes returns Mastodon's allow-list (MediaAttachment's
// IMAGE_MIME_TYPES, VIDEO_MIME_TYPES and AUDIO_MIME_TYPES as of Mastodon
// 4.6), in that order. Each call returns a new slice.
func DefaultAllowedTypes() []string {
	return []string{
		"image/jpeg", "image/png", "image/gif", "image/heic", "image/heif",
		"image/webp", "image/avif",
		"video/webm", "video/mp4", "video/quicktime", "video/ogg",
		"audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wave",
		"audio/vnd.wave", "audio/ogg", "audio/vorbis", "audio/mpeg",
		"audio/mp3", "audio/webm", "audio/flac", "audio/aac", "audio/m4a",
		"audio/x-m4a", "audio/mp4", "audio/3gpp", "video/x-ms-asf",
	}
}

// Sniff returns the normalised MIME type of a file from its leading bytes
// (up to 3072 are read), ignoring any name or declared type. Aliases map to
// the type the allow-list uses: APNG is "image/png", "image/jpg" is
// "image/jpeg". An empty input is "inode/x-empty"; unrecognised bytes are
// "application/octet-stream".
func Sniff(head []byte) string {
	if len(head) == 0 {
		return "inode/x-empty"
	}
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	mime := mimetype.Detect(head).String()
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	return normaliseMIME(mime)
}

// normaliseMIME maps alias and vendor types to the names used by the
// allow-list.
func normaliseMIME(mime string) string {
	switch mime {
	case "image/vnd.mozilla.apng", "image/apng", "image/x-png":
		return "image/png"
	case "image/jpg", "image/pjpeg", "image/jpe":
		return "image/jpeg"
	case "image/heic-sequence":
		return "image/heic"
	case "image/heif-sequence":
		return "image/heif"
	case "image/avif-sequence":
		return "image/avif"
	}
	return mime
}

// TypeOf returns the attachment type Mastodon assigns to an allowed MIME
// type before processing: TypeVideo for its video types, TypeAudio for its
// audio types (including "video/x-ms-asf", which carries WMA audio), and
// TypeImage for everything else.
func TypeOf(mime string) Type {
	switch mime {
	case "video/webm", "video/mp4", "video/quicktime", "video/ogg":
		return TypeVideo
	case "video/x-ms-asf":
		return TypeAudio
	}
	if strings.HasPrefix(mime, "audio/") {
		return TypeAudio
	}
	return TypeImage
}

// formatName returns the short format name the internal packages use for an
// image MIME type ("jpeg", "png", "gif", "webp"), or "" for any other type.
func formatName(mime string) string {
	switch mime {
	case "image/jpeg":
		return "jpeg"
	case "image/png":
		return "png"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	}
	return ""
}
