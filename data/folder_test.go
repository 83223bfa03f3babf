package data

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/internal/testing/fixtures"
)

// colourImage returns a w×h image of one colour.
func colourImage(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func TestReadImageFolderGrey(t *testing.T) {
	dir := t.TempDir()
	fixtures.WriteFile(t, dir, "b_cats/2.png", fixtures.PNG(t, fixtures.GreyImage(3, 2, 100)))
	fixtures.WriteFile(t, dir, "b_cats/1.PNG", fixtures.PNG(t, fixtures.GreyImage(3, 2, 10)))
	fixtures.WriteFile(t, dir, "b_cats/notes.txt", []byte("not an image"))
	fixtures.WriteFile(t, dir, "a_dogs/x.png", fixtures.PNG(t, fixtures.GreyImage(3, 2, 200)))
	fixtures.WriteFile(t, dir, ".hidden/x.png", []byte("skipped"))
	fixtures.WriteFile(t, dir, "stray.png", []byte("skipped: not in a class folder"))
	d, err := ReadImageFolder(dir, FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, d)
	if d.N != 3 || d.C != 1 || d.H != 2 || d.W != 3 || d.Classes != 2 || !slices.Equal(d.Labels, []int{0, 1, 1}) {
		t.Fatalf("shape (%d, %d, %d, %d), classes %d, labels %v", d.N, d.C, d.H, d.W, d.Classes, d.Labels)
	}
	// Order: a_dogs/x.png, b_cats/1.PNG, b_cats/2.png; pixel (2, 1) is v+3.
	for i, v := range []float32{203, 13, 103} {
		if got := d.Image(i)[5]; got != v/255 {
			t.Errorf("image %d pixel (2,1) = %v, want %v", i, got, v/255)
		}
	}
	rgb, err := ReadImageFolder(dir, FolderOptions{C: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rgb.C != 3 || rgb.Image(0)[5] != 203.0/255 || rgb.Image(0)[6+5] != 203.0/255 || rgb.Image(0)[12+5] != 203.0/255 {
		t.Errorf("grey to RGB did not replicate: C %d, %v", rgb.C, rgb.Image(0))
	}
}

func TestReadImageFolderColour(t *testing.T) {
	dir := t.TempDir()
	fixtures.WriteFile(t, dir, "x/a.png", fixtures.PNG(t, colourImage(4, 4, color.NRGBA{200, 100, 50, 0})))
	fixtures.WriteFile(t, dir, "y/b.png", fixtures.PNG(t, colourImage(4, 4, color.NRGBA{0, 255, 10, 255})))
	var jb bytes.Buffer
	jpeg.Encode(&jb, colourImage(4, 4, color.NRGBA{128, 128, 128, 255}), &jpeg.Options{Quality: 100})
	fixtures.WriteFile(t, dir, "y/c.jpeg", jb.Bytes())
	d, err := ReadImageFolder(dir, FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, d)
	if d.C != 3 || d.N != 3 {
		t.Fatalf("C %d, N %d; want 3, 3", d.C, d.N)
	}
	// Alpha is dropped: the transparent pixel keeps its stored colour.
	img := d.Image(0)
	if img[0] != 200.0/255 || img[16] != 100.0/255 || img[32] != 50.0/255 {
		t.Errorf("transparent pixel read as %v %v %v, want 200 100 50 (/255)", img[0], img[16], img[32])
	}
	if math.Abs(float64(d.Image(2)[0])-128.0/255) > 2.0/255 {
		t.Errorf("JPEG grey 128 read as %v", d.Image(2)[0]*255)
	}
	grey, err := ReadImageFolder(dir, FolderOptions{C: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := (0.299*0 + 0.587*255 + 0.114*10) / 255
	if grey.C != 1 || math.Abs(float64(grey.Image(1)[0])-want) > 1e-3 {
		t.Errorf("luma of (0, 255, 10) = %v, want %v", grey.Image(1)[0], want)
	}
}

func TestReadImageFolderResize(t *testing.T) {
	dir := t.TempDir()
	fixtures.WriteFile(t, dir, "a/1.png", fixtures.PNG(t, colourImage(8, 6, color.NRGBA{10, 20, 30, 255})))
	fixtures.WriteFile(t, dir, "a/2.png", fixtures.PNG(t, colourImage(3, 5, color.NRGBA{10, 20, 30, 255})))
	d, err := ReadImageFolder(dir, FolderOptions{H: 4, W: 5})
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, d)
	if d.N != 2 || d.C != 3 || d.H != 4 || d.W != 5 {
		t.Fatalf("shape (%d, %d, %d, %d), want (2, 3, 4, 5)", d.N, d.C, d.H, d.W)
	}
	for i, v := range d.Images {
		want := float32([]int{10, 20, 30}[i/20%3]) / 255
		if math.Abs(float64(v-want)) > 1e-3 {
			t.Fatalf("value %d of a resized flat image = %v, want %v", i, v, want)
		}
	}
	_, err = ReadImageFolder(dir, FolderOptions{})
	fixtures.WantError(t, err, filepath.Join(dir, "a", "2.png"), "image is 3×5, but", "1.png is 8×6; set FolderOptions.H and W")
	// A program with options of its own names them instead.
	var mixed *ImageSizeError
	if !errors.As(err, &mixed) {
		t.Fatalf("error %v is not an *ImageSizeError", err)
	}
	mixed.Hint = "pass --size"
	if msg := err.Error(); !strings.HasSuffix(msg, "1.png is 8×6; pass --size") || strings.Contains(msg, "FolderOptions") {
		t.Errorf("with a hint of its own: %q", msg)
	}
	// Splits of different sizes are the same error.
	split := t.TempDir()
	fixtures.WriteFile(t, split, "train/a/1.png", fixtures.PNG(t, colourImage(8, 6, color.NRGBA{10, 20, 30, 255})))
	fixtures.WriteFile(t, split, "test/a/1.png", fixtures.PNG(t, colourImage(3, 5, color.NRGBA{10, 20, 30, 255})))
	_, err = Load("folder:"+split, LoadOptions{})
	fixtures.WantError(t, err, split, "train images are 8×6, but test images are 3×5; set FolderOptions.H and W")
	if !errors.As(err, &mixed) {
		t.Errorf("error %v is not an *ImageSizeError", err)
	}
}

// folder: with no path is refused, not read as some folder.
func TestLoadFolderNeedsAPath(t *testing.T) {
	_, err := Load("folder:", LoadOptions{})
	fixtures.WantError(t, err, "", "folder: names no folder", "folder:PATH")
}

func TestReadImageFolderErrors(t *testing.T) {
	good := fixtures.PNG(t, fixtures.GreyImage(2, 2, 0))
	tests := []struct {
		name  string
		files map[string][]byte
		opt   FolderOptions
		bad   string // file or folder the error names
		want  string
	}{
		{"corrupt", map[string][]byte{"a/1.png": good, "a/2.png": good[:len(good)-20]}, FolderOptions{}, "a/2.png", "decoding png"},
		{"not an image", map[string][]byte{"a/1.png": good, "b/2.jpg": []byte("GIF89a...")}, FolderOptions{}, "b/2.jpg", "not a readable PNG or JPEG image"},
		{"empty class", map[string][]byte{"a/1.png": good, "b/readme": nil}, FolderOptions{}, "b", "class folder has no .png, .jpg or .jpeg files"},
		{"no classes", map[string][]byte{"1.png": good}, FolderOptions{}, "", "no class sub-folders"},
		{"huge header", map[string][]byte{"a/1.png": fixtures.PNGHeader(100000, 100000)}, FolderOptions{}, "a/1.png", "header claims 100000×100000 pixels"},
		{"zero-size header", map[string][]byte{"a/1.png": fixtures.PNGHeader(0, 5)}, FolderOptions{}, "a/1.png", ""},
		{"bad channels", map[string][]byte{"a/1.png": good}, FolderOptions{C: 2}, "", "C is 2, want 0, 1 or 3"},
		{"half a size", map[string][]byte{"a/1.png": good}, FolderOptions{H: 4}, "", "H and W are 4 and 0"},
		{"huge size", map[string][]byte{"a/1.png": good}, FolderOptions{H: 1 << 14, W: 1 << 14}, "", "want at most 67108864 pixels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range tt.files {
				fixtures.WriteFile(t, dir, name, b)
			}
			_, err := ReadImageFolder(dir, tt.opt)
			fixtures.WantError(t, err, filepath.Join(dir, tt.bad), tt.want)
		})
	}
	_, err := ReadImageFolder(filepath.Join(t.TempDir(), "missing"), FolderOptions{})
	fixtures.WantError(t, err, "missing", "no such file")
	// A dangling link where a class folder or an image may be.
	for _, link := range []string{"b", "a/2.png"} {
		dir := t.TempDir()
		fixtures.WriteFile(t, dir, "a/1.png", good)
		if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
		_, err := ReadImageFolder(dir, FolderOptions{})
		fixtures.WantError(t, err, filepath.Join(dir, link), "no such file")
	}
}

// A folder read with FolderOptions.Photos holds, for each file, what
// photo.ReadFile gives it through the transform (photos of any size and mode),
// with the folder's labels; a transform and a resize together are refused.
func TestReadImageFolderThroughATransform(t *testing.T) {
	dir := t.TempDir()
	fixtures.WriteFile(t, dir, "cats/1.png", fixtures.PNG(t, fixtures.GreyImage(40, 30, 10)))
	fixtures.WriteFile(t, dir, "cats/2.png", fixtures.PNG(t, colourImage(20, 50, color.NRGBA{200, 10, 90, 128})))
	fixtures.WriteFile(t, dir, "dogs/1.png", fixtures.PNG(t, colourImage(33, 33, color.NRGBA{5, 250, 60, 255})))
	opt := photo.Options{Transform: photo.HubTransform(14)}
	d, err := ReadImageFolder(dir, FolderOptions{Photos: &opt})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.C != 3 || d.H != 14 || d.W != 14 || d.Classes != 2 || !slices.Equal(d.Labels, []int{0, 0, 1}) {
		t.Fatalf("dataset of %d images %d×%d×%d, %d classes, labels %v; want 3 of 3×14×14, 2 classes, [0 0 1]", d.N, d.C, d.H, d.W, d.Classes, d.Labels)
	}
	for i, f := range []string{"cats/1.png", "cats/2.png", "dogs/1.png"} {
		want, err := photo.ReadFile(filepath.Join(dir, f), opt)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.Image(i), want) {
			t.Errorf("%s: image differs from photo.ReadFile's", f)
		}
	}
	if _, err := ReadImageFolder(dir, FolderOptions{H: 14, W: 14, Photos: &opt}); err == nil || !strings.Contains(err.Error(), "with Photos set") {
		t.Errorf("a resize with a transform: %v", err)
	}
	fixtures.WriteFile(t, dir, "dogs/2.png", []byte("not a png"))
	if _, err := ReadImageFolder(dir, FolderOptions{Photos: &opt}); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "dogs/2.png")) {
		t.Errorf("an unreadable photo: %v", err)
	}
}

// A folder: dataset with train and test sub-folders reads both through
// the transform.
func TestLoadFolderThroughATransform(t *testing.T) {
	dir := t.TempDir()
	for _, split := range []string{"train", "test"} {
		fixtures.WriteFile(t, dir, split+"/a/1.png", fixtures.PNG(t, fixtures.GreyImage(40, 30, 10)))
		fixtures.WriteFile(t, dir, split+"/b/1.png", fixtures.PNG(t, colourImage(20, 50, color.NRGBA{200, 10, 90, 255})))
	}
	opt := photo.Options{Transform: photo.HubTransform(14)}
	src, err := Load("folder:"+dir, LoadOptions{Folder: FolderOptions{Photos: &opt}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*Dataset{src.Train, src.Test} {
		if d.N != 2 || d.C != 3 || d.H != 14 || d.W != 14 {
			t.Errorf("%s: %d images of %d×%d×%d, want 2 of 3×14×14", d.Name, d.N, d.C, d.H, d.W)
		}
	}
}

// A transform that sizes every photo on its own cannot fill a dataset of
// one image size: FolderOptions refuses it instead of reading.
func TestReadImageFolderRefusesAPerPhotoTransform(t *testing.T) {
	dir := t.TempDir()
	fixtures.WriteFile(t, dir, "cats/1.png", fixtures.PNG(t, fixtures.GreyImage(40, 30, 10)))
	tr := photo.HubTransform(28)
	tr.Patch, tr.MaxPatches = 14, 16
	_, err := ReadImageFolder(dir, FolderOptions{Photos: &photo.Options{Transform: tr}})
	fixtures.WantError(t, err, dir, "FolderOptions", "Patch", "one size")
}
