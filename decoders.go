package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"

	"github.com/fedimedia/media/internal/jpegdec"
	"github.com/fedimedia/media/internal/webpframe"
)

// Decoder decodes one image format. Implementations must be safe for
// concurrent use. A panic inside a Decoder is recovered by Processor.Process
// and turned into a decoding error.
type Decoder interface {
	// DecodeConfig returns the size and colour model from the header without
	// decoding pixels. Process checks its pixel limits against this size
	// before it calls Decode.
	DecodeConfig(data []byte) (image.Config, error)
	// Decode returns the pixels of the image, or of its first frame when the
	// format is animated.
	Decode(data []byte) (image.Image, error)
}

// DecoderFuncs adapts a pair of functions to the Decoder interface.
type DecoderFuncs struct {
	Config func(data []byte) (image.Config, error)
	Image  func(data []byte) (image.Image, error)
}

// DecodeConfig calls f.Config.
func (f DecoderFuncs) DecodeConfig(data []byte) (image.Config, error) { return f.Config(data) }

// Decode calls f.Image.
func (f DecoderFuncs) Decode(data []byte) (image.Image, error) { return f.Image(data) }

// Registry maps a normalised MIME type to the Decoder for it. An optional
// package adds a format, such as HEIC, by registering a Decoder for its MIME
// type; the core needs no change. Build a Registry before passing it to New:
// New copies it, so later changes do not affect an existing Processor.
type Registry struct {
	decoders map[string]Decoder
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{decoders: make(map[string]Decoder)}
}

// DefaultRegistry returns a new Registry with the built-in pure-Go decoders
// for JPEG, PNG (APNG decodes to its default image), GIF (first frame) and
// WebP (first frame when animated).
func DefaultRegistry() *Registry {
	r := NewRegistry()
	r.Register("image/jpeg", DecoderFuncs{Config: decodeJPEGConfig, Image: decodeJPEG})
	r.Register("image/png", DecoderFuncs{
		Config: func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
		Image:  func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) },
	})
	r.Register("image/gif", DecoderFuncs{
		Config: func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) },
		Image:  decodeGIFFirstFrame,
	})
	r.Register("image/webp", DecoderFuncs{
		Config: func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) },
		Image:  decodeWebPFirstFrame,
	})
	return r
}

// Register sets the Decoder for a MIME type, replacing any earlier one.
func (r *Registry) Register(mime string, d Decoder) {
	r.decoders[mime] = d
}

// Lookup returns the Decoder registered for a MIME type.
func (r *Registry) Lookup(mime string) (Decoder, bool) {
	d, ok := r.decoders[mime]
	return d, ok
}

func (r *Registry) clone() *Registry {
	c := NewRegistry()
	for k, v := range r.decoders {
		c.decoders[k] = v
	}
	return c
}

// decodeJPEGConfig reads a JPEG header with internal/jpegdec, falling back
// to image/jpeg for the features jpegdec does not implement.
func decodeJPEGConfig(b []byte) (image.Config, error) {
	cfg, err := jpegdec.DecodeConfig(b)
	var unsupported *jpegdec.UnsupportedError
	if errors.As(err, &unsupported) {
		return jpeg.DecodeConfig(bytes.NewReader(b))
	}
	if err != nil {
		return image.Config{}, err
	}
	return image.Config{ColorModel: cfg.ColorModel, Width: cfg.Width, Height: cfg.Height}, nil
}

// decodeJPEG decodes a JPEG with internal/jpegdec, which is several times
// faster than image/jpeg and reads progressive files with restart markers
// that image/jpeg rejects. Files with features jpegdec does not implement
// (such as arithmetic coding) go to image/jpeg.
func decodeJPEG(b []byte) (image.Image, error) {
	img, err := jpegdec.Decode(b, jpegdec.Options{})
	var unsupported *jpegdec.UnsupportedError
	if errors.As(err, &unsupported) {
		return jpeg.Decode(bytes.NewReader(b))
	}
	return img, err
}

// decodeGIFFirstFrame decodes the first frame of a GIF and places it on a
// canvas of the logical screen size, because a frame may cover only part of
// the screen. image/gif stops reading after the first frame.
func decodeGIFFirstFrame(b []byte) (image.Image, error) {
	cfg, err := gif.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	frame, err := gif.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	screen := image.Rect(0, 0, cfg.Width, cfg.Height)
	if frame.Bounds() == screen {
		return frame, nil
	}
	if !frame.Bounds().In(screen) {
		return nil, fmt.Errorf("gif: first frame %v lies outside the %dx%d screen", frame.Bounds(), cfg.Width, cfg.Height)
	}
	canvas := image.NewRGBA(screen)
	drawOver(canvas, frame)
	return canvas, nil
}

// decodeWebPFirstFrame decodes a still WebP, or the first frame of an
// animated one placed on its transparent canvas.
func decodeWebPFirstFrame(b []byte) (image.Image, error) {
	frame, err := webpframe.FirstFrame(b)
	if errors.Is(err, webpframe.ErrNotAnimated) {
		return webp.Decode(bytes.NewReader(b))
	}
	if err != nil {
		return nil, err
	}
	img, err := webp.Decode(bytes.NewReader(frame.Still))
	if err != nil {
		return nil, err
	}
	canvas := image.NewRGBA(image.Rect(0, 0, frame.CanvasWidth, frame.CanvasHeight))
	at := image.Pt(frame.X, frame.Y)
	draw.Draw(canvas, img.Bounds().Add(at), img, img.Bounds().Min, draw.Src)
	return canvas, nil
}
