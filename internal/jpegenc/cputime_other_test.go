//go:build !unix

package jpegenc

import "time"

// processCPUTime returns false because this system has no getrusage, so
// benchmarks report no CPU time.
func processCPUTime() (time.Duration, bool) {
	return 0, false
}
