//go:build unix

package jpegenc

import (
	"syscall"
	"time"
)

// processCPUTime returns the user plus system CPU time of the process, and
// false if the system call fails.
func processCPUTime() (time.Duration, bool) {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0, false
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()), true
}
