package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"testing"
)

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

// checkValid fails unless d validates.
func checkValid(t testing.TB, d *Dataset) {
	t.Helper()
	if err := d.Validate(); err != nil {
		t.Fatalf("result does not validate: %v", err)
	}
}
