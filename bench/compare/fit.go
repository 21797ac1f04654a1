package main

import "math"

// fitPixels returns the size of a w x h image fitted to a budget of P pixels
// by Mastodon's rule. When w*h exceeds P, the box is
// round(sqrt(P*w/h)) x round(sqrt(P*h/w)), and the image is scaled down to
// fit inside it keeping its aspect ratio. Images within the budget keep
// their size.
func fitPixels(w, h, budget int) (int, int) {
	if w <= 0 || h <= 0 || budget <= 0 || w*h <= budget {
		return w, h
	}
	boxW, boxH := pixelBox(w, h, budget)
	return fitInside(w, h, boxW, boxH, false)
}

// pixelBox returns Mastodon's box for a w x h image and a budget of pixels,
// both sides at least 1. The caller checks that w*h exceeds the budget.
func pixelBox(w, h, budget int) (int, int) {
	boxW := int(math.Round(math.Sqrt(float64(budget) * float64(w) / float64(h))))
	boxH := int(math.Round(math.Sqrt(float64(budget) * float64(h) / float64(w))))
	return max(boxW, 1), max(boxH, 1)
}

// fitInside scales w x h to fit inside boxW x boxH keeping the aspect ratio.
// The binding side takes the box's size and the other side is rounded half
// up, in integer arithmetic so that half-way cases are exact. With upscale
// false an image already inside the box keeps its size.
func fitInside(w, h, boxW, boxH int, upscale bool) (int, int) {
	if !upscale && w <= boxW && h <= boxH {
		return w, h
	}
	var outW, outH int
	if int64(w)*int64(boxH) >= int64(h)*int64(boxW) {
		outW = boxW
		outH = int((2*int64(h)*int64(boxW) + int64(w)) / (2 * int64(w)))
	} else {
		outH = boxH
		outW = int((2*int64(w)*int64(boxH) + int64(h)) / (2 * int64(h)))
	}
	return max(outW, 1), max(outH, 1)
}
