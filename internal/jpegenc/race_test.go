//go:build race

package jpegenc

// raceEnabled reports that the race detector is on, which makes the large
// tests too slow to run.
const raceEnabled = true
