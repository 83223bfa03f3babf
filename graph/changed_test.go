//go:build unix

package graph

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/internal/testing/halffile"
)

// wantChanged checks that err is a *checkpoint.ChangedError naming path.
func wantChanged(t *testing.T, err error, path string) {
	t.Helper()
	var ce *checkpoint.ChangedError
	if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path+" changed while in use") {
		t.Fatalf("error %v; want a *checkpoint.ChangedError naming %s", err, path)
	}
}

// TestFeaturesOfATruncatedCheckpoint: extracting features with a model
// whose mapped file has been truncated since it was loaded is an error
// naming the file, for float32 weights used in place and for 16-bit
// weights kept as such, rather than a SIGBUS.
func TestFeaturesOfATruncatedCheckpoint(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 21)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	for _, dtype := range []string{"F32", "BF16"} {
		t.Run(dtype, func(t *testing.T) {
			path, f := filepath.Join(t.TempDir(), "c.safetensors"), &checkpoint.File{Tensors: ts, Meta: meta}
			write := func() error { return checkpoint.Write(path, f) }
			if dtype != "F32" {
				write = func() error { return halffile.Write(path, dtype, f) }
			}
			if err := write(); err != nil {
				t.Fatal(err)
			}
			loaded, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf())
			if err != nil {
				t.Fatal(err)
			}
			defer loaded.Close()
			ex, err := loaded.NewExtractor(2, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Close()
			images := randomImages(rand.New(rand.NewPCG(5, 6)), 4, testConfig)
			size := len(images) / 4
			image := func(i int, dst []float32) { copy(dst, images[i*size:(i+1)*size]) }
			batches := 0
			err = ex.Extract(context.Background(), 4, image, func(int, []float32) error {
				batches++
				if batches == 1 {
					return os.Truncate(path, 0)
				}
				return nil
			})
			if batches != 1 {
				t.Errorf("%d batches ran, want the first alone", batches)
			}
			wantChanged(t, err, path)
		})
	}
}

// TestRunAbsorbsATruncationDuringTheRun: a file truncated while a graph
// runs on its 16-bit weights makes the kernels that read them fault, in
// the graph machine's goroutine and in parallel loops; the run ends with
// an error naming the file, and the process goes on.
func TestRunAbsorbsATruncationDuringTheRun(t *testing.T) {
	m, err := New(testConfig, tensor.Float32, 22)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta := m.Tensors()
	path := writeHalf(t, "BF16", ts, meta)
	loaded, _, err := LoadCheckpoint(path, tensor.Float32, KeepHalf())
	if err != nil {
		t.Fatal(err)
	}
	defer loaded.Close()
	fg, err := loaded.NewFeatureGraph(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fg.Close()
	if err := fg.fill(randomImages(rand.New(rand.NewPCG(7, 8)), 2, testConfig), []int{fg.grid.Len(), fg.grid.Len()}); err != nil {
		t.Fatal(err)
	}
	// Program.Run, with the file truncated between the check before the
	// run and the run itself.
	err = fg.Program.weights.Use(func() error {
		if err := os.Truncate(path, 0); err != nil {
			return err
		}
		defer fg.vm.Reset()
		return fg.vm.RunAll()
	})
	wantChanged(t, err, path)
	if !strings.Contains(err.Error(), "reading byte") {
		t.Errorf("error %v does not report the faulting read", err)
	}
}
