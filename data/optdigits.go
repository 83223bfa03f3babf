package data

import (
	"bufio"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/regular"
)

// ReadOptdigits reads scikit-learn's digits.csv.gz (the UCI optdigits
// format, also read gzipped or not): one image per line, 64 comma-separated
// integers 0..16 (8×8, row-major) followed by the label 0..9. Pixels are
// divided by 16; the result has C = 1, H = W = 8 and Classes = 10. Blank
// lines are skipped.
func ReadOptdigits(path string) (*Dataset, error) {
	f, _, err := regular.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading optdigits")
	}
	defer f.Close()
	r, gzipped, err := contents(path, f)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Name: filepath.Base(path), C: 1, H: 8, W: 8, Labels: []int{}, Classes: 10}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if err := d.appendOptdigitsRow(text); err != nil {
			return nil, errors.Wrapf(err, "%s:%d", path, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errors.Wrapf(err, "%s: %s", path, readVerb(gzipped))
	}
	if d.N == 0 {
		return nil, errors.Errorf("%s: no rows; want lines of 64 pixels and a label", path)
	}
	return d, nil
}

// appendOptdigitsRow parses one row and appends its image and label to d.
func (d *Dataset) appendOptdigitsRow(text string) error {
	fields := strings.Split(text, ",")
	if len(fields) != 65 {
		return errors.Errorf("%d fields, want 65 (64 pixels and a label)", len(fields))
	}
	for i, f := range fields {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return errors.Errorf("field %d: %q is not an integer", i+1, f)
		}
		switch {
		case i < 64 && (v < 0 || v > 16):
			return errors.Errorf("pixel %d is %d, want 0..16", i+1, v)
		case i < 64:
			d.Images = append(d.Images, float32(v)/16)
		case v < 0 || v > 9:
			return errors.Errorf("label is %d, want 0..9", v)
		default:
			d.Labels = append(d.Labels, v)
		}
	}
	d.N++
	return nil
}
