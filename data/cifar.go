package data

import (
	"bufio"
	"io"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/pixels"
	"github.com/aim-go/aim/internal/regular"
	"github.com/aim-go/aim/internal/sizes"
)

// cifarPixels is the size of one CIFAR image: 3 channel planes of 32×32.
const cifarPixels = 3 * 32 * 32

// cifarFormat describes a CIFAR binary batch: each record is labelBytes
// label bytes followed by the 3072 pixel bytes of a 3×32×32 image.
type cifarFormat struct {
	name       string
	labelBytes int   // 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine)
	classes    []int // number of classes of each label byte
}

var (
	cifar10  = cifarFormat{"CIFAR-10", 1, []int{10}}
	cifar100 = cifarFormat{"CIFAR-100", 2, []int{20, 100}}
)

func (f cifarFormat) record() int { return f.labelBytes + cifarPixels }

// ReadCIFAR10 reads CIFAR-10 binary batches (data_batch_1.bin ...
// test_batch.bin) and concatenates them in order. Each record is 1 label
// byte (< 10) and 3072 pixel bytes (3×32×32, channel-planar); the file size
// must be a multiple of 3073.
func ReadCIFAR10(paths ...string) (*Dataset, error) {
	return readCIFAR(cifar10, paths)
}

// ReadCIFAR100 reads CIFAR-100 binary batches (train.bin, test.bin) and
// concatenates them in order. Each record is 2 label bytes, coarse (< 20)
// and fine (< 100), and 3072 pixel bytes; the fine label is used, so
// Classes = 100. The file size must be a multiple of 3074.
func ReadCIFAR100(paths ...string) (*Dataset, error) {
	return readCIFAR(cifar100, paths)
}

func readCIFAR(format cifarFormat, paths []string) (*Dataset, error) {
	if len(paths) == 0 {
		return nil, errors.Errorf("reading %s: no files given", format.name)
	}
	counts := make([]int, len(paths))
	total := 0
	for i, p := range paths {
		n, err := cifarRecords(format, p)
		if err != nil {
			return nil, err
		}
		counts[i] = n
		total += n
	}
	if _, ok := sizes.Product(total, cifarPixels); !ok {
		return nil, errors.Errorf("reading %s: %d records are too many", format.name, total)
	}
	d := &Dataset{
		Name: filepath.Base(paths[0]),
		N:    total, C: 3, H: 32, W: 32,
		Images:  make([]float32, total*cifarPixels),
		Labels:  make([]int, total),
		Classes: format.classes[format.labelBytes-1],
	}
	first := 0
	for i, p := range paths {
		if err := readCIFARFile(format, p, d, first, counts[i]); err != nil {
			return nil, err
		}
		first += counts[i]
	}
	return d, nil
}

// cifarRecords checks the size of a CIFAR batch and returns its number of
// records.
func cifarRecords(format cifarFormat, path string) (int, error) {
	f, size, err := regular.Open(path)
	if err != nil {
		return 0, errors.Wrapf(err, "reading %s", format.name)
	}
	f.Close()
	rec := int64(format.record())
	if size == 0 || size%rec != 0 {
		return 0, errors.Errorf("%s: size %d is not a positive multiple of the %d-byte %s record (%d label byte(s) + %d pixel bytes)%s",
			path, size, rec, format.name, format.labelBytes, cifarPixels, cifarHint(format, size))
	}
	return int(size / rec), nil
}

// cifarHint suggests the other CIFAR reader when the size fits its records.
func cifarHint(format cifarFormat, size int64) string {
	other := cifar100
	if format.labelBytes == 2 {
		other = cifar10
	}
	if size > 0 && size%int64(other.record()) == 0 {
		return "; it is a multiple of the " + other.name + " record size: is it a " + other.name + " batch?"
	}
	return ""
}

// readCIFARFile reads n records of path into d starting at image first.
func readCIFARFile(format cifarFormat, path string, d *Dataset, first, n int) error {
	f, _, err := regular.Open(path)
	if err != nil {
		return errors.Wrapf(err, "reading %s", format.name)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	rec := make([]byte, format.record())
	for i := range n {
		if _, err := io.ReadFull(r, rec); err != nil {
			return errors.Wrapf(err, "%s: record %d of %d", path, i, n)
		}
		for j, classes := range format.classes {
			if int(rec[j]) >= classes {
				return errors.Errorf("%s: record %d: label byte %d is %d, want < %d (%s)", path, i, j, rec[j], classes, format.name)
			}
		}
		d.Labels[first+i] = int(rec[format.labelBytes-1])
		pixels.Scale(d.Image(first+i), rec[format.labelBytes:])
	}
	return checkEOF(path, r)
}
