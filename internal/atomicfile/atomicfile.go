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
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return errors.Errorf("%s is a directory, expected a file path", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return errors.Wrapf(withoutPath(err, ""), "writing %s: creating a temporary file", path)
	}
	if err := fillAndRename(tmp, path, fill); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return errors.Wrapf(withoutPath(err, tmp.Name()), "writing %s", path)
	}
	syncDir(dir)
	return nil
}

// fillAndRename writes the temporary file, makes it durable and renames it
// over path.
func fillAndRename(tmp *os.File, path string, fill func(io.Writer) error) error {
	if err := fill(tmp); err != nil {
		return err
	}
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
