package strip

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"testing"
)

// encodeGIF returns a two-frame looping animation from image/gif: header,
// global colour table, NETSCAPE2.0 extension, and per frame a graphic
// control extension and an image, then the trailer.
func encodeGIF(t testing.TB) []byte {
	t.Helper()
	palette := color.Palette{
		color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255},
		color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255},
	}
	anim := &gif.GIF{LoopCount: 0}
	for frame := 0; frame < 2; frame++ {
		img := image.NewPaletted(image.Rect(0, 0, 13, 9), palette)
		for i := range img.Pix {
			img.Pix[i] = uint8((i*(frame+1) + i/13) % len(palette))
		}
		anim.Image = append(anim.Image, img)
		anim.Delay = append(anim.Delay, 10*(frame+1))
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gifExtensionBlock returns an extension: introducer, label, sub-blocks.
func gifExtensionBlock(label byte, payload []byte) []byte {
	return append([]byte{0x21, label}, gifSubBlocks(payload)...)
}

// gifApplicationBlock returns an application extension with an 11-byte
// identifier block followed by data sub-blocks.
func gifApplicationBlock(id string, data []byte) []byte {
	b := append([]byte{0x21, 0xFF, 11}, id...)
	return append(b, gifSubBlocks(data)...)
}

// gifPlainTextBlock returns a plain text extension: a 12-byte block with
// the text grid and colours, then the text as sub-blocks.
func gifPlainTextBlock(text string) []byte {
	b := []byte{0x21, 0x01, 12, 0, 0, 0, 0, 13, 0, 9, 0, 8, 8, 1, 0}
	return append(b, gifSubBlocks([]byte(text))...)
}

func TestGIFSplicedMetadata(t *testing.T) {
	encoded := encodeGIF(t)
	blocks, _ := walkGIF(t, encoded)
	if len(blocks) != 6 || blocks[0].appID != "NETSCAPE2.0" || blocks[3].label != 0xF9 {
		t.Fatalf("encoder output has blocks %+v, expected NETSCAPE2.0, then GCE and image twice, then trailer", blocks)
	}

	comment := gifExtensionBlock(0xFE, []byte("taken at home"))
	xmp := gifApplicationBlock("XMP DataXMP", bytes.Repeat([]byte("<x:xmpmeta/>"), 30))
	icc := gifApplicationBlock("ICCRGBG1012", []byte("profile"))
	animExts := gifApplicationBlock("ANIMEXTS1.0", []byte{1, 0, 0})
	plainText := gifPlainTextBlock("hi")
	unknownApp := gifApplicationBlock("FOOBARAP1.0", []byte("vendor data"))
	emptyComment := []byte{0x21, 0xFE, 0x00}

	// Splice from the end so the earlier offsets stay valid.
	input := append(append([]byte(nil), encoded...), "trailing data after the trailer"...)
	input = splice(input, blocks[5].offset, comment)
	input = splice(input, blocks[3].offset, unknownApp, emptyComment)
	input = splice(input, blocks[0].offset, comment, xmp, animExts, icc, plainText)

	out := mustStrip(t, "gif", input)

	want := splice(encoded, blocks[0].offset, animExts, plainText)
	if !bytes.Equal(out, want) {
		t.Errorf("output is %d bytes, expected the %d-byte encoder output with only ANIMEXTS1.0 and the plain text extension added",
			len(out), len(want))
	}
	checkStripped(t, "gif", input, out)
	checkSamePixels(t, "gif", input, out)
}

func TestGIFLocalColorTable(t *testing.T) {
	// mini-static.gif has a local colour table; splice a comment before it.
	fixture := readFixture(t, "mastodon/mini-static.gif")
	blocks, _ := walkGIF(t, fixture)
	input := splice(fixture, blocks[len(blocks)-1].offset, gifExtensionBlock(0xFE, []byte("x")))
	out := mustStrip(t, "gif", input)
	checkStripped(t, "gif", input, out)
	checkSamePixels(t, "gif", input, out)
}

func TestGIFHostile(t *testing.T) {
	encoded := encodeGIF(t)
	blocks, _ := walkGIF(t, encoded)
	imageOffset := blocks[2].offset

	tests := []struct {
		name  string
		input []byte
		// valid inputs must strip to the encoder output
		valid bool
	}{
		{"empty", nil, false},
		{"not GIF", []byte("GIF90a\x01\x00\x01\x00\x00\x00\x00;"), false},
		{"header only", encoded[:13], false},
		{"cut in colour table", encoded[:20], false},
		{"cut in image descriptor", encoded[:imageOffset+5], false},
		{"cut in LZW data", encoded[:imageOffset+14], false},
		{"cut in extension", encoded[:blocks[1].offset+3], false},
		{"extension without label", encoded[:blocks[1].offset+1], false},
		{"missing trailer", encoded[:len(encoded)-1], false},
		{"unknown introducer", splice(encoded, imageOffset, []byte{0x2D}), false},
		{"sub-block past end", splice(encoded[:len(encoded)-1], len(encoded)-1, []byte{0x21, 0xFE, 200, 'a'}), false},
		{"trailing data", append(append([]byte(nil), encoded...), encoded...), true},
		{"empty comment", splice(encoded, imageOffset, []byte{0x21, 0xFE, 0x00}), true},
		{"short application block", splice(encoded, imageOffset, []byte{0x21, 0xFF, 3, 'a', 'b', 'c', 0}), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkHostileStrip(t, GIF, tc.input, tc.valid, encoded)
		})
	}
}
