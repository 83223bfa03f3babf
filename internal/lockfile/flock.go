//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package lockfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// locks reports that Acquire keeps other open files out.
const locks = true

// tryLock takes an exclusive flock(2) on f without waiting; held reports
// that another open file holds it.
func tryLock(f *os.File) (held bool, err error) {
	err = control(f, func(fd int) error {
		for {
			err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
			if err != unix.EINTR {
				return err
			}
		}
	})
	if err == unix.EWOULDBLOCK {
		return true, nil
	}
	return false, err
}

// unlock releases the flock (closing f would too).
func unlock(f *os.File) error {
	return control(f, func(fd int) error { return unix.Flock(fd, unix.LOCK_UN) })
}

// control runs op on f's descriptor without taking it out of Go's poller
// (as f.Fd would).
func control(f *os.File, op func(fd int) error) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := raw.Control(func(fd uintptr) { opErr = op(int(fd)) }); err != nil {
		return err
	}
	return opErr
}
