package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// maxHeaderLen is the largest JSON header Read accepts, the reference
// implementation's limit.
const maxHeaderLen = 100_000_000

// metadataKey is the header entry that holds the file's string metadata.
const metadataKey = "__metadata__"

// Tensor is one named array of a checkpoint: row-major float32 values.
// len(Data) is the product of Shape (1 for a scalar, whose Shape is empty).
type Tensor struct {
	Shape []int
	Data  []float32
}

// Int64Tensor is one named array of int64 values, such as a BatchNorm's
// num_batches_tracked counter (a scalar).
type Int64Tensor struct {
	Shape []int
	Data  []int64
}

// File is the content of a safetensors file.
type File struct {
	Tensors map[string]Tensor
	Meta    map[string]string
	// Skipped lists the integer and boolean tensors Read did not convert
	// to float32: name → dtype. The I64 ones are also in Int64s.
	Skipped map[string]string
	// Int64s holds I64 tensors: written as I64 by Write; Read fills it
	// with the I64 tensors of up to 8192 values (counters, not data).
	Int64s map[string]Int64Tensor
}

// Names returns the names of the tensors in sorted order.
func (f *File) Names() []string {
	if f == nil {
		return nil
	}
	names := make([]string, 0, len(f.Tensors))
	for name := range f.Tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the tensor called name and checks that its shape is shape.
// The error says which tensor is missing or how its shape differs, the
// common failure when loading the checkpoint of another model.
func (f *File) Lookup(name string, shape ...int) (Tensor, error) {
	if f == nil {
		return Tensor{}, errors.Errorf("checkpoint: no file to look up tensor %q in", name)
	}
	t, ok := f.Tensors[name]
	if !ok {
		return Tensor{}, errors.Errorf("checkpoint: no tensor %q", name)
	}
	if !slices.Equal(t.Shape, shape) {
		return Tensor{}, errors.Errorf("checkpoint: tensor %q has shape %v, want %v", name, t.Shape, shape)
	}
	return t, nil
}

// Read reads the safetensors file at path. F32, F64, F16 and BF16 tensors
// are converted to float32 (F64 values are rounded to nearest); integer and
// boolean tensors are skipped and listed in File.Skipped; other dtypes are
// an error. See the package documentation for what is validated.
func Read(path string) (*File, error) {
	fh, size, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f, err := decode(bufio.NewReaderSize(fh, 1<<20), size)
	if err != nil {
		return nil, errors.Wrapf(err, "checkpoint: read %s", path)
	}
	return f, nil
}

// openRegular opens the regular file at path and returns its size.
func openRegular(path string) (*os.File, int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, errors.Wrap(err, "checkpoint")
	}
	info, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, errors.Wrap(err, "checkpoint")
	}
	if !info.Mode().IsRegular() {
		fh.Close()
		return nil, 0, errors.Errorf("checkpoint: %s is not a regular file", path)
	}
	return fh, info.Size(), nil
}

// entry is one tensor of a header.
type entry struct {
	name       string
	dtype      dtype
	shape      []int
	begin, end uint64
}

// decode reads a safetensors stream of size bytes from r.
func decode(r io.Reader, size int64) (*File, error) {
	hdr, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	entries, meta, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(entries, uint64(size)-8-uint64(len(hdr))); err != nil {
		return nil, err
	}
	f := &File{Tensors: make(map[string]Tensor, len(entries)), Meta: meta}
	for _, e := range entries {
		if e.dtype.convert == nil {
			if err := skip(r, e, f); err != nil {
				return nil, err
			}
			continue
		}
		data, err := readData(r, e)
		if err != nil {
			return nil, err
		}
		f.Tensors[e.name] = Tensor{Shape: e.shape, Data: data}
	}
	return f, nil
}

// skip reads past an integer or boolean tensor, listing it in f.Skipped,
// and keeps the values of an I64 one in f.Int64s.
func skip(r io.Reader, e entry, f *File) error {
	if f.Skipped == nil {
		f.Skipped = map[string]string{}
	}
	f.Skipped[e.name] = e.dtype.name
	b := make([]byte, min(e.end-e.begin, 1<<16))
	if e.dtype.name != "I64" || e.end-e.begin > 1<<16 {
		_, err := io.CopyN(io.Discard, r, int64(e.end-e.begin))
		return errors.Wrapf(err, "tensor %q: data", e.name)
	}
	if _, err := io.ReadFull(r, b); err != nil {
		return errors.Wrapf(err, "tensor %q: data", e.name)
	}
	vals := make([]int64, len(b)/8)
	for i := range vals {
		vals[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	if f.Int64s == nil {
		f.Int64s = map[string]Int64Tensor{}
	}
	f.Int64s[e.name] = Int64Tensor{Shape: e.shape, Data: vals}
	return nil
}

// readHeader reads the length prefix and the JSON header.
func readHeader(r io.Reader, size int64) ([]byte, error) {
	if size < 8 {
		return nil, errors.Errorf("file is %d bytes, too short for the 8-byte header length", size)
	}
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, errors.Wrap(err, "header length")
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > maxHeaderLen {
		return nil, errors.Errorf("header length %d is over the %d-byte limit", n, maxHeaderLen)
	}
	if n > uint64(size-8) {
		return nil, errors.Errorf("header length %d is beyond the end of the %d-byte file", n, size)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, errors.Wrap(err, "header")
	}
	return hdr, nil
}

// parseHeader decodes the JSON header into its tensors, sorted by offset,
// and its metadata.
func parseHeader(hdr []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("header is not a JSON object")
	}
	var entries []entry
	var meta map[string]string
	seen := make(map[string]bool)
	for dec.More() {
		name, raw, err := nextMember(dec)
		if err != nil {
			return nil, nil, err
		}
		if seen[name] {
			return nil, nil, errors.Errorf("header names %q twice", name)
		}
		seen[name] = true
		if name == metadataKey {
			if err := json.Unmarshal(raw, &meta); err != nil {
				return nil, nil, errors.Wrapf(err, "header %s: want an object of strings", metadataKey)
			}
			continue
		}
		e, err := parseEntry(name, raw)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if err := endOfObject(dec); err != nil {
		return nil, nil, err
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		return a.begin < b.begin || (a.begin == b.begin && a.end < b.end)
	})
	return entries, meta, nil
}

// nextMember reads one name and its raw value from a JSON object.
func nextMember(dec *json.Decoder) (string, json.RawMessage, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", nil, errors.Wrap(err, "header is not valid JSON")
	}
	name, ok := tok.(string)
	if !ok {
		return "", nil, errors.Errorf("header is not valid JSON: want a name, got %v", tok)
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return "", nil, errors.Wrapf(err, "header entry %q is not valid JSON", name)
	}
	return name, raw, nil
}

// endOfObject consumes the closing brace of the header object and checks
// that only whitespace (the alignment padding) follows it.
func endOfObject(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return errors.New("header is not valid JSON: unterminated object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("header has data after its JSON object")
	}
	return nil
}

// parseEntry decodes the header entry of tensor name.
func parseEntry(name string, raw json.RawMessage) (entry, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return entry{}, errors.Errorf("tensor %q: want an object with dtype, shape and data_offsets", name)
	}
	e := entry{name: name}
	var err error
	if e.dtype, err = parseDtype(fields["dtype"]); err != nil {
		return entry{}, errors.Wrapf(err, "tensor %q: dtype", name)
	}
	if e.shape, err = parseShape(fields["shape"]); err != nil {
		return entry{}, errors.Wrapf(err, "tensor %q: shape", name)
	}
	if e.begin, e.end, err = parseOffsets(fields["data_offsets"]); err != nil {
		return entry{}, errors.Wrapf(err, "tensor %q: data_offsets", name)
	}
	want, ok := byteSize(e.shape, e.dtype.size)
	if !ok || want != e.end-e.begin {
		return entry{}, errors.Errorf("tensor %q: data_offsets [%d, %d] span %d bytes, but shape %v of %s needs %s",
			name, e.begin, e.end, e.end-e.begin, e.shape, e.dtype.name, sizeString(want, ok))
	}
	return e, nil
}

func sizeString(n uint64, ok bool) string {
	if !ok {
		return "more than 2^64"
	}
	return strconv.FormatUint(n, 10)
}

func parseDtype(raw json.RawMessage) (dtype, error) {
	if raw == nil {
		return dtype{}, errors.New("missing")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return dtype{}, errors.Errorf("want a string, got %s", raw)
	}
	dt, ok := dtypes[s]
	if !ok {
		return dtype{}, errors.Errorf("%q is not supported (want F32, F64, F16, BF16, or an integer or boolean type, which is skipped)", s)
	}
	return dt, nil
}

func parseShape(raw json.RawMessage) ([]int, error) {
	var dims *[]int64
	if err := json.Unmarshal(raw, &dims); err != nil || dims == nil {
		return nil, errors.Errorf("want an array of integers, got %s", orMissing(raw))
	}
	shape := make([]int, len(*dims))
	for i, d := range *dims {
		if d < 0 {
			return nil, errors.Errorf("dimension %d is negative (%d)", i, d)
		}
		if int64(int(d)) != d {
			return nil, errors.Errorf("dimension %d (%d) does not fit an int", i, d)
		}
		shape[i] = int(d)
	}
	return shape, nil
}

func parseOffsets(raw json.RawMessage) (begin, end uint64, err error) {
	var offs *[]uint64
	if err := json.Unmarshal(raw, &offs); err != nil || offs == nil || len(*offs) != 2 {
		return 0, 0, errors.Errorf("want [begin, end] with 0 ≤ begin ≤ end, got %s", orMissing(raw))
	}
	begin, end = (*offs)[0], (*offs)[1]
	if begin > end {
		return 0, 0, errors.Errorf("begin %d is after end %d", begin, end)
	}
	return begin, end, nil
}

func orMissing(raw json.RawMessage) string {
	if raw == nil {
		return "nothing"
	}
	return string(raw)
}

// byteSize returns prod(shape)·elem, and false when that overflows uint64.
func byteSize(shape []int, elem uint64) (uint64, bool) {
	n := elem
	for _, d := range shape {
		if d != 0 && n > math.MaxUint64/uint64(d) {
			return 0, false
		}
		n *= uint64(d)
	}
	return n, true
}

// checkLayout checks that entries, sorted by offset, tile a data buffer of
// bufLen bytes exactly.
func checkLayout(entries []entry, bufLen uint64) error {
	var next uint64
	prev := ""
	for _, e := range entries {
		switch {
		case e.end > bufLen:
			return errors.Errorf("tensor %q: data_offsets [%d, %d] reach past the %d-byte data buffer", e.name, e.begin, e.end, bufLen)
		case e.begin < next:
			return errors.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d", e.name, e.begin, e.end, prev, next)
		case e.begin > next:
			return errors.Errorf("tensor %q: data_offsets [%d, %d] leave a gap: the previous tensor ends at %d", e.name, e.begin, e.end, next)
		}
		next, prev = e.end, e.name
	}
	if next != bufLen {
		return errors.Errorf("data buffer is %d bytes but the tensors cover %d", bufLen, next)
	}
	return nil
}

// readData reads the bytes of tensor e from r and converts them to float32.
func readData(r io.Reader, e entry) ([]float32, error) {
	size := int(e.dtype.size)
	out := make([]float32, int(e.end-e.begin)/size)
	var buf [64 << 10]byte
	for done := 0; done < len(out); {
		n := min(len(out)-done, len(buf)/size)
		chunk := buf[:n*size]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return nil, errors.Wrapf(err, "tensor %q: data", e.name)
		}
		e.dtype.convert(out[done:done+n], chunk)
		done += n
	}
	return out, nil
}
