package photo_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/aim-go/aim/data/photo"
)

// Read a folder of photos through ml-aim's evaluation transform, then
// one photo through AIMv2's hub transform at its own aspect ratio.
func Example() {
	dir := filepath.Join("testdata", "photos")
	set, err := photo.ReadAll([]string{dir}, photo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d photos of 3×%d×%d\n", set.Images.N, set.Images.H, set.Images.W)
	fmt.Println(filepath.Base(set.Paths[0]), len(set.Images.Image(0)))

	native := photo.HubTransform(224)
	native.Patch, native.MaxPatches = 14, 4096
	groups, err := photo.ReadGroups([]string{filepath.Join(dir, "chelsea_landscape.png")}, photo.Options{Transform: native})
	if err != nil {
		log.Fatal(err)
	}
	g := groups.Groups[0].Images
	fmt.Printf("a 451×300 photo at its own aspect ratio: 3×%d×%d\n", g.H, g.W)
	// Output:
	// 28 photos of 3×224×224
	// astronaut_444.jpg 150528
	// a 451×300 photo at its own aspect ratio: 3×224×336
}
