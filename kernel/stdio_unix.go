//go:build unix

package kernel

import (
	"os"
	"runtime/debug"

	"github.com/pkg/errors"
	"golang.org/x/sys/unix"
)

// redirectStdio points file descriptors 1 and 2 at stdout and stderr, so
// that everything the process prints (compiled code, C libraries, the log
// package) reaches the front end. It returns a file on the original stderr
// for the kernel's own log, where a crash report also goes, and a function
// that undoes the redirection.
func redirectStdio(stdout, stderr *os.File) (*os.File, func(), error) {
	origOut, err := unix.Dup(1)
	if err != nil {
		return nil, nil, errors.Wrap(err, "saving stdout")
	}
	origErr, err := unix.Dup(2)
	if err != nil {
		unix.Close(origOut)
		return nil, nil, errors.Wrap(err, "saving stderr")
	}
	if err := unix.Dup2(int(stdout.Fd()), 1); err != nil {
		return nil, nil, errors.Wrap(err, "redirecting stdout")
	}
	if err := unix.Dup2(int(stderr.Fd()), 2); err != nil {
		unix.Dup2(origOut, 1)
		return nil, nil, errors.Wrap(err, "redirecting stderr")
	}
	log := os.NewFile(uintptr(origErr), "/dev/stderr (kernel log)")
	// A fatal error or an unrecovered panic in another goroutine ends the
	// process; its report goes to the kernel log, not into the pipe that
	// dies with it.
	if err := debug.SetCrashOutput(log, debug.CrashOptions{}); err != nil {
		return nil, nil, errors.Wrap(err, "setting the crash output")
	}
	restore := func() {
		unix.Dup2(origOut, 1)
		unix.Dup2(origErr, 2)
	}
	return log, restore, nil
}
