package checkpoint

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"unsafe"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/fault"
	"github.com/aim-go/aim/internal/parallel"
)

// Source is a checkpoint whose float tensors can be read one at a time: a
// File held in memory, or a Mapped file.
type Source interface {
	// Names returns the names of the float tensors in sorted order.
	Names() []string
	// Shape returns the shape of a float tensor.
	Shape(name string) ([]int, bool)
	// Metadata returns the string metadata of the file.
	Metadata() map[string]string
	// Float32 converts the named tensor into dst, which must hold exactly
	// its values.
	Float32(name string, dst []float32) error
}

// Shape returns the shape of the named tensor.
func (f *File) Shape(name string) ([]int, bool) {
	t, ok := f.Tensors[name]
	return t.Shape, ok
}

// Metadata returns the file's string metadata.
func (f *File) Metadata() map[string]string { return f.Meta }

// Float32 copies the named tensor into dst.
func (f *File) Float32(name string, dst []float32) error {
	t, ok := f.Tensors[name]
	if !ok {
		return errors.Errorf("checkpoint: no tensor %q", name)
	}
	if len(dst) != len(t.Data) {
		return errors.Errorf("checkpoint: tensor %q holds %d values, not %d", name, len(t.Data), len(dst))
	}
	copy(dst, t.Data)
	return nil
}

// Mapped is a safetensors file opened for reading tensor by tensor without
// holding a copy of it: the file is mapped into memory (copy-on-write)
// where the system allows it, and read whole into memory elsewhere. Its
// header is validated as Read validates it. F32 tensors can be used in
// place (View); the others are converted on demand (Float32), after which
// Release lets the system drop their pages.
//
// The views and everything built on them stay valid until Close. Replacing
// the file by a rename (as this project's writers do) does not affect an
// open Mapped; writing it in place does, and truncating it makes reading
// the lost pages fault (SIGBUS). Use runs code that reads the file's
// memory so that either is reported as a *ChangedError rather than giving
// wrong values or ending the process (within the limits Use gives).
type Mapped struct {
	// Path is the file's path.
	Path string
	// Meta is the file's string metadata.
	Meta map[string]string
	// Skipped lists the integer and boolean tensors: name → dtype.
	Skipped map[string]string

	entries map[string]entry // float tensors
	data    []byte           // the data buffer, after the header
	region  *region
}

// Open opens the safetensors file at path. See Mapped.
func Open(path string) (*Mapped, error) {
	fh, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	if size < 8 {
		fh.Close()
		return nil, errors.Errorf("checkpoint: read %s: file is %d bytes, too short for the 8-byte header length", path, size)
	}
	r, err := mapFile(fh, size) // the region owns fh from here on
	if err != nil {
		fh.Close()
		return nil, errors.Wrapf(err, "checkpoint: mapping %s", path)
	}
	m, err := parseMapped(path, r)
	if err != nil {
		r.close()
		return nil, errors.Wrapf(err, "checkpoint: read %s", path)
	}
	return m, nil
}

// parseMapped validates the header of a mapped file and indexes its
// tensors.
func parseMapped(path string, r *region) (*Mapped, error) {
	size := int64(len(r.bytes))
	hdr, err := readHeader(bytes.NewReader(r.bytes), size)
	if err != nil {
		return nil, err
	}
	entries, meta, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	data := r.bytes[8+len(hdr):]
	if err := checkLayout(entries, uint64(len(data))); err != nil {
		return nil, err
	}
	m := &Mapped{Path: path, Meta: meta, entries: map[string]entry{}, data: data, region: r}
	for _, e := range entries {
		if e.dtype.convert == nil {
			if m.Skipped == nil {
				m.Skipped = map[string]string{}
			}
			m.Skipped[e.name] = e.dtype.name
			continue
		}
		m.entries[e.name] = e
	}
	return m, nil
}

// Names returns the names of the float tensors in sorted order.
func (m *Mapped) Names() []string {
	names := make([]string, 0, len(m.entries))
	for name := range m.entries {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Shape returns the shape of a float tensor.
func (m *Mapped) Shape(name string) ([]int, bool) {
	e, ok := m.entries[name]
	return e.shape, ok
}

// Dtype returns the safetensors dtype of a float tensor ("F32", "BF16", …).
func (m *Mapped) Dtype(name string) (string, bool) {
	e, ok := m.entries[name]
	return e.dtype.name, ok
}

// Metadata returns the file's string metadata.
func (m *Mapped) Metadata() map[string]string { return m.Meta }

// Bytes returns the size of the mapped file.
func (m *Mapped) Bytes() int64 { return int64(len(m.region.bytes)) }

func (m *Mapped) entry(name string) (entry, error) {
	if m.region == nil {
		return entry{}, errors.Errorf("checkpoint: %s is closed", m.Path)
	}
	e, ok := m.entries[name]
	if !ok {
		return entry{}, errors.Errorf("checkpoint: no tensor %q", name)
	}
	return e, nil
}

// Float32 converts the named tensor into dst, which must hold exactly its
// values.
func (m *Mapped) Float32(name string, dst []float32) error {
	e, err := m.entry(name)
	if err != nil {
		return err
	}
	n := int((e.end - e.begin) / e.dtype.size)
	if len(dst) != n {
		return errors.Errorf("checkpoint: tensor %q holds %d values, not %d", name, n, len(dst))
	}
	src, size := m.data[e.begin:e.end], int(e.dtype.size)
	m.region.prefetch(src)
	return m.Use(func() error {
		parallel.For(n, convertGrain, func(lo, hi int) {
			e.dtype.convert(dst[lo:hi], src[lo*size:hi*size])
		})
		return nil
	})
}

// convertGrain is the fewest values a goroutine converts: a large tensor
// is converted on every core.
const convertGrain = 1 << 20

// Lookup returns a copy of the named tensor as float32 after checking that
// its shape is shape, like File.Lookup.
func (m *Mapped) Lookup(name string, shape ...int) (Tensor, error) {
	e, err := m.entry(name)
	if err != nil {
		return Tensor{}, err
	}
	if !slices.Equal(e.shape, shape) {
		return Tensor{}, errors.Errorf("checkpoint: tensor %q has shape %v, want %v", name, e.shape, shape)
	}
	t := Tensor{Shape: append([]int(nil), e.shape...), Data: make([]float32, (e.end-e.begin)/e.dtype.size)}
	return t, m.Float32(name, t.Data)
}

// View returns the values of an F32 tensor in place, without a copy, and
// false when the tensor is of another dtype or not aligned for float32 on
// this machine (then use Float32). Writing to the view changes the open
// file's private copy-on-write pages, never the file itself.
func (m *Mapped) View(name string) ([]float32, bool) {
	e, err := m.entry(name)
	if err != nil || e.dtype.name != "F32" || !littleEndian || e.end == e.begin {
		return nil, false
	}
	b := m.data[e.begin:e.end]
	if uintptr(unsafe.Pointer(&b[0]))%unsafe.Alignof(float32(0)) != 0 {
		return nil, false
	}
	m.region.prefetch(b)
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4), true
}

// HalfView returns the values of a BF16 or F16 tensor in place as their
// 16-bit patterns, with the tensor's dtype ("BF16" or "F16"), and false
// when the tensor is of another dtype or not aligned for uint16 on this
// machine.
func (m *Mapped) HalfView(name string) (dtype string, bits []uint16, ok bool) {
	e, err := m.entry(name)
	if _, half := halfLayouts[e.dtype.name]; err != nil || !half || e.end == e.begin {
		return "", nil, false
	}
	bits, ok = nativeUint16s(m.data[e.begin:e.end], int((e.end-e.begin)/2))
	if !ok {
		return "", nil, false
	}
	m.region.prefetch(m.data[e.begin:e.end])
	return e.dtype.name, bits, true
}

// Release tells the system that the named tensor's bytes will not be read
// again, so that their pages leave the process's resident memory once it
// has been converted. It must not be called for a tensor in use through
// View that may have been written (the mapping is private: a written page
// would come back as the file has it); one only read comes back from the
// file when read again. It is a hint: where the file is not mapped it does
// nothing.
func (m *Mapped) Release(name string) {
	if e, err := m.entry(name); err == nil {
		m.region.release(m.data[e.begin:e.end])
	}
}

// ChangedError is the error of a Mapped file that changed while in use.
type ChangedError struct {
	Path string // the file
	How  string // what was found: a read that faulted, another size, a later modification
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("checkpoint: %s changed while in use (%s): replace a checkpoint that may be in use by renaming a new file over it, never by writing or truncating it in place", e.Path, e.How)
}

// Check returns a *ChangedError when the file is no longer what was
// mapped: its size or modification time differ from when it was opened,
// or a read of its memory under Use faulted. Where the file is read into
// memory rather than mapped, later changes do not matter and Check
// reports none. A closed Mapped is an error too.
func (m *Mapped) Check() error {
	if m.region == nil {
		return errors.Errorf("checkpoint: %s is closed", m.Path)
	}
	if how := m.region.changed(); how != "" {
		return &ChangedError{Path: m.Path, How: how}
	}
	return nil
}

// Use runs f, which reads the file's memory (its views, a model built on
// them), and returns a *ChangedError instead of f's result when the file
// changes: Check runs before f and after it. Meanwhile a read of the
// mapping that faults because the file was truncated is recorded for
// Check rather than ending the process, on the calling goroutine and on
// every goroutine of the project's parallel loops (internal/parallel),
// which the model's kernels and this package's conversions run on. A fault
// in other code — C code such as OpenBLAS, gonum's BLAS goroutines,
// goroutines f starts itself — still ends the process; the checks before
// and after f narrow that window to a truncation during f.
func (m *Mapped) Use(f func() error) error {
	if err := m.Check(); err != nil {
		return err
	}
	end := m.region.guard()
	err := callAbsorbingFaults(f)
	end()
	if cerr := m.Check(); cerr != nil {
		return cerr
	}
	return err
}

// callAbsorbingFaults calls f with faults turned into panics on this
// goroutine, and ends f quietly at a fault that internal/fault absorbs.
func callAbsorbingFaults(f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil && !fault.Absorb(v) {
			panic(v)
		}
	}()
	return f()
}

// Close unmaps the file. Views, and models built on them, must not be used
// afterwards.
func (m *Mapped) Close() error {
	if m.region == nil {
		return nil
	}
	err := m.region.close()
	m.region, m.data = nil, nil
	return errors.Wrapf(err, "checkpoint: closing %s", m.Path)
}

// littleEndian is true on little-endian machines, where F32 tensors can be
// viewed in place.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()
