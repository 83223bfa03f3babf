package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/atomicfile"
	"github.com/aim-go/aim/internal/pixels"
	"github.com/aim-go/aim/internal/regular"
	"github.com/aim-go/aim/internal/sizes"
)

// ReadNpy reads a NumPy .npy array of shape (N, C, H, W), or (N, H, W)
// read as C = 1, into an unlabeled dataset. The element type may be
// float32 or float64 (converted to float32), either byte order, or uint8
// (scaled to [0, 1]). Fortran-ordered arrays and non-finite values are
// rejected.
func ReadNpy(path string) (*Dataset, error) {
	shape, vals, err := readNpy(path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Name: filepath.Base(path), Images: vals}
	switch len(shape) {
	case 3:
		d.N, d.C, d.H, d.W = shape[0], 1, shape[1], shape[2]
	case 4:
		d.N, d.C, d.H, d.W = shape[0], shape[1], shape[2], shape[3]
	default:
		return nil, errors.Errorf("%s: array of shape %s, want (N, C, H, W) or (N, H, W)", path, shapeString(shape))
	}
	if d.N < 1 || d.C < 1 || d.H < 1 || d.W < 1 {
		return nil, errors.Errorf("%s: array of shape %s holds no images", path, shapeString(shape))
	}
	return d, nil
}

// ReadLFWSubset reads scikit-image's lfw_subset.npy: 200 grey 25×25 images
// stored as float64, the first 100 faces (label 1) and the other 100 not
// (label 0).
func ReadLFWSubset(path string) (*Dataset, error) {
	shape, vals, err := readNpy(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 3 || shape[0] != 200 || shape[1] != 25 || shape[2] != 25 {
		return nil, errors.Errorf("%s: array of shape %s, want (200, 25, 25) (scikit-image lfw_subset)", path, shapeString(shape))
	}
	d := &Dataset{
		Name: filepath.Base(path),
		N:    200, C: 1, H: 25, W: 25,
		Images:  vals,
		Labels:  make([]int, 200),
		Classes: 2,
	}
	for i := range 100 {
		d.Labels[i] = 1
	}
	return d, nil
}

// readNpy reads a whole .npy file and decodes it.
func readNpy(path string) ([]int, []float32, error) {
	f, size, err := regular.Open(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "reading .npy")
	}
	defer f.Close()
	b, err := readUpTo(f, size, size)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "%s: reading", path)
	}
	return decodeNpy(path, b)
}

// npyElemSize maps the element types ReadNpy accepts to their sizes.
var npyElemSize = map[string]int{"<f4": 4, ">f4": 4, "<f8": 8, ">f8": 8, "|u1": 1, "<u1": 1, ">u1": 1}

// decodeNpy decodes the .npy file held in b. It checks the header and
// that the data has exactly the size the header describes before npyio
// allocates for it.
func decodeNpy(name string, b []byte) ([]int, []float32, error) {
	dataStart, err := npyDataStart(name, b)
	if err != nil {
		return nil, nil, err
	}
	r, err := npyReader(name, b, dataStart)
	if err != nil {
		return nil, nil, err
	}
	h := r.Header.Descr
	typ := strings.Trim(h.Type, `'"`)
	esize, ok := npyElemSize[typ]
	if !ok {
		return nil, nil, errors.Errorf("%s: element type %s, want float32 ('<f4'), float64 ('<f8') or uint8 ('|u1')", name, h.Type)
	}
	if h.Fortran {
		return nil, nil, errors.Errorf("%s: Fortran-ordered array, want C order (numpy.ascontiguousarray)", name)
	}
	n, ok := sizes.Product(h.Shape...)
	if !ok || len(h.Shape) == 0 {
		return nil, nil, errors.Errorf("%s: unsupported shape %s", name, shapeString(h.Shape))
	}
	if got := len(b) - dataStart; got != n*esize {
		what := "truncated"
		if got > n*esize {
			what = "trailing data"
		}
		return nil, nil, errors.Errorf("%s: %s: header says %s array of shape %s (%d bytes of data), file has %d",
			name, what, typ, shapeString(h.Shape), n*esize, got)
	}
	vals, err := npyValues(r, typ)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "%s: decoding %s data", name, typ)
	}
	for i, v := range vals {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, nil, errors.Errorf("%s: element %d is %v; want finite values", name, i, v)
		}
	}
	return h.Shape, vals, nil
}

// npyDataStart checks the fixed part of a .npy header (magic, version,
// header length, final newline) and returns the offset of the data.
func npyDataStart(name string, b []byte) (int, error) {
	if len(b) < 10 || !bytes.Equal(b[:6], npy.Magic[:]) {
		return 0, errors.Errorf("%s: not a .npy file (no \\x93NUMPY magic)", name)
	}
	var start int
	switch b[6] {
	case 1:
		start = 10 + int(binary.LittleEndian.Uint16(b[8:]))
	case 2:
		if len(b) < 12 {
			return 0, errors.Errorf("%s: truncated .npy header", name)
		}
		start = 12 + int(binary.LittleEndian.Uint32(b[8:]))
	default:
		return 0, errors.Errorf("%s: .npy format version %d.%d, want 1.0 or 2.0", name, b[6], b[7])
	}
	if start > len(b) {
		return 0, errors.Errorf("%s: truncated: header length %d, file has %d bytes", name, start, len(b))
	}
	if b[start-1] != '\n' {
		return 0, errors.Errorf("%s: malformed .npy header: it does not end with a newline", name)
	}
	return start, nil
}

// npyReader parses the header dictionary with npyio. npyio assumes a
// well-formed dictionary and may panic on one that is not, so a panic is
// reported as a malformed header.
func npyReader(name string, b []byte, dataStart int) (r *npy.Reader, err error) {
	defer func() {
		if recover() != nil {
			r, err = nil, errors.Errorf("%s: malformed .npy header %q", name, b[:dataStart])
		}
	}()
	r, err = npy.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, errors.Wrapf(err, "%s: malformed .npy header %q", name, b[:dataStart])
	}
	return r, nil
}

// npyValues reads the elements, of type typ, from r as float32.
func npyValues(r *npy.Reader, typ string) ([]float32, error) {
	switch typ[1:] {
	case "f4":
		var v []float32
		return v, r.Read(&v)
	case "f8":
		var v []float64
		if err := r.Read(&v); err != nil {
			return nil, err
		}
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out, nil
	default: // u1
		var v []uint8
		if err := r.Read(&v); err != nil {
			return nil, err
		}
		out := make([]float32, len(v))
		pixels.Scale(out, v)
		return out, nil
	}
}

// shapeString formats a shape as a Python tuple, as .npy headers do.
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// npyAlign is the alignment NumPy gives the start of the data.
const npyAlign = 64

// npyHeader returns the header of a little-endian float32 C-order array.
func npyHeader(shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shapeString(shape))
	prefix := 10 // magic, version, uint16 length
	if prefix+len(dict)+1 > math.MaxUint16 {
		prefix = 12 // version 2.0: uint32 length
	}
	pad := (npyAlign - (prefix+len(dict)+1)%npyAlign) % npyAlign
	hdr := make([]byte, prefix, prefix+len(dict)+pad+1)
	copy(hdr, npy.Magic[:])
	n := len(dict) + pad + 1
	if prefix == 10 {
		hdr[6] = 1
		binary.LittleEndian.PutUint16(hdr[8:], uint16(n))
	} else {
		hdr[6] = 2
		binary.LittleEndian.PutUint32(hdr[8:], uint32(n))
	}
	hdr = append(hdr, dict...)
	hdr = append(hdr, bytes.Repeat([]byte{' '}, pad)...)
	return append(hdr, '\n')
}

// WriteNpy writes data as a little-endian float32 .npy array of the given
// shape, whose product must be len(data). It writes a temporary file in
// the same directory and renames it over path, so path never holds a
// partly written file. A new file gets the mode os.Create would give it
// (0666 less the umask); a file it replaces keeps its mode.
func WriteNpy(path string, data []float32, shape []int) error {
	if n, ok := sizes.Product(shape...); !ok || n != len(data) {
		return errors.Errorf("%s: shape %s does not hold %d values", path, shapeString(shape), len(data))
	}
	return atomicfile.Write(path, func(w io.Writer) error { return writeNpyTo(w, data, shape) })
}

// writeNpyTo writes the header and the data.
func writeNpyTo(f io.Writer, data []float32, shape []int) error {
	w := bufio.NewWriterSize(f, 1<<16)
	if _, err := w.Write(npyHeader(shape)); err != nil {
		return err
	}
	var b [4]byte
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		if _, err := w.Write(b[:]); err != nil {
			return err
		}
	}
	return w.Flush()
}
