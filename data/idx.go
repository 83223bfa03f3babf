package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/pixels"
	"github.com/aim-go/aim/internal/regular"
	"github.com/aim-go/aim/internal/sizes"
)

// IDX magic numbers: two zero bytes, the element type (0x08: unsigned
// byte) and the number of dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// idxKind describes the IDX file a reader expects.
type idxKind struct {
	magic uint32
	what  string // "images" or "labels"
	ndim  int
}

var (
	idxImages = idxKind{idxImagesMagic, "images", 3}
	idxLabels = idxKind{idxLabelsMagic, "labels", 1}
)

// describe renders dims the way error messages show them.
func (k idxKind) describe(dims []int) string {
	if k.ndim == 3 {
		return fmt.Sprintf("%d images of %d×%d", dims[0], dims[1], dims[2])
	}
	return fmt.Sprintf("%d labels", dims[0])
}

// ReadIDX reads MNIST-style IDX files: an images file (magic 0x00000803,
// unsigned bytes, N×H×W) and, unless labelsPath is "", a labels file
// (magic 0x00000801, N unsigned bytes). Either may be gzipped; compression
// is detected from the content, not the file name. Pixels are scaled to
// [0, 1]; the result has C = 1 and, with labels, Classes = 1 + the largest
// label.
func ReadIDX(imagesPath, labelsPath string) (*Dataset, error) {
	dims, pix, err := readIDX(imagesPath, idxImages)
	if err != nil {
		return nil, err
	}
	d := &Dataset{
		Name: filepath.Base(imagesPath),
		N:    dims[0], C: 1, H: dims[1], W: dims[2],
		Images: make([]float32, len(pix)),
	}
	pixels.Scale(d.Images, pix)
	if labelsPath == "" {
		return d, nil
	}
	_, lab, err := readIDX(labelsPath, idxLabels)
	if err != nil {
		return nil, err
	}
	if len(lab) != d.N {
		return nil, errors.Errorf("%s: %d labels, but %s holds %d images", labelsPath, len(lab), imagesPath, d.N)
	}
	d.Labels = make([]int, len(lab))
	for i, l := range lab {
		d.Labels[i] = int(l)
		d.Classes = max(d.Classes, int(l)+1)
	}
	return d, nil
}

// readIDX reads an IDX file of the given kind and returns its dimensions
// and its payload of unsigned bytes.
func readIDX(path string, kind idxKind) ([]int, []byte, error) {
	f, size, err := regular.Open(path)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "reading IDX %s", kind.what)
	}
	defer f.Close()
	r, gzipped, err := contents(path, f)
	if err != nil {
		return nil, nil, err
	}
	dims, err := readIDXHeader(path, r, kind)
	if err != nil {
		return nil, nil, err
	}
	want, _ := sizes.Product(dims...)
	hdrLen := int64(4 + 4*kind.ndim)
	if !gzipped && size-hdrLen != int64(want) {
		return nil, nil, idxSizeError(path, kind, dims, size-hdrLen, "file has")
	}
	hint := size
	if gzipped {
		hint = gzipSizeHint(f, size)
	}
	payload, err := readUpTo(r, int64(want), hint)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "%s: %s %s", path, readVerb(gzipped), kind.describe(dims))
	}
	if len(payload) < want {
		return nil, nil, idxSizeError(path, kind, dims, int64(len(payload)), "decompressed data has")
	}
	if err := checkEOF(path, r); err != nil {
		return nil, nil, err
	}
	return dims, payload, nil
}

// readIDXHeader reads and checks the magic number and the dimensions.
func readIDXHeader(path string, r io.Reader, kind idxKind) ([]int, error) {
	hdr := make([]byte, 4+4*kind.ndim)
	n, err := io.ReadFull(r, hdr[:4])
	if err == nil {
		if magic := binary.BigEndian.Uint32(hdr); magic != kind.magic {
			return nil, idxMagicError(path, magic, kind)
		}
		var m int
		m, err = io.ReadFull(r, hdr[4:])
		n += m
	}
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return nil, errors.Errorf("%s: truncated: %d bytes, an IDX %s header has %d", path, n, kind.what, len(hdr))
	case err != nil:
		return nil, errors.Wrapf(err, "%s: reading IDX header", path)
	}
	dims := make([]int, kind.ndim)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(hdr[4+4*i:]))
		if dims[i] == 0 {
			return nil, errors.Errorf("%s: header dimension %d is 0 (%s)", path, i, kind.describe(dims))
		}
	}
	if _, ok := sizes.Product(dims...); !ok {
		return nil, errors.Errorf("%s: header says %s, more than the %d bytes this reader supports", path, kind.describe(dims), sizes.MaxElems)
	}
	return dims, nil
}

func idxSizeError(path string, kind idxKind, dims []int, got int64, has string) error {
	want, _ := sizes.Product(dims...)
	problem := "truncated"
	if got > int64(want) {
		problem = "trailing data"
	}
	return errors.Errorf("%s: %s: header says %s (%d bytes after the header), %s %d", path, problem, kind.describe(dims), want, has, got)
}

func idxMagicError(path string, magic uint32, kind idxKind) error {
	switch {
	case magic == idxImagesMagic || magic == idxLabelsMagic:
		other := "images"
		if magic == idxLabelsMagic {
			other = "labels"
		}
		return errors.Errorf("%s: magic number 0x%08x is an IDX %s file, want %s (0x%08x)", path, magic, other, kind.what, kind.magic)
	case magic>>16 == 0:
		return errors.Errorf("%s: unsupported IDX magic 0x%08x (element type 0x%02x, %d dimensions), want 0x%08x (unsigned bytes, %d dimensions)",
			path, magic, magic>>8&0xff, magic&0xff, kind.magic, kind.ndim)
	default:
		return errors.Errorf("%s: not an IDX file: magic number 0x%08x, want 0x%08x (%s)", path, magic, kind.magic, kind.what)
	}
}
