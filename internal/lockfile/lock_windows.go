//go:build windows

package lockfile

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockedRange is the byte the lock covers: one far past the holder's record,
// since Windows locks are mandatory and would keep the refused processes
// from reading the record.
var lockedRange = windows.Overlapped{OffsetHigh: 0x7fffffff}

// locks reports that Acquire keeps other open files out.
const locks = true

// tryLock takes an exclusive LockFileEx lock on f without waiting; held
// reports that another handle holds it.
func tryLock(f *os.File) (held bool, err error) {
	ol := lockedRange
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if err == windows.ERROR_LOCK_VIOLATION {
		return true, nil
	}
	return false, err
}

// unlock releases the lock (closing f would too, eventually).
func unlock(f *os.File) error {
	ol := lockedRange
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}
