package patches

import (
	"slices"
	"testing"
)

// Extract32 is the float32 instance of Extract.
func TestExtract32(t *testing.T) {
	g, err := NewGrid(1, 4, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	img := make([]float32, 16)
	for i := range img {
		img[i] = float32(i)
	}
	a, b := make([]float32, 16), make([]float32, 16)
	Extract32(g, img, nil, ChannelFirst, a)
	Extract(g, img, nil, ChannelFirst, b)
	if !slices.Equal(a, b) || slices.Equal(a, img) {
		t.Errorf("Extract32 %v, Extract %v", a, b)
	}
}
