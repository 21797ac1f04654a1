package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/fedimedia/media/internal/jpegdec"
)

// decodeFile decodes a stored variant with the standard decoders and checks
// that its real format and size match what the File claims.
func decodeFile(t *testing.T, f *File) image.Image {
	t.Helper()
	var img image.Image
	var err error
	switch f.Ext {
	case "jpeg":
		img, err = jpeg.Decode(bytes.NewReader(f.Data))
		if err != nil {
			// A kept original may use a layout image/jpeg cannot read, such
			// as a progressive file with restart markers.
			t.Logf("%s file: image/jpeg failed (%v); decoding with jpegdec", f.Style, err)
			img, err = jpegdec.Decode(f.Data, jpegdec.Options{})
		}
	case "png":
		img, err = png.Decode(bytes.NewReader(f.Data))
	case "gif":
		img, err = gif.Decode(bytes.NewReader(f.Data))
	case "webp":
		return nil // x/image/webp is exercised by the decoder registry itself
	default:
		t.Fatalf("%s file has unexpected extension %q", f.Style, f.Ext)
	}
	if err != nil {
		t.Fatalf("%s file claims %s but does not decode as it: %v", f.Style, f.Ext, err)
	}
	if got := Sniff(f.Data); got != f.ContentType {
		t.Errorf("%s file content type %q, but its bytes sniff as %q", f.Style, f.ContentType, got)
	}
	size := img.Bounds().Size()
	if f.Ext == "gif" {
		// A GIF's first frame may cover part of its logical screen.
		cfg, _ := gif.DecodeConfig(bytes.NewReader(f.Data))
		size = image.Pt(cfg.Width, cfg.Height)
	}
	if size.X != f.Width || size.Y != f.Height {
		t.Errorf("%s file decodes to %dx%d, but claims %dx%d", f.Style, size.X, size.Y, f.Width, f.Height)
	}
	return img
}

type imageCase struct {
	file           string
	origW, origH   int
	origExt        string
	smallW, smallH int
	smallExt       string
}

func checkImage(t *testing.T, p *Processor, tc imageCase) *Result {
	t.Helper()
	res, err := process(t, p, readTestdata(t, tc.file), Request{})
	if err != nil {
		t.Fatalf("Process(%s) error: %v", tc.file, err)
	}
	a := res.Attachment
	if a.Type != TypeImage {
		t.Fatalf("type = %q (cause: %v), want image", a.Type, res.DecodeErr)
	}
	wantOrig := NewGeometry(tc.origW, tc.origH)
	if *a.Meta.Original != *wantOrig {
		t.Errorf("meta.original = %+v, want %+v", *a.Meta.Original, *wantOrig)
	}
	wantSmall := NewGeometry(tc.smallW, tc.smallH)
	if *a.Meta.Small != *wantSmall {
		t.Errorf("meta.small = %+v, want %+v", *a.Meta.Small, *wantSmall)
	}
	if tc.origExt != "" && res.Original.Ext != tc.origExt {
		t.Errorf("original stored as %q, want %q", res.Original.Ext, tc.origExt)
	}
	if tc.smallExt != "" && res.Small.Ext != tc.smallExt {
		t.Errorf("small stored as %q, want %q", res.Small.Ext, tc.smallExt)
	}
	decodeFile(t, res.Original)
	decodeFile(t, res.Small)
	if len(a.Blurhash) != 36 {
		t.Errorf("blurhash %q has %d characters, want 36 (4x4 components)", a.Blurhash, len(a.Blurhash))
	}
	return res
}

func TestProcessMastodonFixtures(t *testing.T) {
	p := newProcessor(t, Options{})
	tests := []imageCase{
		{"mastodon/600x400.jpeg", 600, 400, "jpeg", 588, 392, "jpeg"},
		{"mastodon/attachment.jpg", 600, 400, "jpeg", 588, 392, "jpeg"},
		{"mastodon/600x400.png", 600, 400, "png", 588, 392, "png"},
		{"mastodon/monochrome.png", 600, 400, "png", 588, 392, "png"},
		{"mastodon/600x400.webp", 600, 400, "webp", 588, 392, ""},
		{"mastodon/attachment.gif", 600, 400, "gif", 588, 392, "png"},
		{"mastodon/mini-static.gif", 32, 32, "gif", 32, 32, "png"},
		{"mastodon/avatar.gif", 128, 128, "gif", 128, 128, "png"},
		{"mastodon/text.png", 780, 171, "png", 780, 171, "png"},
		{"mastodon/emojo.png", 128, 125, "png", 128, 125, "png"},
		{"mastodon/600x400-animated.png", 600, 400, "png", 588, 392, "png"},
		{"mastodon/600x400-animated.gif", 600, 400, "gif", 588, 392, "png"},
		{"hostile/animated.webp", 60, 40, "webp", 60, 40, "png"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) { checkImage(t, p, tc) })
	}
}

func TestProcessAnimatedGIFKeepsAnimation(t *testing.T) {
	p := newProcessor(t, Options{})
	res := checkImage(t, p, imageCase{"mastodon/avatar.gif", 128, 128, "gif", 128, 128, "png"})
	all, err := gif.DecodeAll(bytes.NewReader(res.Original.Data))
	if err != nil {
		t.Fatalf("stored original is not a GIF: %v", err)
	}
	if len(all.Image) != 10 {
		t.Errorf("stored original has %d frames, want the upload's 10", len(all.Image))
	}
}

func TestProcessGoToSocialPhotos(t *testing.T) {
	p := newProcessor(t, Options{})
	// Sizes from the files' headers; small sizes by Mastodon's rule from the
	// original's size. None of these is over the original budget.
	tests := []struct {
		file           string
		w, h           int
		smallW, smallH int
	}{
		{"beeplushie.jpg", 1664, 1245, 555, 415},
		{"big-panda.gif", 500, 300, 500, 300},
		{"buscemi-original.jpeg", 1077, 525, 687, 335},
		{"butt-original.gif", 31, 25, 31, 25},
		{"clock-original.gif", 528, 528, 480, 480},
		{"computerbye-original.gif", 442, 332, 442, 332},
		{"diarrhea-original.gif", 320, 214, 320, 214},
		{"dollar-original.jpeg", 1280, 720, 640, 360},
		{"dollar2-original.png", 725, 307, 725, 307},
		{"ffmpreg-original.jpeg", 1280, 720, 640, 360},
		{"giant-turnip-world-record.jpg", 670, 377, 640, 360},
		{"gts_pixellated-original.png", 179, 178, 179, 178},
		{"kip-original.gif", 38, 49, 38, 49},
		{"marge-original.png", 976, 741, 551, 418},
		{"nb-flag-original.webp", 128, 128, 128, 128},
		{"notabug-original.jpeg", 500, 739, 395, 584},
		{"ohyou-original.jpg", 800, 450, 640, 360},
		{"peglin.gif", 170, 179, 170, 179},
		{"rainbow-original.png", 127, 128, 127, 128},
		{"sickos-original.jpeg", 1920, 1200, 606, 379},
		{"sloth-gear-original.webp", 2830, 1472, 665, 346},
		{"team-fortress-original.jpg", 1018, 764, 554, 416},
		{"test-jpeg-1x1px-white.jpg", 1, 1, 1, 1},
		{"test-jpeg.jpg", 1920, 1080, 640, 360},
		{"test-png-alphachannel-1x1px.png", 1, 1, 1, 1},
		{"test-png-alphachannel.png", 186, 187, 186, 187},
		{"test-png-noalphachannel.png", 186, 187, 186, 187},
		{"test-with-exif.jpg", 3264, 2448, 554, 416},
		{"thoughtsofdog-original.jpg", 472, 291, 472, 291},
		{"trent-original.gif", 400, 280, 400, 280},
		{"welcome-original.jpg", 1200, 630, 662, 348},
		{"yell-original.png", 128, 128, 128, 128},
		{"you-posted-original.webp", 1920, 1080, 640, 360}, // a PNG despite its name
		{"zork-original.jpg", 1092, 1800, 374, 616},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			checkImage(t, p, imageCase{file: "gotosocial/" + tc.file,
				origW: tc.w, origH: tc.h, smallW: tc.smallW, smallH: tc.smallH})
		})
	}
}

func TestProcessFormatsWithoutDecoder(t *testing.T) {
	p := newProcessor(t, Options{})
	for _, file := range []string{"mastodon/600x400.heic", "mastodon/600x400.avif"} {
		_, err := process(t, p, readTestdata(t, file), Request{})
		var nd *NoDecoderError
		if !errors.Is(err, ErrNoDecoder) || !errors.As(err, &nd) {
			t.Errorf("%s: error = %v, want a *NoDecoderError", file, err)
			continue
		}
		if !strings.HasPrefix(nd.MIME, "image/") {
			t.Errorf("%s: NoDecoderError.MIME = %q, want an image type", file, nd.MIME)
		}
	}
}

func TestProcessVideoAndAudio(t *testing.T) {
	p := newProcessor(t, Options{})
	tests := []struct {
		file     string
		wantType Type
		wantMIME string
	}{
		{"mastodon/attachment.webm", TypeVideo, "video/webm"},
		{"mastodon/boop.ogg", TypeAudio, "audio/ogg"},
	}
	for _, tt := range tests {
		_, err := process(t, p, readTestdata(t, tt.file), Request{})
		var nb *NoBackendError
		if !errors.As(err, &nb) || !errors.Is(err, ErrNoBackend) {
			t.Errorf("%s: error = %v, want a *NoBackendError", tt.file, err)
			continue
		}
		if nb.Type != tt.wantType || nb.MIME != tt.wantMIME {
			t.Errorf("%s: classified as %s %q, want %s %q", tt.file, nb.Type, nb.MIME, tt.wantType, tt.wantMIME)
		}
	}
}

func TestProcessVideoOverLimit(t *testing.T) {
	p := newProcessor(t, Options{MaxVideoBytes: 40_000})
	_, err := process(t, p, readTestdata(t, "mastodon/attachment.webm"), Request{})
	var fs *FileSizeError
	if !errors.As(err, &fs) || fs.Type != TypeVideo || fs.Limit != 40_000 {
		t.Errorf("error = %v, want a *FileSizeError for video with limit 40000", err)
	}
}

func TestProcessUnsupportedTypes(t *testing.T) {
	p := newProcessor(t, Options{})
	bmp := append([]byte("BM"), make([]byte, 60)...)
	binary.LittleEndian.PutUint32(bmp[14:], 40) // BITMAPINFOHEADER size
	tests := []struct {
		name     string
		data     []byte
		wantMIME string
	}{
		{"empty", nil, "inode/x-empty"},
		{"text", readTestdata(t, "gotosocial/test-corrupted.jpg"), "text/plain"},
		{"bmp", bmp, "image/bmp"},
		{"pdf", []byte("%PDF-1.7\n1 0 obj\n"), "application/pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := process(t, p, tt.data, Request{})
			var ut *UnsupportedTypeError
			if !errors.As(err, &ut) || !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("error = %v, want an *UnsupportedTypeError", err)
			}
			if ut.MIME != tt.wantMIME {
				t.Errorf("sniffed type = %q, want %q", ut.MIME, tt.wantMIME)
			}
		})
	}
}

func TestProcessAllowListIsConfigurable(t *testing.T) {
	p := newProcessor(t, Options{AllowedTypes: []string{"image/png"}})
	_, err := process(t, p, readTestdata(t, "mastodon/600x400.jpeg"), Request{})
	if !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("JPEG with a PNG-only allow-list: error = %v, want ErrUnsupportedType", err)
	}
	if _, err := process(t, p, readTestdata(t, "mastodon/600x400.png"), Request{}); err != nil {
		t.Errorf("PNG with a PNG-only allow-list: %v", err)
	}
}

func TestProcessUndecodableImageIsUnknown(t *testing.T) {
	p := newProcessor(t, Options{})
	jpegData := readTestdata(t, "mastodon/600x400.jpeg")
	pngData := readTestdata(t, "mastodon/600x400.png")
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated jpeg", jpegData[:len(jpegData)/3]},
		{"jpeg header only", jpegData[:200]},
		{"png with garbage after the signature", append(append([]byte(nil), pngData[:8]...), bytes.Repeat([]byte{0xab}, 100)...)},
		{"truncated png", pngData[:len(pngData)/2]},
	}
	req := Request{Description: "test uploaded via api", Focus: "-0.69,0.42"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := process(t, p, tt.data, req)
			if err != nil {
				t.Fatalf("Process error = %v, want a result of type unknown", err)
			}
			a := res.Attachment
			if a.Type != TypeUnknown {
				t.Fatalf("type = %q, want unknown", a.Type)
			}
			if !errors.Is(res.DecodeErr, ErrUndecodable) {
				t.Errorf("DecodeErr = %v, want one matching ErrUndecodable", res.DecodeErr)
			}
			if res.Original != nil || res.Small != nil {
				t.Error("files were produced for an undecodable upload")
			}
			if a.Meta.Original != nil || a.Meta.Small != nil || a.Blurhash != "" {
				t.Errorf("meta %+v and blurhash %q set, want neither", a.Meta, a.Blurhash)
			}
			if a.Description != req.Description || a.Meta.Focus == nil || *a.Meta.Focus != (Focus{-0.69, 0.42}) {
				t.Errorf("description %q and focus %v not kept", a.Description, a.Meta.Focus)
			}
			got, _ := json.Marshal(a)
			want := `{"id":"","type":"unknown","url":null,"preview_url":null,"remote_url":null,` +
				`"preview_remote_url":null,"text_url":null,"meta":{"focus":{"x":-0.69,"y":0.42}},` +
				`"description":"test uploaded via api","blurhash":null}`
			if string(got) != want {
				t.Errorf("JSON =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestProcessFileSizeLimit(t *testing.T) {
	data := readTestdata(t, "mastodon/attachment.jpg") // 61,022 bytes
	tests := []struct {
		limit   int64
		wantErr bool
	}{
		{1024, true},
		{61_022, true}, // the size must be strictly less than the limit
		{61_023, false},
	}
	for _, tt := range tests {
		p := newProcessor(t, Options{MaxImageBytes: tt.limit})
		_, err := process(t, p, data, Request{})
		var fs *FileSizeError
		if tt.wantErr != errors.As(err, &fs) {
			t.Errorf("limit %d: error = %v, want FileSizeError: %v", tt.limit, err, tt.wantErr)
		}
		if tt.wantErr && (fs.Limit != tt.limit || fs.Type != TypeImage) {
			t.Errorf("limit %d: FileSizeError = %+v", tt.limit, fs)
		}
	}
	if got := (&FileSizeError{Type: TypeImage, Limit: DefaultMaxImageBytes}).Error(); !strings.Contains(got, "(16 MB)") {
		t.Errorf("default image limit message %q does not name 16 MB", got)
	}
}

func TestProcessStopsReadingAtLimit(t *testing.T) {
	p := newProcessor(t, Options{MaxImageBytes: 100_000})
	body := io.MultiReader(bytes.NewReader(readTestdata(t, "mastodon/600x400.jpeg")), endless{})
	counter := &countingReader{r: body}
	_, err := p.Process(context.Background(), counter, Request{})
	if !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("error = %v, want ErrFileTooLarge", err)
	}
	if counter.n > 100_000 {
		t.Errorf("read %d bytes of an endless body, want no more than the 100000-byte limit", counter.n)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestProcessDimensionLimits(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		file    string
		wantGIF bool
		text    string
	}{
		{"image pixels", Options{MaxImagePixels: 239_999}, "mastodon/600x400.png", false, "600x400 images are not supported"},
		{"gif pixels", Options{MaxGIFPixels: 200_000}, "mastodon/attachment.gif", true, "600x400 GIF files are not supported"},
		{"side", Options{MaxSide: 599}, "mastodon/600x400.jpeg", false, "600x400 images are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := process(t, newProcessor(t, tt.opts), readTestdata(t, tt.file), Request{})
			var de *DimensionsError
			if !errors.As(err, &de) || !errors.Is(err, ErrDimensions) {
				t.Fatalf("error = %v, want a *DimensionsError", err)
			}
			if de.Width != 600 || de.Height != 400 || de.GIF != tt.wantGIF {
				t.Errorf("DimensionsError = %+v, want 600x400 with GIF %v", de, tt.wantGIF)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("message %q does not contain %q", err, tt.text)
			}
		})
	}
	// Exactly at the limit is accepted.
	if _, err := process(t, newProcessor(t, Options{MaxImagePixels: 240_000}), readTestdata(t, "mastodon/600x400.png"), Request{}); err != nil {
		t.Errorf("600x400 with a limit of 240000 px: %v", err)
	}
}

func TestProcessDescription(t *testing.T) {
	data := readTestdata(t, "mastodon/mini-static.gif")
	p := newProcessor(t, Options{})
	long := strings.Repeat("é", 10_000) // 20,000 bytes, 10,000 code points
	res, err := process(t, p, data, Request{Description: long})
	if err != nil || res.Attachment.Description != long {
		t.Fatalf("10000 code points: error %v, want the description kept", err)
	}
	_, err = process(t, p, data, Request{Description: long + "x"})
	var de *DescriptionError
	if !errors.As(err, &de) || de.Length != 10_001 || de.Max != 10_000 {
		t.Errorf("10001 code points: error = %v, want a DescriptionError of 10001 > 10000", err)
	}
	old := newProcessor(t, Options{MaxDescription: 1500})
	if _, err := process(t, old, data, Request{Description: strings.Repeat("a", 1501)}); !errors.Is(err, ErrDescriptionTooLong) {
		t.Errorf("1501 characters with MaxDescription 1500: error = %v, want ErrDescriptionTooLong", err)
	}
}

func TestProcessInvalidFocus(t *testing.T) {
	p := newProcessor(t, Options{})
	_, err := process(t, p, readTestdata(t, "mastodon/mini-static.gif"), Request{Focus: "2,0"})
	if !errors.Is(err, ErrInvalidFocus) {
		t.Errorf("focus 2,0: error = %v, want ErrInvalidFocus", err)
	}
}

func TestProcessSmallBudget(t *testing.T) {
	// 640x480 gives 554x416 with today's budget and 461x346 with the 160,000
	// px budget of Mastodon before 4.0.
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	for budget, want := range map[int][2]int{0: {554, 416}, 160_000: {461, 346}} {
		res, err := process(t, newProcessor(t, Options{SmallPixels: budget}), buf.Bytes(), Request{})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Attachment.Meta.Small; s.Width != want[0] || s.Height != want[1] {
			t.Errorf("SmallPixels %d: small %s, want %dx%d", budget, s.Size, want[0], want[1])
		}
	}
}

func TestProcessCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newProcessor(t, Options{}).Process(ctx, bytes.NewReader(readTestdata(t, "mastodon/600x400.png")), Request{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestProcessOrientation(t *testing.T) {
	// The stored image is 64x32 with red, green, blue and white quarters
	// (top-left, top-right, bottom-left, bottom-right). Each row gives the
	// corners as displayed for one EXIF orientation.
	want := map[uint16][4]string{ // top-left, top-right, bottom-left, bottom-right
		1: {"red", "green", "blue", "white"},
		2: {"green", "red", "white", "blue"},
		3: {"white", "blue", "green", "red"},
		4: {"blue", "white", "red", "green"},
		5: {"red", "blue", "green", "white"},
		6: {"blue", "red", "white", "green"},
		7: {"white", "green", "blue", "red"},
		8: {"green", "white", "red", "blue"},
	}
	named := map[string]struct{ r, g, b uint8 }{
		"red": {255, 0, 0}, "green": {0, 255, 0}, "blue": {0, 0, 255}, "white": {255, 255, 255},
	}
	stored := quadrantJPEG(t, 64, 32)
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := uint16(1); o <= 8; o++ {
			for _, tc := range []struct {
				format string
				budget int // 1000 px forces a resize of the original too
			}{{"jpeg", 0}, {"jpeg", 1000}, {"png", 0}, {"png", 1000}} {
				budget := tc.budget
				name := fmt.Sprintf("%s/%d/%v/budget%d", tc.format, o, order, budget)
				t.Run(name, func(t *testing.T) {
					data := insertAfterSOI(stored, exifSegment(o, order))
					if tc.format == "png" {
						data = quadrantPNG(t, 64, 32, o, order)
					}
					res, err := process(t, newProcessor(t, Options{OriginalPixels: budget}), data, Request{})
					if err != nil || res.Attachment.Type != TypeImage {
						t.Fatalf("error %v, type %q, cause %v", err, res.Attachment.Type, res.DecodeErr)
					}
					wantW, wantH := 64, 32
					if o >= 5 {
						wantW, wantH = 32, 64
					}
					if budget != 0 {
						wantW, wantH = FitPixels(wantW, wantH, budget)
					}
					g := res.Attachment.Meta.Original
					if g.Width != wantW || g.Height != wantH {
						t.Fatalf("meta.original = %s, want %dx%d (displayed size)", g.Size, wantW, wantH)
					}
					for _, f := range []*File{res.Original, res.Small} {
						img := decodeFile(t, f)
						b := img.Bounds()
						mx, my := max(b.Dx()/8, 1), max(b.Dy()/8, 1)
						corners := [4]image.Point{
							{b.Min.X + mx, b.Min.Y + my}, {b.Max.X - 1 - mx, b.Min.Y + my},
							{b.Min.X + mx, b.Max.Y - 1 - my}, {b.Max.X - 1 - mx, b.Max.Y - 1 - my},
						}
						for i, pt := range corners {
							n := named[want[o][i]]
							c := img.At(pt.X, pt.Y)
							if !near(c, colorRGB(n.r, n.g, n.b), 60) {
								t.Errorf("%s corner %d at %v is %v, want %s", f.Style, i, pt, c, want[o][i])
							}
						}
					}
				})
			}
		}
	}
}
