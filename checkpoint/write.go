package checkpoint

import (
	"encoding/binary"
	"github.com/aim-go/aim/internal/atomicfile"
	"io"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Write writes f to path as a safetensors file of F32 tensors (and I64
// tensors for File.Int64s).
//
// The write is atomic: the bytes go to a temporary file in the directory of
// path, which is synced and then renamed over path, so path holds either its
// old content or the complete new file, never part of one. On error the
// temporary file is removed. A new file gets the mode os.Create would give
// it (0666 less the umask); a file it replaces keeps its mode. Syncing the
// directory after the rename is best effort: filesystems that cannot sync a
// directory are not reported as errors.
func Write(path string, f *File) error {
	if err := check(f); err != nil {
		return errors.Wrapf(err, "checkpoint: write %s", path)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return encode(w, f) }); err != nil {
		return errors.Wrap(err, "checkpoint") // the error names path
	}
	return nil
}

// check validates f before anything is written.
func check(f *File) error {
	if f == nil {
		return errors.New("no file")
	}
	for name, t := range f.Int64s {
		if _, both := f.Tensors[name]; both {
			return errors.Errorf("tensor name %q is both a float and an int64 tensor", name)
		}
		if n, ok := byteSize(t.Shape, 1); !ok || n != uint64(len(t.Data)) {
			return errors.Errorf("tensor %q: shape %v needs %s values, but it has %d", name, t.Shape, sizeString(n, ok), len(t.Data))
		}
	}
	for name, t := range f.Tensors {
		if name == metadataKey {
			return errors.Errorf("tensor name %q is reserved for the metadata", name)
		}
		if !utf8.ValidString(name) {
			return errors.Errorf("tensor name %q is not valid UTF-8", name)
		}
		if err := checkTensor(t); err != nil {
			return errors.Wrapf(err, "tensor %q", name)
		}
	}
	for k, v := range f.Meta {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return errors.Errorf("metadata %q: %q is not valid UTF-8", k, v)
		}
	}
	return nil
}

func checkTensor(t Tensor) error {
	for i, d := range t.Shape {
		if d < 0 {
			return errors.Errorf("dimension %d of shape %v is negative", i, t.Shape)
		}
	}
	n, ok := byteSize(t.Shape, 1)
	if !ok || n != uint64(len(t.Data)) {
		return errors.Errorf("shape %v needs %s values, but it has %d", t.Shape, sizeString(n, ok), len(t.Data))
	}
	return nil
}

// allNames returns the names of the float and int64 tensors, sorted.
func (f *File) allNames() []string {
	names := f.Names()
	for name := range f.Int64s {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// encode writes f, already checked, as a safetensors stream.
func encode(w io.Writer, f *File) error {
	names := f.allNames()
	hdr := header(f, names)
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(hdr)))
	if _, err := w.Write(prefix[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for _, name := range names {
		if t, ok := f.Int64s[name]; ok {
			if err := writeI64(w, t.Data); err != nil {
				return err
			}
			continue
		}
		if err := writeF32(w, f.Tensors[name].Data, buf); err != nil {
			return err
		}
	}
	return nil
}

// writeI64 writes data little-endian.
func writeI64(w io.Writer, data []int64) error {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	_, err := w.Write(b)
	return err
}

// writeF32 writes data little-endian through the scratch buffer buf.
func writeF32(w io.Writer, data []float32, buf []byte) error {
	for len(data) > 0 {
		n := min(len(data), len(buf)/4)
		for i, v := range data[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		if _, err := w.Write(buf[:4*n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// header returns the JSON header for the F32 and I64 tensors of f in the
// order of names, padded with spaces to a multiple of 8 bytes.
func header(f *File, names []string) []byte {
	b := []byte{'{'}
	if len(f.Meta) > 0 {
		b = appendMeta(b, f.Meta)
	}
	var off uint64
	for _, name := range names {
		if len(b) > 1 {
			b = append(b, ',')
		}
		dtype, shape, end := "F32", f.Tensors[name].Shape, off+4*uint64(len(f.Tensors[name].Data))
		if t, ok := f.Int64s[name]; ok {
			dtype, shape, end = "I64", t.Shape, off+8*uint64(len(t.Data))
		}
		b = appendString(b, name)
		b = append(b, `:{"dtype":"`+dtype+`","shape":[`...)
		for i, d := range shape {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendUint(b, off, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, end, 10)
		b = append(b, "]}"...)
		off = end
	}
	b = append(b, '}')
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	return b
}

func appendMeta(b []byte, meta map[string]string) []byte {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = appendString(b, metadataKey)
	b = append(b, ":{"...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, meta[k])
	}
	return append(b, '}')
}

// appendString appends s as a JSON string escaped as serde_json, the
// reference writer's encoder, escapes it: quote, backslash and control
// characters only, with \b \t \n \f \r short forms and lower-case \u00xx.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c == '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"')
}
