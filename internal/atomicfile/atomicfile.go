// Package atomicfile writes files so that readers see either the old
// content or the new, never a part: the data goes to a temporary file in
// the same directory, which is synced and then renamed over the target.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"

	"github.com/pkg/errors"
)

// Write writes path with fill; path's directory must exist. On any error
// the target is left as it was and no temporary file remains. Errors name
// path once, as "writing PATH: CAUSE", and never the temporary file; a path
// that is an existing directory is refused before anything is written.
func Write(path string, fill func(io.Writer) error) error {
	p, err := Create(path)
	if err != nil {
		return err
	}
	if err := fill(p.File); err != nil {
		p.Abort()
		return errors.Wrapf(withoutPath(err, p.File.Name()), "writing %s", path)
	}
	return p.Commit()
}

// Pending is a file being written in place of path: its content goes to
// File, a temporary file in path's directory, until Commit renames it over
// path or Abort removes it.
type Pending struct {
	File *os.File
	path string
}

// Create starts writing path; see Write for the rules.
func Create(path string) (*Pending, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, errors.Errorf("%s is a directory, expected a file path", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, errors.Wrapf(withoutPath(err, ""), "writing %s: creating a temporary file", path)
	}
	return &Pending{File: tmp, path: path}, nil
}

// Wrap returns err, an error of writing File, as an error of writing path:
// "writing PATH: CAUSE", without the temporary file's name (as Write's).
func (p *Pending) Wrap(err error) error {
	return errors.Wrapf(withoutPath(err, p.File.Name()), "writing %s", p.path)
}

// Commit makes the written content durable and renames it over path.
func (p *Pending) Commit() error {
	if err := finish(p.File, p.path); err != nil {
		p.Abort()
		return errors.Wrapf(withoutPath(err, p.File.Name()), "writing %s", p.path)
	}
	syncDir(filepath.Dir(p.path))
	return nil
}

// Abort removes the temporary file; path is left as it was.
func (p *Pending) Abort() {
	p.File.Close()
	os.Remove(p.File.Name())
}

// finish syncs and closes the temporary file and renames it over path.
func finish(tmp *os.File, path string) error {
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// withoutPath strips the file name from a file-system error about tmp, the
// temporary file ("" for any file), which would otherwise repeat the path
// the caller names: "write /d/.f.tmp-1: no space left on device" becomes
// "write: no space left on device". Other errors, such as those of fill
// about other files, are returned as they are.
func withoutPath(err error, tmp string) error {
	switch e := err.(type) {
	case *os.PathError:
		if tmp == "" || e.Path == tmp {
			return errors.Wrap(e.Err, e.Op)
		}
	case *os.LinkError:
		if tmp == "" || e.Old == tmp {
			return errors.Wrap(e.Err, e.Op)
		}
	}
	return err
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// syncDir makes the rename durable where the file system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
