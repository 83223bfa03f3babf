package regular

import (
	"os"

	"github.com/pkg/errors"
)

// Open opens path for reading and returns it with its size. It refuses
// anything but a regular file (after following symbolic links). Errors
// from the os package already name the file.
func Open(path string) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, errors.Errorf("%s: not a regular file (mode %v)", path, fi.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	return f, fi.Size(), nil
}
