package photo

import (
	"image"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// NativeSize keeps the shorter side at the asked size and the aspect ratio
// to the nearest patch, and never gives more patches than allowed.
func TestNativeSize(t *testing.T) {
	cases := []struct {
		w, h, side, patch, max int
		height, width          int
	}{
		{640, 480, 224, 14, 4096, 224, 294}, // 298.7 px → 21 patches
		{480, 640, 224, 14, 4096, 294, 224}, // portrait
		{300, 300, 224, 14, 4096, 224, 224},
		{32, 32, 224, 14, 4096, 224, 224},      // enlarged
		{1000, 21, 224, 14, 4096, 224, 3584},   // 10,667 px → 762 patches, capped at 4096/16 = 256
		{451, 300, 224, 14, 4096, 224, 336},    // 336.7 px → 24.05 patches → 24
		{303, 200, 224, 14, 4096, 224, 336},    // 339.4 px → 24.24 → 24
		{209, 200, 224, 14, 4096, 224, 238},    // 234.1 px → 16.72 → 17
		{30, 50, 16, 4, 4096, 28, 16},          // 26.7 px → 6.67 patches → 7
		{100, 100, 2000, 14, 4096, 896, 896},   // the shorter side capped at √4096 = 64 patches
		{7, 5, 16, 4, 6, 8, 12},                // 4 patches short, then ≤ 6/2 = 3 long … √6 → 2 short
		{1, 1 << 20, 224, 14, 4096, 3584, 224}, // a one-pixel-wide photo
		{1 << 20, 3, 14, 14, 4096, 14, 57344},  // 1 patch short, 4096 long
		{3, 3, 1, 14, 4096, 14, 14},            // at least one patch
		{5000, 5000, 224, 14, 4096, 224, 224},  // reduced
		{4000, 3000, 224, 14, 4096, 224, 294},  // a camera's 4:3
		{6000, 4000, 336, 14, 4096, 336, 504},  // 3:2 at 336
		{1920, 1080, 224, 14, 4096, 224, 392},  // 398.2 px → 28.44 patches → 28
	}
	for _, c := range cases {
		h, w := NativeSize(c.w, c.h, c.side, c.patch, c.max)
		if h != c.height || w != c.width {
			t.Errorf("NativeSize(%d×%d, side %d, patch %d, max %d) = %d×%d (h×w), want %d×%d", c.w, c.h, c.side, c.patch, c.max, h, w, c.height, c.width)
		}
		if h%c.patch != 0 || w%c.patch != 0 || (h/c.patch)*(w/c.patch) > c.max {
			t.Errorf("NativeSize(%d×%d) = %d×%d: not whole patches of %d, or more than %d", c.w, c.h, h, w, c.patch, c.max)
		}
	}
}

// ReadGroups groups photos of one native size, each image as
// ReadFile gives it, Index pointing back into Paths; a transform of one
// size gives one group in order, as ReadAll does.
func TestReadGroups(t *testing.T) {
	files := []string{"chelsea_landscape.png", "coffee_portrait.png", "astronaut_square.png", "rocket_wide.png", "astronaut_palette.png"}
	for i := range files {
		files[i] = filepath.Join(photosDir, files[i])
	}
	native := HubTransform(28)
	native.Patch, native.MaxPatches = 7, 64
	g, err := ReadGroups(files, Options{Transform: native, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Paths, files) {
		t.Fatalf("paths %v, want %v", g.Paths, files)
	}
	seen := map[int]bool{}
	for _, group := range g.Groups {
		d := group.Images
		for j, i := range group.Index {
			want, err := ReadFile(files[i], Options{Transform: native})
			if err != nil {
				t.Fatal(err)
			}
			img, err := ReadRGB(files[i], Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			if h, w := native.PhotoSize(b.Dx(), b.Dy()); d.H != h || d.W != w {
				t.Errorf("%s (%d×%d) is in the group of %d×%d, want %d×%d", files[i], b.Dx(), b.Dy(), d.H, d.W, h, w)
			}
			if !slices.Equal(d.Image(j), want) {
				t.Errorf("%s differs from ReadFile's", files[i])
			}
			seen[i] = true
		}
	}
	if len(seen) != len(files) || len(g.Groups) < 3 {
		t.Errorf("%d photos in %d groups, want all %d in at least 3 (square, landscape, portrait)", len(seen), len(g.Groups), len(files))
	}
	if _, err := ReadAll(files, Options{Transform: native}); err == nil || !strings.Contains(err.Error(), "ReadGroups") {
		t.Errorf("ReadAll with sizes per photo: %v", err)
	}
	fixed := Options{Transform: HubTransform(28)}
	one, err := ReadGroups(files, fixed)
	if err != nil {
		t.Fatal(err)
	}
	all, err := ReadAll(files, fixed)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Groups) != 1 || !slices.Equal(one.Groups[0].Index, []int{0, 1, 2, 3, 4}) || !slices.Equal(one.Groups[0].Images.Values, all.Images.Values) {
		t.Error("a transform of one size: not one group equal to ReadAll's")
	}
}

// A bad photo is an error naming it, or with SkipBad listed and left out,
// the indices of the others following.
func TestReadGroupsBadPhotos(t *testing.T) {
	dir := t.TempDir()
	fixtures.WriteFile(t, dir, "a.png", fixtures.PNG(t, image.NewGray(image.Rect(0, 0, 30, 20))))
	fixtures.WriteFile(t, dir, "b.png", []byte("not a png"))
	fixtures.WriteFile(t, dir, "c.png", fixtures.PNG(t, image.NewGray(image.Rect(0, 0, 20, 30))))
	native := HubTransform(14)
	native.Patch, native.MaxPatches = 7, 64
	if _, err := ReadGroups([]string{dir}, Options{Transform: native}); err == nil || !strings.Contains(err.Error(), "b.png") {
		t.Errorf("a bad photo: %v", err)
	}
	g, err := ReadGroups([]string{dir}, Options{Transform: native, SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Bad) != 1 || len(g.Paths) != 2 || len(g.Groups) != 2 || g.Groups[1].Index[0] != 1 {
		t.Errorf("skipping a bad photo: %d bad, paths %v, %d groups", len(g.Bad), g.Paths, len(g.Groups))
	}
	if h, w := g.Groups[0].Images.H, g.Groups[0].Images.W; h != 14 || w != 21 {
		t.Errorf("a 30×20 photo at 14 pixels, patch 7: %d×%d, want 14×21", h, w)
	}
}
