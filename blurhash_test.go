package media

import (
	"image"
	"testing"
)

func TestBlurhashGemVector(t *testing.T) {
	// The blurhash gem's own test vector: 204x204 raw RGB bytes, encoded with
	// 4x3 components.
	raw := readTestdata(t, "mastodon/blurhash-test.bin")
	if len(raw) != 204*204*3 {
		t.Fatalf("vector has %d bytes, want %d", len(raw), 204*204*3)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 204, 204))
	for i := 0; i < 204*204; i++ {
		copy(img.Pix[i*4:], raw[i*3:i*3+3])
		img.Pix[i*4+3] = 0xff
	}
	got, err := encodeBlurhash(img, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := "LFE.@D9F01_2%L%MIVD*9Goe-;WB"; got != want {
		t.Errorf("blurhash = %q, want %q", got, want)
	}
}

func TestBlurhashIgnoresAlpha(t *testing.T) {
	// A half-transparent red image hashes like an opaque red one, because
	// alpha is dropped rather than multiplied in.
	solid := image.NewRGBA(image.Rect(0, 0, 8, 8))
	faded := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < len(solid.Pix); i += 4 {
		copy(solid.Pix[i:], []byte{255, 0, 0, 255})
		copy(faded.Pix[i:], []byte{128, 0, 0, 128}) // premultiplied red at alpha 128
	}
	a, err1 := computeBlurhash(picture{rgba: solid})
	b, err2 := computeBlurhash(picture{rgba: faded})
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("opaque red %q (%v), half-transparent red %q (%v): want equal hashes", a, err1, b, err2)
	}
}

func TestBlurhashNonZeroOrigin(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	sub := img.SubImage(image.Rect(10, 10, 40, 30)).(*image.RGBA)
	moved := image.NewRGBA(image.Rect(0, 0, 30, 20))
	for y := 0; y < 20; y++ {
		copy(moved.Pix[y*moved.Stride:], sub.Pix[y*sub.Stride:y*sub.Stride+30*4])
	}
	a, _ := computeBlurhash(newPicture(sub))
	b, _ := computeBlurhash(newPicture(moved))
	if a != b {
		t.Errorf("sub-image at (10,10) hashes %q, the same pixels at the origin %q", a, b)
	}
}
