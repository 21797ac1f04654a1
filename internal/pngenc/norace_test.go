//go:build !race

package pngenc

// raceEnabled is true under the race detector, which slows the encoder
// about tenfold.
const raceEnabled = false
