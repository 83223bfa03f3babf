package data

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// Each fuzz target writes its input to files and runs a reader on them
// (the emoji targets call the parts of ReadEmoji directly; see FuzzReadEmoji).
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
	f.Add(fixtures.PNG(f, fixtures.GreyImage(3, 2, 10)))
	f.Add(fixtures.PNG(f, colourImage(2, 2, color.NRGBA{1, 2, 3, 4})))
	f.Add(fixtures.PNGHeader(100000, 100000))
	f.Add(fixtures.PNGHeader(0, 1))
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

// FuzzReadEmoji and FuzzReadEmojiImage fuzz what ReadEmoji does with its
// inputs, without the files: parsing emoji.json and choosing the classes and
// labels from it, and decoding one emoji image and compositing it over
// white. (Reading a whole fixture package per input ran at under one input a
// second.) TestReadEmoji and TestReadEmojiErrors check that ReadEmoji puts
// these parts together. They are two targets, with small seeds, and classes
// are checked with a minimum of 2 emoji as well as ReadEmoji's 20, because
// the fuzzer minimises every input that reaches new code by running the
// target a number of times quadratic in the input's length: a valid image
// decoded with every try of a list, or a list of 40 emoji, stalls it.
func FuzzReadEmoji(f *testing.F) {
	var recs []emojiRecord
	for i, cat := range []string{"Flags", "Animals", "Flags", "Component", "Animals", "Flags"} {
		recs = append(recs, emojiRecord{fmt.Sprintf("%x.png", i), cat, true})
	}
	recs = append(recs, emojiRecord{"missing.png", "Flags", false})
	valid, err := json.Marshal(recs)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte(`[{"image": "0000.png", "category": "A", "has_img_twitter": true}]`))
	f.Add([]byte(`[{"image": "..", "category": "A", "has_img_twitter": true}]`))
	f.Add([]byte(`{"image": "0000.png"}`))
	f.Add([]byte(`null`))
	f.Fuzz(checkEmojiList)
}

func FuzzReadEmojiImage(f *testing.F) {
	_, imgs := emojiFixture()
	red := fixtures.PNG(f, imgs["0000.png"]) // 64×64, half-transparent
	f.Add(red)
	f.Add(red[:len(red)/2])
	f.Add(fixtures.PNG(f, imgs[fmt.Sprintf("%04x.png", 21)])) // 32×32, transparent
	f.Add(fixtures.PNG(f, fixtures.GreyImage(5, 3, 7)))
	f.Add(fixtures.PNG(f, colourImage(2, 70, color.NRGBA{9, 200, 30, 255})))
	f.Add(fixtures.PNGHeader(100000, 100000))
	f.Add([]byte("\xff\xd8\xff\xe0 not really a JPEG"))
	f.Add([]byte{})
	old := maxImagePixels
	maxImagePixels = 1 << 16 // keep every iteration cheap
	f.Cleanup(func() { maxImagePixels = old })
	f.Fuzz(checkEmojiImage)
}

// checkEmojiList applies the fuzz property to the list: an error names the
// file, and a list that parses gives classes and labels that agree with it.
func checkEmojiList(t *testing.T, list []byte) {
	entries, err := parseEmojiJSON("dir/emoji.json", list)
	if err != nil {
		if entries != nil || !strings.Contains(err.Error(), "dir/emoji.json") {
			t.Fatalf("error %q came with %d entries or does not name the file", err, len(entries))
		}
		return
	}
	count := map[string]int{}
	for i, e := range entries {
		if !e.Twitter {
			continue
		}
		if e.Category == "" || len(e.Image) <= len(".png") || !strings.HasSuffix(e.Image, ".png") || strings.ContainsAny(e.Image, `/\`) {
			t.Fatalf("entry %d %+v was accepted", i, e)
		}
		count[e.Category]++
	}
	for _, minPerClass := range []int{2, minEmojiPerClass} {
		checkEmojiClasses(t, count, minPerClass)(selectEmoji(entries, minPerClass))
	}
}

// checkEmojiClasses returns a check of selectEmoji's result against count,
// the number of emoji with a Twitter image in each category.
func checkEmojiClasses(t *testing.T, count map[string]int, minPerClass int) func([]string, []emojiPick) {
	return func(classes []string, picks []emojiPick) {
		t.Helper()
		if !slices.IsSorted(classes) || len(slices.Compact(slices.Clone(classes))) != len(classes) {
			t.Fatalf("classes %q are not sorted and distinct", classes)
		}
		want := 0
		for c, n := range count {
			_, kept := slices.BinarySearch(classes, c)
			if kept != (n >= minPerClass) {
				t.Fatalf("category %q has %d emoji, and is a class: %v (minimum %d)", c, n, kept, minPerClass)
			}
			if kept {
				want += n
			}
		}
		if len(picks) != want {
			t.Fatalf("%d emoji chosen from classes holding %d", len(picks), want)
		}
		perLabel := make([]int, len(classes))
		for _, p := range picks {
			if p.label < 0 || p.label >= len(classes) {
				t.Fatalf("label %d of %s is not one of %d classes", p.label, p.image, len(classes))
			}
			perLabel[p.label]++
		}
		for l, n := range perLabel {
			if n != count[classes[l]] {
				t.Fatalf("%d emoji labelled %q, the list has %d", n, classes[l], count[classes[l]])
			}
		}
	}
}

// checkEmojiImage applies the fuzz property to one image: an error names
// the file, and an image that decodes becomes a 3×64×64 image in [0, 1].
func checkEmojiImage(t *testing.T, png []byte) {
	img, err := decodeImage("0000.png", png)
	if err != nil {
		if !strings.Contains(err.Error(), "0000.png") {
			t.Fatalf("error %q does not name the file", err)
		}
		return
	}
	dst := make([]float32, 3*EmojiSize*EmojiSize)
	for i := range dst {
		dst[i] = -1
	}
	emojiToFloat(dst, img)
	for i, v := range dst {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("value %d of the emoji is %v, want it in [0, 1]", i, v)
		}
	}
}
