package media

import (
	"bytes"
	"compress/lzw"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fedimedia/media/internal/icc"
)

// pngChunk returns one PNG chunk with a correct CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngHeaderOnly returns a PNG signature, an IHDR declaring w x h (8-bit RGB)
// and IEND, with no pixel data.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	return append(out, pngChunk("IEND", nil)...)
}

// gifFile builds a GIF89a with a global palette of paletteSize grey entries
// and one frame at rect whose pixels are the given palette indices,
// followed by extra bytes inside the frame's data sub-blocks.
func gifFile(t testing.TB, screenW, screenH uint16, paletteSize int, rect image.Rectangle, pixels []byte, extra []byte) []byte {
	t.Helper()
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, screenW)
	out = binary.LittleEndian.AppendUint16(out, screenH)
	bits := 0
	for 2<<bits < paletteSize {
		bits++
	}
	out = append(out, 0x80|byte(bits), 0, 0) // global colour table of 2^(bits+1) entries
	for i := 0; i < 2<<bits; i++ {
		v := byte(i * 255 / max(paletteSize-1, 1))
		out = append(out, v, v, v)
	}
	out = append(out, ',')
	for _, v := range []int{rect.Min.X, rect.Min.Y, rect.Dx(), rect.Dy()} {
		out = binary.LittleEndian.AppendUint16(out, uint16(v))
	}
	out = append(out, 0) // no local colour table, not interlaced
	const litWidth = 4
	var data bytes.Buffer
	w := lzw.NewWriter(&data, lzw.LSB, litWidth)
	if _, err := w.Write(pixels); err != nil {
		t.Fatal(err)
	}
	w.Close()
	payload := append(data.Bytes(), extra...)
	out = append(out, litWidth)
	for len(payload) > 0 {
		n := min(len(payload), 255)
		out = append(out, byte(n))
		out = append(out, payload[:n]...)
		payload = payload[n:]
	}
	return append(out, 0, ';')
}

// jpegWithSize returns a JPEG file whose SOF0 declares w x h. Its entropy
// data is copied from a real 600x400 file, so only the header is usable.
func jpegWithSize(t testing.TB, w, h uint16) []byte {
	data := append([]byte(nil), readTestdata(t, "mastodon/attachment.jpg")...)
	for i := 2; i+9 < len(data); i++ {
		if data[i] == 0xff && (data[i+1] == 0xc0 || data[i+1] == 0xc2) {
			binary.BigEndian.PutUint16(data[i+5:], h)
			binary.BigEndian.PutUint16(data[i+7:], w)
			return data
		}
	}
	t.Fatal("no SOF marker in attachment.jpg")
	return nil
}

// webpVP8XWithSize returns a WebP file of a VP8X chunk declaring w x h and
// nothing else.
func webpVP8XWithSize(w, h uint32) []byte {
	vp8x := []byte{0, 0, 0, 0}
	for _, v := range []uint32{w - 1, h - 1} {
		vp8x = append(vp8x, byte(v), byte(v>>8), byte(v>>16))
	}
	body := []byte("WEBPVP8X")
	body = binary.LittleEndian.AppendUint32(body, uint32(len(vp8x)))
	body = append(body, vp8x...)
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

func png16(t testing.TB) []byte {
	img := image.NewNRGBA64(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			img.SetNRGBA64(x, y, color.NRGBA64{R: uint16(x * 1600), G: uint16(y * 2100), B: 0x8000, A: 0xffff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProcessHostileInputs(t *testing.T) {
	pixels4x4 := bytes.Repeat([]byte{0, 1, 1, 0}, 4)
	pngData := readTestdata(t, "mastodon/600x400.png")
	brokenText := pngChunk("tEXt", []byte("Comment\x00hello"))
	brokenText[len(brokenText)-1] ^= 0xff // break the CRC of an optional chunk
	withBrokenText := append(append(append([]byte(nil), pngData[:33]...), brokenText...), pngData[33:]...)

	type outcome string
	const (
		isImage   outcome = "image"
		isUnknown outcome = "unknown"
	)
	tests := []struct {
		name    string
		data    []byte
		want    outcome // isImage, isUnknown, or empty when wantErr is set
		wantErr error
	}{
		{"1x1 png", readTestdata(t, "gotosocial/test-png-alphachannel-1x1px.png"), isImage, nil},
		{"1x1 jpeg", readTestdata(t, "gotosocial/test-jpeg-1x1px-white.jpg"), isImage, nil},
		{"zero-height png header", pngHeaderOnly(10, 0), isUnknown, nil},
		{"zero-width png header", pngHeaderOnly(0, 10), isUnknown, nil},
		{"png header without pixels", pngHeaderOnly(10, 10), isUnknown, nil},
		{"shorter than the png signature", []byte("\x89PNG"), "", ErrUnsupportedType},
		{"jpeg signature only", []byte{0xff, 0xd8, 0xff}, isUnknown, nil},
		{"gif signature only", []byte("GIF89a"), isUnknown, nil},
		{"riff webp header only", []byte("RIFF\x04\x00\x00\x00WEBP"), "", ErrUnsupportedType}, // too short to sniff
		{"png with broken crc in a text chunk", withBrokenText, isImage, nil},
		{"gif palette index out of range", gifFile(t, 4, 4, 2, image.Rect(0, 0, 4, 4), bytes.Repeat([]byte{3}, 16), nil), isUnknown, nil},
		{"gif frame outside the screen", gifFile(t, 8, 8, 2, image.Rect(6, 6, 10, 10), pixels4x4, nil), isUnknown, nil},
		{"gif frame inside the screen", gifFile(t, 8, 8, 2, image.Rect(2, 2, 6, 6), pixels4x4, nil), isImage, nil},
		{"gif trailing data after lzw", gifFile(t, 4, 4, 2, image.Rect(0, 0, 4, 4), pixels4x4, []byte{1, 2, 3, 4, 5}), isImage, nil},
		{"16-bit png", png16(t), isImage, nil},
		{"png declaring 40000x40000", pngHeaderOnly(40000, 40000), "", ErrDimensions},
		{"png declaring 16000x16000", pngHeaderOnly(16000, 16000), "", ErrDimensions},
		{"png declaring 2^31 wide", pngHeaderOnly(1<<31-1, 1), "", ErrDimensions},
		{"jpeg declaring 60000x60000", jpegWithSize(t, 60000, 60000), "", ErrDimensions},
		{"jpeg declaring 0x0", jpegWithSize(t, 0, 0), isUnknown, nil},
		{"gif declaring 65535x65535", gifFile(t, 65535, 65535, 2, image.Rect(0, 0, 4, 4), pixels4x4, nil), "", ErrDimensions},
		{"gif declaring 1281x720", gifFile(t, 1281, 720, 2, image.Rect(0, 0, 4, 4), pixels4x4, nil), "", ErrDimensions},
		{"webp declaring 16384x16384", webpVP8XWithSize(16384, 16384), "", ErrDimensions},
	}
	p := newProcessor(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := process(t, p, tt.data, Request{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v, want a result of type %s", err, tt.want)
			}
			if got := outcome(res.Attachment.Type); got != tt.want {
				t.Fatalf("type = %s (cause: %v), want %s", got, res.DecodeErr, tt.want)
			}
			if tt.want == isImage {
				for _, f := range []*File{res.Original, res.Small} {
					decodeFile(t, f)
				}
			}
		})
	}
}

// meanDifference returns the mean absolute difference per RGB channel
// between two images of the same size.
func meanDifference(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	var sum, n float64
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				sum += float64(max(d, -d))
				n++
			}
		}
	}
	return sum / n
}

func TestProcessColourModels(t *testing.T) {
	// Each file shows the pixels of reference.png in another encoding; see
	// testdata/hostile/generate.sh. The bound allows for lossy coding and,
	// for CMYK, libvips' profile conversion, but fails for an inverted or
	// black image (mean difference about 100 or more).
	ref, err := png.Decode(bytes.NewReader(readTestdata(t, "hostile/reference.png")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file  string
		bound float64
		grey  bool
	}{
		{"cmyk.jpg", 20, false},
		{"ycck.jpg", 20, false},
		{"sample-444.jpg", 6, false},
		{"sample-422.jpg", 6, false},
		{"sample-440.jpg", 6, false},
		{"sample-411.jpg", 6, false},
		{"sample-32.jpg", 6, false},
		{"progressive-restart.jpg", 6, false},
		{"interlaced.png", 0, false},
		{"gray.jpg", 6, true},
	}
	p := newProcessor(t, Options{})
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := process(t, p, readTestdata(t, "hostile/"+tt.file), Request{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Attachment.Type != TypeImage {
				t.Fatalf("type = %s (cause: %v), want image", res.Attachment.Type, res.DecodeErr)
			}
			got := decodeFile(t, res.Original)
			want := ref
			if tt.grey {
				want = greyOf(ref)
			}
			if d := meanDifference(got, want); d > tt.bound {
				t.Errorf("mean difference from the reference pixels = %.2f per channel, want at most %.0f", d, tt.bound)
			}
		})
	}
}

func greyOf(img image.Image) image.Image {
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

func TestEncodeJPEGFlattensTransparencyOnWhite(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16)) // fully transparent
	data, err := picture{rgba: img}.encode("jpeg", 90)
	if err != nil {
		t.Fatal(err)
	}
	out := decodeFile(t, &File{Style: "test", Ext: "jpeg", ContentType: "image/jpeg", Width: 16, Height: 16, Data: data})
	if c := out.At(8, 8); !near(c, colorRGB(255, 255, 255), 2) {
		t.Errorf("transparent pixel encoded as %v, want white", c)
	}
}

func TestProcessBombAllocatesLittle(t *testing.T) {
	p := newProcessor(t, Options{})
	bombs := map[string][]byte{
		"png 40000x40000":  pngHeaderOnly(40000, 40000),
		"png 10000x10000":  pngHeaderOnly(10000, 10000),
		"jpeg 16000x16000": jpegWithSize(t, 16000, 16000),
		"gif 16000x16000":  gifFile(t, 16000, 16000, 2, image.Rect(0, 0, 4, 4), bytes.Repeat([]byte{0, 1, 1, 0}, 4), nil),
		"webp 16000x16000": webpVP8XWithSize(16000, 16000),
	}
	for name, data := range bombs {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := process(t, p, data, Request{})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrDimensions) {
				t.Fatalf("error = %v, want ErrDimensions", err)
			}
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
				t.Errorf("rejecting a %d-byte file allocated %d bytes, want under 1 MiB", len(data), allocated)
			}
		})
	}
}

func TestProcessConcurrent(t *testing.T) {
	p := newProcessor(t, Options{})
	files := []string{
		"mastodon/600x400.jpeg", "mastodon/600x400.png", "mastodon/600x400.webp",
		"mastodon/avatar.gif", "mastodon/monochrome.png", "gotosocial/dollar-original.jpeg",
	}
	want := make(map[string]string)
	for _, f := range files {
		res, err := process(t, p, readTestdata(t, f), Request{})
		if err != nil {
			t.Fatal(err)
		}
		want[f] = res.Attachment.Blurhash
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(files))
	for i := 0; i < 4; i++ {
		for _, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := p.Process(context.Background(), bytes.NewReader(readTestdata(t, f)), Request{Description: f})
				switch {
				case err != nil:
					errs <- fmt.Errorf("%s: %v", f, err)
				case res.Attachment.Blurhash != want[f] || res.Attachment.Description != f:
					errs <- fmt.Errorf("%s: concurrent run gave blurhash %q and description %q, want %q and %q",
						f, res.Attachment.Blurhash, res.Attachment.Description, want[f], f)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzProcess feeds arbitrary bytes to Process. Whatever the input, the
// outcome must be a consistent result or an error, never a panic.
func FuzzProcess(f *testing.F) {
	for _, dir := range []string{"testdata/mastodon", "testdata/hostile", "testdata/gotosocial"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Size() < 40_000 {
				if data, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
					f.Add(data)
				}
			}
		}
	}
	// Small budgets keep each run short, so the fuzzer explores more inputs.
	p, err := New(Options{MaxImagePixels: 1 << 20, MaxGIFPixels: 1 << 18, OriginalPixels: 1 << 16, SmallPixels: 1 << 12})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		type outcome struct {
			res *Result
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := p.Process(context.Background(), bytes.NewReader(data), Request{})
			done <- outcome{res, err}
		}()
		var out outcome
		select {
		case out = <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("Process has not returned after 20 s on a %d-byte input: a hang", len(data))
		}
		res, err := out.res, out.err
		if err != nil {
			return
		}
		switch res.Attachment.Type {
		case TypeImage:
			if res.Original == nil || res.Small == nil || res.DecodeErr != nil {
				t.Fatalf("image result without files or with a cause: %+v", res)
			}
			if g := res.Attachment.Meta.Small; g.Width != res.Small.Width || g.Height != res.Small.Height {
				t.Fatalf("meta.small %s does not match the small file %dx%d", g.Size, res.Small.Width, res.Small.Height)
			}
		case TypeUnknown:
			if res.DecodeErr == nil || res.Original != nil {
				t.Fatalf("unknown result without a cause or with files: %+v", res)
			}
		default:
			t.Fatalf("unexpected type %q", res.Attachment.Type)
		}
	})
}

func TestProcessKeepsICCProfile(t *testing.T) {
	// Each file carries a 580-byte Adobe RGB compatible profile. A budget of
	// 100 px forces the 24x16 image to be re-encoded, and the profile must
	// follow into both variants. Within the budget the kept bytes carry it.
	for _, file := range []string{"icc/vips-adobergb.jpg", "icc/vips-adobergb.png", "icc/vips-adobergb.webp"} {
		data := readTestdata(t, file)
		format := formatName(Sniff(data))
		want := icc.Extract(format, data)
		if len(want) != 580 {
			t.Fatalf("%s: test file carries a %d-byte profile, want 580", file, len(want))
		}
		for _, budget := range []int{0, 100} {
			res, err := process(t, newProcessor(t, Options{OriginalPixels: budget}), data, Request{})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for _, f := range []*File{res.Original, res.Small} {
				if got := icc.Extract(f.Ext, f.Data); !bytes.Equal(got, want) {
					t.Errorf("%s, budget %d: %s %s file has a %d-byte profile, want the upload's", file, budget, f.Style, f.Ext, len(got))
				}
			}
		}
	}
}
