// Package media turns an uploaded file into a Mastodon media attachment.
//
// A Processor sniffs the type of an upload from its bytes and checks it
// against an allow-list and size limits. It applies the EXIF orientation and
// makes the "original" variant (fitted to 8,294,400 px by default) and the
// "small" variant (230,400 px) by Mastodon's pixel-area rule. It computes the
// blurhash and returns an Attachment that marshals to the JSON Mastodon
// clients expect, together with the files a server stores.
//
// The package is safe for concurrent use, keeps no global state and logs
// nothing: every failure is a returned error whose message starts "media:"
// and which matches one of the Err* sentinels with errors.Is.
package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"runtime/debug"
	"unicode/utf8"

	"github.com/fedimedia/media/internal/icc"
	"github.com/fedimedia/media/internal/strip"
)

// Type is the type of an attachment, as Mastodon names it.
type Type string

// The attachment types of Mastodon's API.
const (
	TypeImage   Type = "image"
	TypeGifv    Type = "gifv"
	TypeVideo   Type = "video"
	TypeAudio   Type = "audio"
	TypeUnknown Type = "unknown"
)

// Attachment is Mastodon's MediaAttachment entity. Its JSON has the ten keys
// of the entity in Mastodon's order: id, type, url, preview_url, remote_url,
// preview_remote_url, text_url, meta, description, blurhash. An empty string
// field marshals as null, as Mastodon does for blank values; ID is always a
// string. Process fills Type, Meta, Description and Blurhash; the caller sets
// ID and the URLs once it has stored the files.
type Attachment struct {
	ID               string
	Type             Type
	URL              string
	PreviewURL       string
	RemoteURL        string
	PreviewRemoteURL string
	TextURL          string // null for new media since Mastodon 3.5
	Meta             Meta
	Description      string
	Blurhash         string
}

// attachmentJSON fixes the key order and the null rules of Attachment.
type attachmentJSON struct {
	ID               string  `json:"id"`
	Type             Type    `json:"type"`
	URL              *string `json:"url"`
	PreviewURL       *string `json:"preview_url"`
	RemoteURL        *string `json:"remote_url"`
	PreviewRemoteURL *string `json:"preview_remote_url"`
	TextURL          *string `json:"text_url"`
	Meta             Meta    `json:"meta"`
	Description      *string `json:"description"`
	Blurhash         *string `json:"blurhash"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// MarshalJSON writes the Mastodon entity.
func (a Attachment) MarshalJSON() ([]byte, error) {
	return json.Marshal(attachmentJSON{
		ID:               a.ID,
		Type:             a.Type,
		URL:              nullable(a.URL),
		PreviewURL:       nullable(a.PreviewURL),
		RemoteURL:        nullable(a.RemoteURL),
		PreviewRemoteURL: nullable(a.PreviewRemoteURL),
		TextURL:          nullable(a.TextURL),
		Meta:             a.Meta,
		Description:      nullable(a.Description),
		Blurhash:         nullable(a.Blurhash),
	})
}

// UnmarshalJSON reads the Mastodon entity; null becomes the empty string.
func (a *Attachment) UnmarshalJSON(data []byte) error {
	var j attachmentJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*a = Attachment{
		ID:               j.ID,
		Type:             j.Type,
		URL:              deref(j.URL),
		PreviewURL:       deref(j.PreviewURL),
		RemoteURL:        deref(j.RemoteURL),
		PreviewRemoteURL: deref(j.PreviewRemoteURL),
		TextURL:          deref(j.TextURL),
		Meta:             j.Meta,
		Description:      deref(j.Description),
		Blurhash:         deref(j.Blurhash),
	}
	return nil
}

// Default limits, Mastodon 4.6's unless noted.
const (
	DefaultOriginalPixels = 8_294_400  // 3840x2160
	DefaultSmallPixels    = 230_400    // 640x360
	DefaultMaxImageBytes  = 16 << 20   // uploads must be smaller: 16 MiB
	DefaultMaxVideoBytes  = 99 << 20   // video and audio: 99 MiB
	DefaultMaxImagePixels = 33_177_600 // 7680x4320
	DefaultMaxGIFPixels   = 921_600    // 1280x720
	DefaultMaxSide        = 16_383     // not a Mastodon limit: the largest side libwebp and many decoders accept
	DefaultMaxDescription = 10_000     // Unicode code points; 1,500 before Mastodon 4.6
	DefaultJPEGQuality    = 85
)

// Options configures a Processor. The zero value of every field means its
// default.
type Options struct {
	// OriginalPixels and SmallPixels are the pixel budgets of the two
	// variants (see FitPixels). Mastodon before 4.0 used 160,000 for small.
	OriginalPixels int
	SmallPixels    int

	// MaxImageBytes and MaxVideoBytes are exclusive upper bounds on the
	// upload size in bytes, for images and for video and audio.
	MaxImageBytes int64
	MaxVideoBytes int64

	// MaxImagePixels and MaxGIFPixels bound width*height as declared in the
	// header, after orientation; MaxSide bounds each side. An image over a
	// limit is rejected before any pixel buffer is allocated.
	MaxImagePixels int
	MaxGIFPixels   int
	MaxSide        int

	// MaxDescription is the longest description accepted, in Unicode code
	// points.
	MaxDescription int

	// AllowedTypes is the allow-list of normalised MIME types; nil means
	// DefaultAllowedTypes.
	AllowedTypes []string

	// JPEGQuality is the quality, 1 to 100, of every JPEG this package
	// writes.
	JPEGQuality int

	// Decoders maps image MIME types to decoders; nil means
	// DefaultRegistry. New copies it.
	Decoders *Registry
}

// Processor turns uploads into attachments. Its configuration is fixed by
// New, and it is safe for concurrent use.
type Processor struct {
	opts     Options
	allowed  map[string]bool
	decoders *Registry
}

// New returns a Processor with opts, filling in defaults. It returns an error
// for negative limits or a JPEG quality outside 1..100.
func New(opts Options) (*Processor, error) {
	setDefault(&opts.OriginalPixels, DefaultOriginalPixels)
	setDefault(&opts.SmallPixels, DefaultSmallPixels)
	setDefault(&opts.MaxImageBytes, DefaultMaxImageBytes)
	setDefault(&opts.MaxVideoBytes, DefaultMaxVideoBytes)
	setDefault(&opts.MaxImagePixels, DefaultMaxImagePixels)
	setDefault(&opts.MaxGIFPixels, DefaultMaxGIFPixels)
	setDefault(&opts.MaxSide, DefaultMaxSide)
	setDefault(&opts.MaxDescription, DefaultMaxDescription)
	setDefault(&opts.JPEGQuality, DefaultJPEGQuality)

	for name, v := range map[string]int64{
		"OriginalPixels": int64(opts.OriginalPixels), "SmallPixels": int64(opts.SmallPixels),
		"MaxImageBytes": opts.MaxImageBytes, "MaxVideoBytes": opts.MaxVideoBytes,
		"MaxImagePixels": int64(opts.MaxImagePixels), "MaxGIFPixels": int64(opts.MaxGIFPixels),
		"MaxSide": int64(opts.MaxSide), "MaxDescription": int64(opts.MaxDescription),
	} {
		if v < 0 {
			return nil, fmt.Errorf("media: Options.%s is %d; it must not be negative", name, v)
		}
	}
	if opts.JPEGQuality < 1 || opts.JPEGQuality > 100 {
		return nil, fmt.Errorf("media: Options.JPEGQuality is %d; it must be from 1 to 100", opts.JPEGQuality)
	}

	if opts.AllowedTypes == nil {
		opts.AllowedTypes = DefaultAllowedTypes()
	}
	allowed := make(map[string]bool, len(opts.AllowedTypes))
	for _, t := range opts.AllowedTypes {
		allowed[normaliseMIME(t)] = true
	}
	opts.AllowedTypes = append([]string(nil), opts.AllowedTypes...)

	decoders := opts.Decoders
	if decoders == nil {
		decoders = DefaultRegistry()
	}
	opts.Decoders = nil
	return &Processor{opts: opts, allowed: allowed, decoders: decoders.clone()}, nil
}

func setDefault[T int | int64](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Options returns the configuration in effect, defaults filled in.
func (p *Processor) Options() Options {
	o := p.opts
	o.AllowedTypes = append([]string(nil), o.AllowedTypes...)
	o.Decoders = p.decoders.clone()
	return o
}

// Request carries the user-supplied fields of an upload.
type Request struct {
	// Description is plain text of at most Options.MaxDescription code
	// points; empty means none.
	Description string
	// Focus is "x,y" as ParseFocus reads it; empty means none.
	Focus string
}

// File is one stored variant of an attachment.
type File struct {
	Style       string // "original" or "small"
	ContentType string // for example "image/jpeg"
	Ext         string // file name extension without the dot, for example "jpeg"
	Width       int
	Height      int
	Data        []byte
}

// Result is the outcome of processing one upload.
type Result struct {
	// Attachment has Type, Meta, Description and Blurhash set.
	Attachment Attachment
	// MIME is the normalised type sniffed from the upload's bytes.
	MIME string
	// Original and Small are the files to store; both are nil when the type
	// is TypeUnknown.
	Original, Small *File
	// DecodeErr is the reason an allowed image type could not be decoded,
	// and is set exactly when Attachment.Type is TypeUnknown. It matches
	// ErrUndecodable.
	DecodeErr error
}

// Process reads an upload from r and returns its attachment and files.
//
// The outcomes are:
//   - an allowed image that decodes: a Result of TypeImage with both files;
//   - an allowed image type that does not decode: a Result of TypeUnknown
//     with DecodeErr set, no files, and the description and focus kept;
//   - a type outside the allow-list: *UnsupportedTypeError;
//   - an allowed image type with no registered Decoder (HEIC, HEIF and AVIF
//     by default): *NoDecoderError;
//   - allowed video or audio: *NoBackendError, after the size limit check;
//   - an invalid description or focus, an upload over the byte limit, or an
//     image over the pixel limits: *DescriptionError, *FocusError,
//     *FileSizeError or *DimensionsError.
//
// Reading stops at the byte limit, so an oversized body is never held in
// memory whole. Process checks ctx between steps and returns ctx.Err() once
// it is done. A panic inside Process, which would be a bug, is returned as an
// error instead of crashing the server that embeds it.
func (p *Processor) Process(ctx context.Context, r io.Reader, req Request) (res *Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, fmt.Errorf("media: internal error while processing an upload: %v\n%s", v, debug.Stack())
		}
	}()
	return p.process(ctx, r, req)
}

func (p *Processor) process(ctx context.Context, r io.Reader, req Request) (*Result, error) {
	if err := p.CheckDescription(req.Description); err != nil {
		return nil, err
	}
	focus, err := ParseFocus(req.Focus)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("media: reading upload: %w", err)
	}
	head = head[:n]
	mime := Sniff(head)
	if !p.allowed[mime] {
		return nil, &UnsupportedTypeError{MIME: mime}
	}
	kind := TypeOf(mime)

	if kind != TypeImage {
		if err := p.discardWithin(r, int64(n), kind); err != nil {
			return nil, err
		}
		return nil, &NoBackendError{Type: kind, MIME: mime}
	}
	data, err := p.readWithin(r, head, p.opts.MaxImageBytes, kind)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{
		MIME: mime,
		Attachment: Attachment{
			Type:        TypeImage,
			Meta:        Meta{Focus: focus},
			Description: req.Description,
		},
	}
	if err := p.processImage(ctx, res, data); err != nil {
		return nil, err
	}
	return res, nil
}

// CheckDescription returns a *DescriptionError when s is longer than the
// configured maximum, counted in Unicode code points.
func (p *Processor) CheckDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > p.opts.MaxDescription {
		return &DescriptionError{Length: n, Max: p.opts.MaxDescription}
	}
	return nil
}

// readWithin reads the rest of r after head into memory, failing with a
// *FileSizeError as soon as the total reaches limit.
func (p *Processor) readWithin(r io.Reader, head []byte, limit int64, kind Type) ([]byte, error) {
	if int64(len(head)) >= limit {
		return nil, &FileSizeError{Type: kind, Limit: limit}
	}
	// Growing a buffer by doubling copies the upload several times and can
	// leave twice its size allocated, so start from the size when r reports
	// one.
	buf := bytes.NewBuffer(make([]byte, 0, len(head)+int(min(sizeHint(r), limit))+bytes.MinRead))
	buf.Write(head)
	m, err := io.Copy(buf, io.LimitReader(r, limit-int64(len(head))))
	if err != nil {
		return nil, fmt.Errorf("media: reading upload: %w", err)
	}
	if int64(len(head))+m >= limit {
		return nil, &FileSizeError{Type: kind, Limit: limit}
	}
	return buf.Bytes(), nil
}

// sizeHint returns the number of bytes r reports it has left, or 64 KiB when
// it reports nothing.
func sizeHint(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		return int64(v.Len())
	case interface{ Stat() (fs.FileInfo, error) }: // *os.File
		if info, err := v.Stat(); err == nil && info.Mode().IsRegular() {
			return info.Size()
		}
	}
	return 64 << 10
}

// discardWithin reads and drops the rest of a video or audio upload, so that
// its size can be checked without holding it in memory.
func (p *Processor) discardWithin(r io.Reader, already int64, kind Type) error {
	limit := p.opts.MaxVideoBytes
	m, err := io.Copy(io.Discard, io.LimitReader(r, max(limit-already, 0)))
	if err != nil {
		return fmt.Errorf("media: reading upload: %w", err)
	}
	if already+m >= limit {
		return &FileSizeError{Type: kind, Limit: limit}
	}
	return nil
}

// processImage decodes data and fills in res. Failures to decode become a
// TypeUnknown result; limit violations and missing decoders are errors.
func (p *Processor) processImage(ctx context.Context, res *Result, data []byte) error {
	dec, ok := p.decoders.Lookup(res.MIME)
	if !ok {
		return &NoDecoderError{MIME: res.MIME}
	}
	orientation := readOrientation(res.MIME, data)
	// The colour profile goes into re-encoded files too, because their
	// pixels keep the upload's colour space.
	profile := icc.Extract(formatName(res.MIME), data)
	// Metadata is removed before decoding, so the pixels decode from exactly
	// the bytes that may be stored, and a damaged metadata chunk (a tEXt
	// chunk with a bad CRC, say) cannot make a good image undecodable. When
	// the container cannot be walked, the decoder gets the upload as it is.
	stripped, stripErr := strip.Strip(formatName(res.MIME), data)
	if stripErr == nil {
		data = stripped
	}

	cfg, err := safeDecodeConfig(dec, data)
	if err != nil {
		res.markUnknown(&DecodeError{MIME: res.MIME, Err: err})
		return nil
	}
	w, h := cfg.Width, cfg.Height
	if orientation >= 5 {
		w, h = h, w
	}
	if err := p.checkDimensions(w, h, res.MIME == "image/gif"); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	img, err := safeDecode(dec, data)
	if err != nil {
		res.markUnknown(&DecodeError{MIME: res.MIME, Err: err})
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var keepable []byte
	if stripErr == nil {
		keepable = stripped
	}
	return p.makeVariants(ctx, res, keepable, img, orientation, profile)
}

func (r *Result) markUnknown(cause error) {
	r.Attachment.Type = TypeUnknown
	r.Attachment.Meta.Original = nil
	r.Attachment.Meta.Small = nil
	r.Attachment.Blurhash = ""
	r.Original, r.Small = nil, nil
	r.DecodeErr = cause
}

func (p *Processor) checkDimensions(w, h int, isGIF bool) error {
	if w <= 0 || h <= 0 {
		return nil // left to the decoder, which fails and makes the result unknown
	}
	if w > p.opts.MaxSide || h > p.opts.MaxSide {
		return &DimensionsError{Width: w, Height: h, GIF: isGIF,
			Reason: fmt.Sprintf("a side is longer than %d pixels", p.opts.MaxSide)}
	}
	limit := p.opts.MaxImagePixels
	if isGIF {
		limit = min(limit, p.opts.MaxGIFPixels)
	}
	if int64(w)*int64(h) > int64(limit) {
		return &DimensionsError{Width: w, Height: h, GIF: isGIF,
			Reason: fmt.Sprintf("%d pixels are more than the limit of %d", int64(w)*int64(h), limit)}
	}
	return nil
}

// makeVariants produces the original and small files and the meta from the
// decoded image. stripped is the upload without its metadata, or nil when
// the upload's container could not be stripped and must not be stored as it
// is. profile is the upload's ICC profile or nil.
func (p *Processor) makeVariants(ctx context.Context, res *Result, stripped []byte, img image.Image, orientation int, profile []byte) error {
	pic := newPicture(img).oriented(orientation)
	w, h := pic.size()
	if w == 0 || h == 0 {
		res.markUnknown(&DecodeError{MIME: res.MIME, Err: errors.New("image has no pixels")})
		return nil
	}
	srcFormat := formatName(res.MIME)
	outFormat := reencodeFormat(srcFormat, pic.opaque())

	ow, oh := FitPixels(w, h, p.opts.OriginalPixels)
	// The upload's own bytes, without metadata, are kept when nothing
	// requires a re-encode, which avoids generation loss.
	keep := stripped != nil && srcFormat != "" && ow == w && oh == h && orientation <= 1
	var original *File
	if keep {
		original = &File{Style: "original", ContentType: res.MIME, Ext: srcFormat,
			Width: w, Height: h, Data: stripped}
	} else {
		var err error
		if pic, err = pic.scaled(ow, oh); err != nil {
			return err
		}
		if original, err = encodeFile("original", pic, outFormat, p.opts.JPEGQuality, profile); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	sw, sh := FitPixels(ow, oh, p.opts.SmallPixels)
	small, err := pic.scaled(sw, sh)
	if err != nil {
		return err
	}
	var smallFile *File
	if sw == ow && sh == oh && original.Ext == outFormat {
		// The small would be the original again: share its bytes.
		smallFile = &File{Style: "small", ContentType: original.ContentType, Ext: original.Ext,
			Width: sw, Height: sh, Data: original.Data}
	} else if smallFile, err = encodeFile("small", small, outFormat, p.opts.JPEGQuality, profile); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	hash, err := computeBlurhash(small)
	if err != nil {
		return err
	}
	res.Original, res.Small = original, smallFile
	res.Attachment.Meta.Original = NewGeometry(original.Width, original.Height)
	res.Attachment.Meta.Small = NewGeometry(smallFile.Width, smallFile.Height)
	res.Attachment.Blurhash = hash
	return nil
}

// encodeFile encodes pic as one stored variant with an ICC profile, when
// profile is not nil.
func encodeFile(style string, pic picture, format string, quality int, profile []byte) (*File, error) {
	data, err := pic.encode(format, quality)
	if err != nil {
		return nil, err
	}
	if profile != nil {
		embed := icc.EmbedPNG
		if format == "jpeg" {
			embed = icc.EmbedJPEG
		}
		if data, err = embed(data, profile); err != nil {
			return nil, fmt.Errorf("media: adding the ICC profile to the %s file: %w", style, err)
		}
	}
	w, h := pic.size()
	return &File{Style: style, ContentType: "image/" + format, Ext: format, Width: w, Height: h, Data: data}, nil
}

// reencodeFormat returns the output format for pixels that must be encoded:
// JPEG stays JPEG and PNG stays PNG. GIF becomes PNG, which keeps its
// transparency without a palette. Formats with no pure-Go encoder (WebP and
// any format added through a Registry) become PNG when they have
// transparency and JPEG otherwise.
func reencodeFormat(srcFormat string, opaque bool) string {
	switch srcFormat {
	case "jpeg":
		return "jpeg"
	case "png", "gif":
		return "png"
	}
	if opaque {
		return "jpeg"
	}
	return "png"
}

// safeDecodeConfig calls d.DecodeConfig and turns a panic into an error.
func safeDecodeConfig(d Decoder, data []byte) (cfg image.Config, err error) {
	defer recoverDecoder(&err)
	return d.DecodeConfig(data)
}

// safeDecode calls d.Decode and turns a panic into an error.
func safeDecode(d Decoder, data []byte) (img image.Image, err error) {
	defer recoverDecoder(&err)
	img, err = d.Decode(data)
	if err == nil && img == nil {
		err = errors.New("decoder returned no image")
	}
	return img, err
}

func recoverDecoder(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("decoder panicked: %v\n%s", v, debug.Stack())
	}
}
