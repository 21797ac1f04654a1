package media

import (
	"math"
	"strconv"
	"strings"
)

// Focus is the focal point of an image, in the coordinates Mastodon clients
// use: x from -1 (left edge) to 1 (right edge), y from -1 (bottom) to 1
// (top), (0, 0) at the centre.
type Focus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// ParseFocus parses the "x,y" form of a focal point. An empty string means
// no focus and returns nil and no error. Anything else must be exactly two
// finite decimal numbers in [-1, 1] separated by one comma; spaces around
// each number are allowed. Every other input returns a *FocusError.
//
// Mastodon itself is lenient here: garbage reads as 0, and it checks no
// range. This library rejects such values so that a client learns of its
// mistake.
func ParseFocus(s string) (*Focus, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return nil, &FocusError{Value: s, Reason: "want two numbers separated by a comma, as in \"0.5,-0.25\""}
	}
	var xy [2]float64
	for i, part := range parts {
		v, err := parseFocusNumber(strings.TrimSpace(part))
		if err != nil {
			return nil, &FocusError{Value: s, Reason: err.Error()}
		}
		xy[i] = v
	}
	return &Focus{X: xy[0], Y: xy[1]}, nil
}

type focusNumberError string

func (e focusNumberError) Error() string { return string(e) }

func parseFocusNumber(s string) (float64, error) {
	if s == "" {
		return 0, focusNumberError("a coordinate is missing")
	}
	// strconv accepts forms such as "Inf", "NaN", "0x1p-2" and "1_0" in some
	// cases; a focus is a plain decimal number, so check the characters first.
	for _, c := range s {
		if !strings.ContainsRune("0123456789+-.eE", c) {
			return 0, focusNumberError(strconv.Quote(s) + " is not a decimal number")
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, focusNumberError(strconv.Quote(s) + " is not a finite decimal number")
	}
	if v < -1 || v > 1 {
		return 0, focusNumberError(strconv.Quote(s) + " is outside the range -1 to 1")
	}
	return v, nil
}

// String formats f as "x,y", the form ParseFocus reads.
func (f *Focus) String() string {
	return strconv.FormatFloat(f.X, 'g', -1, 64) + "," + strconv.FormatFloat(f.Y, 'g', -1, 64)
}
