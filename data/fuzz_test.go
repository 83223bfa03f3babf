package data

import (
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Each fuzz target writes its input to files and runs a reader on them.
// The property: the reader returns an error or a dataset that validates,
// and never panics or hangs. Iterations run one at a time within a worker
// process, so each target reuses the files of one temporary folder.

// fuzzFile writes b to the file name in dir and returns its path.
func fuzzFile(t *testing.T, dir, name string, b []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkFuzzResult applies the fuzz property to a reader's result.
func checkFuzzResult(t *testing.T, d *Dataset, err error) {
	t.Helper()
	if err != nil {
		if d != nil {
			t.Fatalf("error %v came with a dataset", err)
		}
		return
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("reader returned an invalid dataset: %v", err)
	}
	if d.N < 1 {
		t.Fatalf("reader returned an empty dataset")
	}
}

func FuzzReadIDX(f *testing.F) {
	images := idx(0x803, []int{2, 3, 4}, seq(24))
	labels := idx(0x801, []int{2}, []byte{1, 9})
	f.Add(images, labels)
	f.Add(gz(images), gz(labels))
	f.Add(images[:20], labels)
	f.Add(append(slices.Clone(images), 0), labels[:9])
	f.Add(labels, images)
	f.Add(idx(0x803, []int{1 << 31, 28, 28}, nil), []byte{})
	f.Add(gz(idx(0x803, []int{1 << 24, 1, 1}, nil)), gz(idx(0x801, []int{1 << 24}, nil)))
	f.Add([]byte{0x1f, 0x8b, 8, 0}, []byte("not idx"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, img, lab []byte) {
		ip := fuzzFile(t, dir, "images", img)
		lp := ""
		if len(lab) > 0 {
			lp = fuzzFile(t, dir, "labels", lab)
		}
		d, err := ReadIDX(ip, lp)
		checkFuzzResult(t, d, err)
	})
}

func fuzzCIFAR(f *testing.F, read func(...string) (*Dataset, error), labelBytes int) {
	rec := cifarRecord(0, make([]byte, labelBytes)...)
	f.Add(rec)
	f.Add(slices.Concat(rec, rec))
	f.Add(rec[:100])
	f.Add(append(slices.Clone(rec), 1))
	f.Add(slices.Concat([]byte{200, 200}, rec[2:]))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := read(fuzzFile(t, dir, "batch.bin", b))
		checkFuzzResult(t, d, err)
	})
}

func FuzzReadCIFAR10(f *testing.F)  { fuzzCIFAR(f, ReadCIFAR10, 1) }
func FuzzReadCIFAR100(f *testing.F) { fuzzCIFAR(f, ReadCIFAR100, 2) }

func FuzzReadNpy(f *testing.F) {
	f.Add(npyFile("<f4", "(1, 2, 3)", make([]byte, 24)))
	f.Add(npyFile("<f8", "(2, 1, 1, 1)", make([]byte, 16)))
	f.Add(npyFile("|u1", "(1, 1, 2)", []byte{0, 255}))
	f.Add(npyFile("<f4", "(1, 2, 3)", make([]byte, 20)))
	f.Add(npyFile("<f4", "(4294967296, 65536, 3)", nil))
	f.Add(npyRaw("{'shape': (1, 2, 3), 'fortran_order': False, 'descr': '<f4', }", make([]byte, 24)))
	f.Add(npyRaw("{'descr'", nil))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := fuzzFile(t, dir, "x.npy", b)
		d, err := ReadNpy(p)
		checkFuzzResult(t, d, err)
		d, err = ReadLFWSubset(p)
		checkFuzzResult(t, d, err)
	})
}

func FuzzReadImageFolder(f *testing.F) {
	f.Add(pngBytes(f, greyImage(3, 2, 10)))
	f.Add(pngBytes(f, colourImage(2, 2, color.NRGBA{1, 2, 3, 4})))
	f.Add(pngHeader(100000, 100000))
	f.Add(pngHeader(0, 1))
	f.Add([]byte("\xff\xd8\xff\xe0 not really a JPEG"))
	old := maxImagePixels
	maxImagePixels = 1 << 16 // keep every iteration cheap
	f.Cleanup(func() { maxImagePixels = old })
	dir := f.TempDir()
	os.Mkdir(filepath.Join(dir, "class"), 0o755)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzFile(t, dir, "class/x.png", b)
		for _, opt := range []FolderOptions{{}, {H: 3, W: 5, C: 3}} {
			d, err := ReadImageFolder(dir, opt)
			checkFuzzResult(t, d, err)
		}
	})
}

func FuzzReadOptdigits(f *testing.F) {
	row := digitsRow(0, 1)
	f.Add([]byte(row + digitsRow(3, 9)))
	f.Add(gz([]byte(row)))
	f.Add([]byte(row[:50]))
	f.Add([]byte("16,16\n"))
	f.Add([]byte(""))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ReadOptdigits(fuzzFile(t, dir, "digits.csv.gz", b))
		checkFuzzResult(t, d, err)
	})
}

func FuzzReadEmoji(f *testing.F) {
	recs, imgs := emojiFixture()
	dir := f.TempDir()
	writeEmojiPackage(f, dir, recs, imgs)
	valid, err := os.ReadFile(filepath.Join(dir, "emoji.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte(`[{"image": "0000.png", "category": "A", "has_img_twitter": true}]`))
	f.Add([]byte(`[{"image": "..", "category": "A", "has_img_twitter": true}]`))
	f.Add([]byte(`{"image": "0000.png"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, list []byte) {
		fuzzFile(t, dir, "emoji.json", list)
		d, classes, err := ReadEmoji(dir)
		checkFuzzResult(t, d, err)
		if err == nil && len(classes) != d.Classes {
			t.Fatalf("%d class names for %d classes", len(classes), d.Classes)
		}
	})
}
