package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNpyWriterStreamsRows(t *testing.T) {
	for _, rows := range []int{0, 1, 7, 1234} {
		path := filepath.Join(t.TempDir(), "feats.npy")
		w, err := CreateNpy(path, []int{3, 2})
		if err != nil {
			t.Fatal(err)
		}
		var want []float32
		for r := 0; r < rows; {
			n := min(rows-r, 5) // appends of up to 5 rows
			chunk := make([]float32, n*6)
			for i := range chunk {
				chunk[i] = float32((r*6 + i) % 97)
			}
			if err := w.Append(chunk); err != nil {
				t.Fatal(err)
			}
			want = append(want, chunk...)
			r += n
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%d rows: the file is visible before Close", rows)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if rows == 0 {
			raw, _ := os.ReadFile(path)
			if !strings.Contains(string(raw), "'shape': (0, 3, 2)") || len(raw)%64 != 0 {
				t.Errorf("empty array header %q", raw)
			}
			continue
		}
		d, err := ReadNpy(path)
		if err != nil {
			t.Fatalf("%d rows: %v", rows, err)
		}
		if d.N != rows || d.H != 3 || d.W != 2 || len(d.Images) != len(want) {
			t.Fatalf("%d rows: read back (%d, %d, %d)", rows, d.N, d.H, d.W)
		}
		for i := range want {
			if d.Images[i] != want[i] {
				t.Fatalf("%d rows: value %d is %v, want %v", rows, i, d.Images[i], want[i])
			}
		}
	}
}

func TestNpyWriterRefusesPartialRowsAndAborts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.npy")
	w, err := CreateNpy(path, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(make([]float32, 6)); err == nil {
		t.Error("6 values accepted as rows of 4")
	}
	w.Abort()
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("Abort left %v", entries)
	}
	if _, err := CreateNpy(path, []int{0}); err == nil {
		t.Error("rows of no values accepted")
	}
}
