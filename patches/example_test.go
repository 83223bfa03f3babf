package patches_test

import (
	"fmt"
	"log"

	"github.com/aim-go/aim/patches"
)

// A 1×4×4 image cut into 2×2 patches: K = 4 patches of 4 values, taken in
// raster order. Pixel values are their own raster index, so each patch
// shows where it came from.
func Example() {
	g, err := patches.NewGrid(1, 4, 4, 2)
	if err != nil {
		log.Fatal(err)
	}
	img := make([]float32, g.ImageSize())
	for i := range img {
		img[i] = float32(i)
	}
	dst := make([]float32, g.Len()*g.Dim())
	patches.Extract(g, img, nil, patches.ChannelFirst, dst)
	fmt.Printf("%d patches of %d values\n", g.Len(), g.Dim())
	for k := range g.Len() {
		fmt.Println(dst[k*g.Dim() : (k+1)*g.Dim()])
	}
	// Output:
	// 4 patches of 4 values
	// [0 1 4 5]
	// [2 3 6 7]
	// [8 9 12 13]
	// [10 11 14 15]
}

// The patch orders of the paper's ablation on a 3×3 grid: the grid
// position (row-major) of the patch at each sequence position.
func ExampleGrid_Sequence() {
	g, err := patches.NewGrid(1, 6, 6, 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range []patches.Order{patches.Raster, patches.Spiral, patches.Checkerboard} {
		seq, err := g.Sequence(o, 0)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-12s %v\n", o, seq)
	}
	// Output:
	// raster       [0 1 2 3 4 5 6 7 8]
	// spiral       [0 1 2 5 8 7 6 3 4]
	// checkerboard [0 2 4 6 8 1 3 5 7]
}

// Channel-last is the layout of AIM's pixel targets: (row, column,
// channel), channel fastest.
func ExampleExtract_channelLast() {
	g, err := patches.NewGrid(2, 2, 4, 2) // two channels, two patches side by side
	if err != nil {
		log.Fatal(err)
	}
	img := []float32{
		0, 1, 2, 3, // channel 0, row 0
		4, 5, 6, 7, // channel 0, row 1
		10, 11, 12, 13, // channel 1, row 0
		14, 15, 16, 17, // channel 1, row 1
	}
	first := make([]float32, g.Len()*g.Dim())
	last := make([]float32, g.Len()*g.Dim())
	patches.Extract(g, img, nil, patches.ChannelFirst, first)
	patches.Extract(g, img, nil, patches.ChannelLast, last)
	fmt.Println("channel first:", first[:g.Dim()])
	fmt.Println("channel last: ", last[:g.Dim()])
	// Output:
	// channel first: [0 1 4 5 10 11 14 15]
	// channel last:  [0 10 1 11 4 14 5 15]
}
