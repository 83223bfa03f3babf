package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes b to dir/name, creating parent folders, and returns
// the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// gz returns b gzipped.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// idx returns an IDX file with the given magic, dimensions and payload.
func idx(magic uint32, dims []int, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, payload...)
}

// seq returns n bytes 0, 1, 2, ... (mod 256).
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// npyFile returns a .npy file with the given dtype, shape tuple and data.
func npyFile(descr, shape string, data []byte) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	return npyRaw(dict, data)
}

// npyRaw returns a version 1.0 .npy file with the given header dictionary.
func npyRaw(dict string, data []byte) []byte {
	for (10+len(dict)+1)%16 != 0 {
		dict += " "
	}
	dict += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	b = append(b, dict...)
	return append(b, data...)
}

// wantError fails unless err is non-nil and its message names the file
// path (by its base name) and holds every substring in want.
func wantError(t testing.TB, err error, path string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one naming %s and saying %q", path, want)
	}
	msg := err.Error()
	if path != "" && !strings.Contains(msg, filepath.Base(path)) {
		t.Errorf("error %q does not name the file %s", msg, filepath.Base(path))
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
}

// checkValid fails unless d validates.
func checkValid(t testing.TB, d *Dataset) {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Fatalf("result does not validate: %v", err)
	}
}
