package data_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/aim-go/aim/data"
)

// Images travel as NumPy .npy arrays of shape (N, C, H, W): write a few,
// read them back as a Dataset, and normalise them per channel.
func Example() {
	dir, err := os.MkdirTemp("", "data-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "images.npy")
	pixels := make([]float32, 3*1*4*4) // three 1×4×4 images
	for i := range pixels {
		pixels[i] = float32(i % 5)
	}
	if err := data.WriteNpy(path, pixels, []int{3, 1, 4, 4}); err != nil {
		log.Fatal(err)
	}
	d, err := data.ReadNpy(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d images of %d×%d×%d\n", d.N, d.C, d.H, d.W)

	mean, std := data.ChannelStats(d)
	if err := d.Normalize(mean, std); err != nil {
		log.Fatal(err)
	}
	after, afterStd := data.ChannelStats(d)
	fmt.Printf("channel mean %.1f → %.1f, std %.2f → %.1f\n", mean[0], after[0], std[0], afterStd[0])

	// A fixed permutation of the images for one epoch: the same for a seed.
	fmt.Println(len(data.Permutation(d.N, 7, 0)))
	// Output:
	// 3 images of 1×4×4
	// channel mean 1.9 → 0.0, std 1.41 → 1.0
	// 3
}
