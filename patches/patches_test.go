package patches

import (
	"slices"
	"testing"
)

func TestNewGridRejectsBadSizes(t *testing.T) {
	for _, c := range [][4]int{{1, 28, 28, 5}, {1, 4, 4, 4}, {0, 8, 8, 4}, {3, 30, 32, 8}} {
		if _, err := NewGrid(c[0], c[1], c[2], c[3]); err == nil {
			t.Errorf("grid %v accepted", c)
		}
	}
	g, err := NewGrid(3, 8, 12, 4)
	if err != nil || g.Len() != 6 || g.Dim() != 48 || g.Rows() != 2 || g.Cols() != 3 {
		t.Fatalf("grid 3×8×12 patch 4: %+v %v", g, err)
	}
}

// TestExtractLayouts checks both layouts on an image whose pixel values
// encode their own coordinates.
func TestExtractLayouts(t *testing.T) {
	g, _ := NewGrid(2, 4, 6, 2) // 2×3 patches
	img := make([]float32, g.ImageSize())
	for c := 0; c < 2; c++ {
		for y := 0; y < 4; y++ {
			for x := 0; x < 6; x++ {
				img[(c*4+y)*6+x] = float32(c*100 + y*10 + x)
			}
		}
	}
	first := make([]float64, g.Len()*g.Dim())
	last := make([]float64, g.Len()*g.Dim())
	Extract(g, img, nil, ChannelFirst, first)
	Extract(g, img, nil, ChannelLast, last)
	// Patch 4 is grid row 1, column 1: pixels y ∈ {2,3}, x ∈ {2,3}.
	wantFirst := []float64{22, 23, 32, 33, 122, 123, 132, 133}
	wantLast := []float64{22, 122, 23, 123, 32, 132, 33, 133}
	if got := first[4*8 : 5*8]; !slices.Equal(got, wantFirst) {
		t.Errorf("channel-first patch 4 = %v, want %v", got, wantFirst)
	}
	if got := last[4*8 : 5*8]; !slices.Equal(got, wantLast) {
		t.Errorf("channel-last patch 4 = %v, want %v", got, wantLast)
	}
	// A sequence order moves whole patches.
	order := []int{5, 4, 3, 2, 1, 0}
	Extract(g, img, order, ChannelFirst, first)
	if got := first[1*8 : 2*8]; !slices.Equal(got, wantFirst) {
		t.Errorf("reversed order position 1 = %v, want patch 4 %v", got, wantFirst)
	}
}

func TestSequences(t *testing.T) {
	g, _ := NewGrid(1, 12, 16, 4) // 3×4 grid
	want := map[Order][]int{
		Raster:       {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
		Spiral:       {0, 1, 2, 3, 7, 11, 10, 9, 8, 4, 5, 6},
		Checkerboard: {0, 2, 5, 7, 8, 10, 1, 3, 4, 6, 9, 11},
	}
	for o, w := range want {
		got, err := g.Sequence(o, 0)
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("%s: %v, %v; want %v", o, got, err, w)
		}
	}
	r1, _ := g.Sequence(Random, 1)
	r2, _ := g.Sequence(Random, 1)
	r3, _ := g.Sequence(Random, 2)
	if !slices.Equal(r1, r2) || slices.Equal(r1, r3) {
		t.Errorf("random order not a function of the seed: %v %v %v", r1, r2, r3)
	}
	sorted := slices.Clone(r1)
	slices.Sort(sorted)
	if !slices.Equal(sorted, want[Raster]) {
		t.Errorf("random order %v is not a permutation", r1)
	}
	if _, err := g.Sequence("zigzag", 0); err == nil {
		t.Error("unknown order accepted")
	}
}

func TestParseOrder(t *testing.T) {
	for _, o := range Orders() {
		if got, err := ParseOrder(string(o)); err != nil || got != o {
			t.Errorf("ParseOrder(%q) = %q, %v", o, got, err)
		}
	}
	if _, err := ParseOrder("zigzag"); err == nil {
		t.Error("zigzag accepted")
	}
}
