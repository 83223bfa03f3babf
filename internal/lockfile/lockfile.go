package lockfile

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/pkg/errors"
)

// Lock is a held lock; Release gives it back.
type Lock struct {
	f *os.File
}

// Holder is what the holder of a lock records in the file.
type Holder struct {
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// HeldError is the error of Acquire when another open file holds the
// lock, in this process or another.
type HeldError struct {
	File   string
	Holder Holder // zero when the holder has not recorded itself yet
}

func (e *HeldError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("another process holds the lock file %s (it has not recorded its host and PID yet)", e.File)
	}
	return fmt.Sprintf("process %d on host %s holds the lock file %s (since %s)",
		e.Holder.PID, e.Holder.Host, e.File, e.Holder.Since.Format(time.RFC3339))
}

// Acquire creates path if needed and locks it without waiting: when the
// lock is held, it returns a *HeldError naming the holder. The file stays
// after Release (removing it would let two processes lock two files of the
// same name); an empty file means that no holder is recorded.
func Acquire(path string) (*Lock, error) {
	// The holder rewrites the file: refuse a link to some other file.
	if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
		return nil, errors.Errorf("lock file %s is a %s, expected a regular file (remove it)", path, kind(info.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, errors.Wrap(err, "opening the lock file")
	}
	held, err := tryLock(f)
	if err != nil || held {
		f.Close()
		if err != nil {
			return nil, errors.Wrapf(err, "locking %s", path)
		}
		return nil, &HeldError{File: path, Holder: readHolder(path)}
	}
	l := &Lock{f: f}
	if err := l.record(); err != nil {
		l.Release()
		return nil, errors.Wrapf(err, "writing %s", path)
	}
	return l, nil
}

// kind names the type of a file that is not regular.
func kind(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}

// record writes this process's host and PID into the file.
func (l *Lock) record() error {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	b, err := json.Marshal(Holder{Host: host, PID: os.Getpid(), Since: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err = l.f.WriteAt(append(b, '\n'), 0)
	return err
}

// readHolder reads the holder a lock file records; the zero Holder when it
// records none (yet) or cannot be read.
func readHolder(path string) Holder {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &h) != nil {
		return Holder{}
	}
	return h
}

// Release clears the record and gives the lock back. It may be called more
// than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	trunc := f.Truncate(0)
	unlock := unlock(f)
	if err := f.Close(); err != nil {
		return errors.Wrapf(err, "closing %s", f.Name())
	}
	if unlock != nil {
		return errors.Wrapf(unlock, "unlocking %s", f.Name())
	}
	return errors.Wrapf(trunc, "clearing %s", f.Name())
}
