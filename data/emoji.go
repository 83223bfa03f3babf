package data

import (
	"encoding/json"
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"
	"golang.org/x/image/draw"

	"github.com/aim-go/aim/internal/regular"
)

// The emoji dataset: the base emoji of the npm package
// emoji-datasource-twitter (CC-BY 4.0), classified by their Unicode
// category ("Animals & Nature", "Flags", …).
const (
	// EmojiSize is the side of the images read (the package's 64-pixel set).
	EmojiSize = 64
	// minEmojiPerClass is the smallest category kept: "Component" (five
	// skin-tone and hair swatches) is not a class one can learn or test.
	minEmojiPerClass = 20
	// maxEmojiJSON bounds the size of emoji.json (16.0.0's is 2 MB).
	maxEmojiJSON = 64 << 20
)

// emojiEntry is the part of an emoji.json record the reader uses.
type emojiEntry struct {
	Image    string `json:"image"`
	Category string `json:"category"`
	Twitter  bool   `json:"has_img_twitter"`
}

// ReadEmoji reads the base emoji of the emoji-datasource-twitter package
// unpacked in dir: dir/emoji.json lists them, dir/img/twitter/64/IMAGE
// holds each one. Each emoji that has a Twitter image becomes a 64×64 RGB
// image composited over white (the PNGs are transparent around the
// drawing), labelled by its category; categories are numbered in
// alphabetical order, and those with fewer than 20 emoji are left out.
// The categories are returned in label order.
func ReadEmoji(dir string) (*Dataset, []string, error) {
	listPath := filepath.Join(dir, "emoji.json")
	entries, err := readEmojiJSON(listPath)
	if err != nil {
		return nil, nil, err
	}
	classes, picks := selectEmoji(entries, minEmojiPerClass)
	if len(classes) < 2 {
		return nil, nil, errors.Errorf("%s: %d categories with at least %d emoji that have a Twitter image; want 2 or more",
			listPath, len(classes), minEmojiPerClass)
	}
	d := &Dataset{Name: "emoji", C: 3, H: EmojiSize, W: EmojiSize, Labels: make([]int, 0, len(picks)), Classes: len(classes)}
	imgDir := filepath.Join(dir, "img", "twitter", "64")
	for _, p := range picks {
		img, err := decodeImageFile(filepath.Join(imgDir, p.image))
		if err != nil {
			return nil, nil, err
		}
		d.Images = append(d.Images, make([]float32, 3*EmojiSize*EmojiSize)...)
		d.Labels = append(d.Labels, p.label)
		d.N++
		emojiToFloat(d.Image(d.N-1), img)
	}
	return d, classes, nil
}

// emojiPick is an emoji that ReadEmoji reads: its image file and label.
type emojiPick struct {
	image string
	label int
}

// selectEmoji returns the categories kept as classes, sorted (those with at
// least minPerClass emoji that have a Twitter image; ReadEmoji keeps
// minEmojiPerClass), and in list order the emoji with a Twitter image in
// those categories, each labelled with the index of its category.
func selectEmoji(entries []emojiEntry, minPerClass int) ([]string, []emojiPick) {
	classes := emojiClasses(entries, minPerClass)
	var picks []emojiPick
	for _, e := range entries {
		if label, ok := slices.BinarySearch(classes, e.Category); e.Twitter && ok {
			picks = append(picks, emojiPick{e.Image, label})
		}
	}
	return classes, picks
}

// emojiToFloat composites a decoded emoji over white and stores it in dst
// as a 3×EmojiSize×EmojiSize image (resized if needed), values in [0, 1].
func emojiToFloat(dst []float32, img image.Image) {
	imageToFloat(dst, overWhite(img), 3, EmojiSize, EmojiSize)
}

// readEmojiJSON reads and checks the list of emoji.
func readEmojiJSON(path string) ([]emojiEntry, error) {
	f, size, err := regular.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading the emoji list")
	}
	defer f.Close()
	if size > maxEmojiJSON {
		return nil, errors.Errorf("%s: %d bytes; an emoji list is at most %d", path, size, maxEmojiJSON)
	}
	b, err := readUpTo(f, maxEmojiJSON, size)
	if err != nil {
		return nil, errors.Wrapf(err, "%s: reading", path)
	}
	return parseEmojiJSON(path, b)
}

// parseEmojiJSON parses and checks the list of emoji b, read from path
// (which errors name): every emoji with a Twitter image must have a
// category and a bare .png file name.
func parseEmojiJSON(path string, b []byte) ([]emojiEntry, error) {
	var entries []emojiEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, errors.Wrapf(err, "%s: want a JSON array of emoji objects", path)
	}
	for i, e := range entries {
		if !e.Twitter {
			continue
		}
		if e.Category == "" {
			return nil, errors.Errorf("%s: emoji %d (%q) has no \"category\"", path, i, e.Image)
		}
		if !validEmojiImage(e.Image) {
			return nil, errors.Errorf("%s: emoji %d: \"image\" is %q; want a file name ending in .png", path, i, e.Image)
		}
	}
	return entries, nil
}

// validEmojiImage reports whether name is a bare .png file name, so that a
// list cannot point outside the image folder.
func validEmojiImage(name string) bool {
	return strings.HasSuffix(name, ".png") && len(name) > len(".png") && !strings.ContainsAny(name, `/\`)
}

// emojiClasses returns, sorted, the categories with at least minPerClass
// emoji that have a Twitter image.
func emojiClasses(entries []emojiEntry, minPerClass int) []string {
	count := map[string]int{}
	for _, e := range entries {
		if e.Twitter {
			count[e.Category]++
		}
	}
	var classes []string
	for c, n := range count {
		if n >= minPerClass {
			classes = append(classes, c)
		}
	}
	slices.Sort(classes)
	return classes
}

// overWhite composites img over a white background.
func overWhite(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewRGBA64(b)
	draw.Draw(out, b, image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, b, img, b.Min, draw.Over)
	return out
}
