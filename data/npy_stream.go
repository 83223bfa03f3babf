package data

import (
	"bufio"
	"encoding/binary"
	"math"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/atomicfile"
	"github.com/aim-go/aim/internal/sizes"
)

// NpyWriter streams a little-endian float32 .npy array row by row, so that
// its first dimension is not bounded by memory: rows are written as they
// come, and Close writes the final shape into the header (whose space is
// reserved for any row count) and renames the file into place. Until then
// the path keeps its old content; Abort leaves it so.
//
// The project writes .npy files itself (see WriteNpy); npyio, which reads
// them, writes whole arrays only.
type NpyWriter struct {
	p      *atomicfile.Pending
	w      *bufio.Writer
	row    []int
	rowLen int
	rows   int
	hdrLen int
	buf    [4]byte
}

// maxNpyRows sizes the reserved header: the row count of the largest
// array CreateNpy can record.
const maxNpyRows = 1<<53 - 1

// CreateNpy starts a .npy array at path whose rows have shape rowShape
// (the array is (rows, rowShape...)).
func CreateNpy(path string, rowShape []int) (*NpyWriter, error) {
	rowLen, ok := sizes.Product(rowShape...)
	if !ok || rowLen < 1 {
		return nil, errors.Errorf("%s: rows of shape %s", path, shapeString(rowShape))
	}
	p, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	w := &NpyWriter{p: p, w: bufio.NewWriterSize(p.File, 1<<20), row: append([]int(nil), rowShape...), rowLen: rowLen}
	hdr := npyHeader(append([]int{maxNpyRows}, rowShape...))
	w.hdrLen = len(hdr)
	if _, err := w.w.Write(hdr); err != nil {
		p.Abort()
		return nil, p.Wrap(err)
	}
	return w, nil
}

// Append writes whole rows: len(vals) must be a multiple of the row size.
func (w *NpyWriter) Append(vals []float32) error {
	if len(vals)%w.rowLen != 0 {
		return errors.Errorf("%d values are not whole rows of %d", len(vals), w.rowLen)
	}
	for _, v := range vals {
		binary.LittleEndian.PutUint32(w.buf[:], math.Float32bits(v))
		if _, err := w.w.Write(w.buf[:]); err != nil {
			return w.p.Wrap(err)
		}
	}
	w.rows += len(vals) / w.rowLen
	return nil
}

// Rows returns the rows written so far.
func (w *NpyWriter) Rows() int { return w.rows }

// Close writes the header with the final row count and puts the file in
// place.
func (w *NpyWriter) Close() error {
	if err := w.w.Flush(); err != nil {
		w.p.Abort()
		return w.p.Wrap(err)
	}
	hdr := npyHeaderOfLen(append([]int{w.rows}, w.row...), w.hdrLen)
	if _, err := w.p.File.WriteAt(hdr, 0); err != nil {
		w.p.Abort()
		return w.p.Wrap(err)
	}
	return w.p.Commit()
}

// Abort discards what was written.
func (w *NpyWriter) Abort() { w.p.Abort() }

// npyHeaderOfLen is npyHeader padded with spaces to exactly n bytes, n at
// least its natural length (both multiples of the .npy alignment).
func npyHeaderOfLen(shape []int, n int) []byte {
	hdr := npyHeader(shape)
	if len(hdr) == n {
		return hdr
	}
	extra := n - len(hdr)
	out := append(hdr[:len(hdr)-1:len(hdr)-1], make([]byte, extra)...)
	for i := len(hdr) - 1; i < n-1; i++ {
		out[i] = ' '
	}
	out = append(out, '\n')
	if out[6] == 1 {
		binary.LittleEndian.PutUint16(out[8:], uint16(n-10))
	} else {
		binary.LittleEndian.PutUint32(out[8:], uint32(n-12))
	}
	return out
}
