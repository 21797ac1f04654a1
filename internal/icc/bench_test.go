package icc

import "testing"

// BenchmarkExtractPNG measures inflating a 3-segment-sized profile from
// an iCCP chunk. Bytes per second count the inflated profile.
func BenchmarkExtractPNG(b *testing.B) {
	profile := paddedProfile(b, 3*MaxJPEGChunkSize)
	data, err := EmbedPNG(encodePNG(b), profile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(profile)))
	b.ReportAllocs()
	for b.Loop() {
		if Extract("png", data) == nil {
			b.Fatal("Extract returned nil")
		}
	}
}

// BenchmarkExtractJPEG measures reassembling a profile from three APP2
// segments. Bytes per second count the profile.
func BenchmarkExtractJPEG(b *testing.B) {
	profile := paddedProfile(b, 3*MaxJPEGChunkSize)
	data, err := EmbedJPEG(encodeJPEG(b), profile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(profile)))
	b.ReportAllocs()
	for b.Loop() {
		if Extract("jpeg", data) == nil {
			b.Fatal("Extract returned nil")
		}
	}
}

// BenchmarkEmbedPNG measures compressing the 580-byte fixture profile
// into an iCCP chunk. Bytes per second count the output file.
func BenchmarkEmbedPNG(b *testing.B) {
	profile := adobeProfile(b)
	in := encodePNG(b)
	b.SetBytes(int64(len(in) + len(profile)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EmbedPNG(in, profile); err != nil {
			b.Fatal(err)
		}
	}
}
