package media

import (
	"fmt"

	"github.com/fedimedia/media/internal/exif"
)

// Meta is the "meta" object of an attachment. Keys appear in this order;
// absent parts are left out of the JSON.
type Meta struct {
	Focus    *Focus    `json:"focus,omitempty"`
	Original *Geometry `json:"original,omitempty"`
	Small    *Geometry `json:"small,omitempty"`
}

// Geometry describes one stored variant of an image: its width and height in
// pixels, the same as "WxH", and width divided by height.
type Geometry struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

// NewGeometry returns the Geometry of a w x h image. A zero height gives an
// aspect of 0.
func NewGeometry(w, h int) *Geometry {
	g := &Geometry{Width: w, Height: h, Size: fmt.Sprintf("%dx%d", w, h)}
	if h != 0 {
		g.Aspect = float64(w) / float64(h)
	}
	return g
}

// readOrientation returns the EXIF orientation (TIFF tag 0x0112, 1 to 8) of
// an image file, or 0 when it has none or its EXIF block is damaged. A
// damaged block is not an error, so it cannot fail an upload.
func readOrientation(mime string, data []byte) int {
	format := formatName(mime)
	if format == "" {
		return 0
	}
	return exif.Orientation(format, data)
}
