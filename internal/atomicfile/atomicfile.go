package atomicfile

import (
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
	// mode is the replaced file's permission bits, which Commit gives the
	// new content; keepMode is false for a new file.
	mode     os.FileMode
	keepMode bool
}

// Create starts writing path; see Write for the rules.
func Create(path string) (*Pending, error) {
	p := &Pending{path: path, mode: 0o666}
	if info, err := os.Stat(path); err == nil {
		if info.IsDir() {
			return nil, errors.Errorf("%s is a directory, expected a file path", path)
		}
		p.mode, p.keepMode = info.Mode().Perm(), true
	}
	tmp, err := createTemp(path, p.mode)
	if err != nil {
		return nil, errors.Wrapf(withoutPath(err, ""), "writing %s: creating a temporary file", path)
	}
	p.File = tmp
	return p, nil
}

// createTemp creates path's temporary file with the permission bits perm
// less the umask: those of the file it replaces, or 0666 for a new file.
//
// The umask is left to open(2) rather than read: a process can only read
// its umask by setting it (syscall.Umask), which for a moment changes the
// mode of every file the other goroutines create, and would miss a default
// ACL of the directory, which open(2) also applies. So a new file gets
// exactly the mode os.Create would give it, and a temporary file is never
// readable by more users than the file it replaces (Commit then restores
// the bits the umask removed).
func createTemp(path string, perm os.FileMode) (*os.File, error) {
	dir, prefix := tempPrefix(path)
	for range 10000 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !os.IsExist(err) {
			return f, err
		}
	}
	return nil, errors.Errorf("no unused temporary file name .%s.tmp-N in %s", filepath.Base(path), dir)
}

// tempPrefix is the directory of path's temporary files and the start of
// their names, which a decimal number ends.
func tempPrefix(path string) (dir, prefix string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	return dir, "." + base + ".tmp-"
}

// Wrap returns err, an error of writing File, as an error of writing path:
// "writing PATH: CAUSE", without the temporary file's name (as Write's).
func (p *Pending) Wrap(err error) error {
	return errors.Wrapf(withoutPath(err, p.File.Name()), "writing %s", p.path)
}

// Commit makes the written content durable and renames it over path.
func (p *Pending) Commit() error {
	if err := p.finish(); err != nil {
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

// finish gives the temporary file the replaced file's mode, syncs and
// closes it and renames it over path.
func (p *Pending) finish() error {
	tmp := p.File
	if p.keepMode {
		if err := tmp.Chmod(p.mode); err != nil {
			return err
		}
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p.path)
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

// RemoveTemps removes the temporary files that writes of path left in its
// directory when their process was killed, and returns their names. Only
// regular files named as Create names them (.BASE.tmp-N) are removed, so
// the caller must know that no write of path is under way, for example by
// holding a lock on the directory.
func RemoveTemps(path string) ([]string, error) {
	dir, prefix := tempPrefix(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, errors.Wrapf(err, "looking for temporary files of %s", path)
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTemp(e.Name(), prefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
			return removed, errors.Wrapf(err, "removing a temporary file of %s", path)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}

// isTemp reports whether name is prefix followed by a decimal number.
func isTemp(name, prefix string) bool {
	n, ok := strings.CutPrefix(name, prefix)
	if !ok || n == "" {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
