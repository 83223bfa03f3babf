package main

import (
	"io"
	"testing"

	"gorgonia.org/tensor"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

// closer counts its Close calls.
type closer struct{ closed *int }

func (c closer) Close() error { *c.closed++; return nil }

// sizedRunners builds one runner per image size, reuses it while the size
// is among the last keptSizes used, closes the least recently used one
// beyond that, and closes the rest at the end.
func TestSizedRunnersKeepTheRecentSizes(t *testing.T) {
	m, err := graph.New(nativeV2, tensor.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	built, closed := map[int]int{}, map[int]*int{}
	s := newSizedRunners(m, io.Discard, func(sized *graph.Model) (closer, error) {
		w := sized.Config.ImageWidth
		built[w]++
		if closed[w] == nil {
			closed[w] = new(int)
		}
		return closer{closed[w]}, nil
	})
	widths := []int{28, 56, 28, 84, 112, 140, 28, 56} // 56 is the least recent when 140 comes
	for _, w := range widths {
		if _, err := s.get(&data.Dataset{C: 3, H: 56, W: w}, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if built[28] != 1 || built[56] != 2 || built[140] != 1 || *closed[56] != 1 || *closed[28] != 0 {
		t.Errorf("built %v, 56 closed %d times, 28 %d; want 28 built once and kept, 56 built twice after one close", built, *closed[56], *closed[28])
	}
	s.Close()
	for w, c := range closed {
		if *c != built[w] {
			t.Errorf("width %d: built %d times, closed %d", w, built[w], *c)
		}
	}
	if _, err := s.get(&data.Dataset{C: 3, H: 30, W: 28}, "odd.png"); err == nil {
		t.Error("images of 30 rows with patches of 28: no error")
	}
}
