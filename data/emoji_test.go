package data

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// emojiRecord is one emoji.json entry as the package writes it.
type emojiRecord struct {
	Image    string `json:"image"`
	Category string `json:"category"`
	Twitter  bool   `json:"has_img_twitter"`
}

// writeEmojiPackage writes an emoji-datasource-twitter layout in dir: the
// list, and for each record with an image in imgs, its PNG.
func writeEmojiPackage(t testing.TB, dir string, recs []emojiRecord, imgs map[string]image.Image) {
	t.Helper()
	b, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	fixtures.WriteFile(t, dir, "emoji.json", b)
	for name, img := range imgs {
		fixtures.WriteFile(t, dir, filepath.Join("img", "twitter", "64", name), fixtures.PNG(t, img))
	}
}

// emojiFixture returns 20 "Animals" and 21 "Flags" emoji with images, 3
// "Component" ones (too few to be a class) and one without a Twitter image
// (and no file).
func emojiFixture() ([]emojiRecord, map[string]image.Image) {
	var recs []emojiRecord
	imgs := map[string]image.Image{}
	add := func(cat string, n int, img image.Image) {
		for range n {
			name := fmt.Sprintf("%04x.png", len(recs))
			recs = append(recs, emojiRecord{name, cat, true})
			imgs[name] = img
		}
	}
	add("Flags", 21, colourImage(EmojiSize, EmojiSize, color.NRGBA{255, 0, 0, 128})) // half-transparent red
	add("Animals", 20, colourImage(32, 32, color.NRGBA{0, 0, 0, 0}))                 // transparent, smaller
	add("Component", 3, colourImage(EmojiSize, EmojiSize, color.NRGBA{0, 0, 255, 255}))
	recs = append(recs, emojiRecord{"missing.png", "Flags", false})
	return recs, imgs
}

func TestReadEmoji(t *testing.T) {
	dir := t.TempDir()
	recs, imgs := emojiFixture()
	writeEmojiPackage(t, dir, recs, imgs)
	d, classes, err := ReadEmoji(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, d)
	if d.N != 41 || d.C != 3 || d.H != EmojiSize || d.W != EmojiSize || d.Classes != 2 {
		t.Fatalf("got %d images %d×%d×%d in %d classes; want 41 of 3×64×64 in 2", d.N, d.C, d.H, d.W, d.Classes)
	}
	if len(classes) != 2 || classes[0] != "Animals" || classes[1] != "Flags" {
		t.Fatalf("classes %q; want [Animals Flags]", classes)
	}
	// Records keep their order: 21 flags (label 1), then 20 animals (label 0).
	for i, l := range d.Labels {
		if want := map[bool]int{true: 1, false: 0}[i < 21]; l != want {
			t.Fatalf("label %d is %d, want %d", i, l, want)
		}
	}
	// Half-transparent red over white: red 1, green and blue 1 − 128/255.
	red := d.Image(0)
	plane := EmojiSize * EmojiSize
	for k, want := range []float64{1, 1 - 128.0/255, 1 - 128.0/255} {
		if got := float64(red[k*plane+100]); math.Abs(got-want) > 2.0/255 {
			t.Errorf("channel %d of a half-transparent red pixel over white is %.4f, want %.4f", k, got, want)
		}
	}
	// A transparent image, upscaled, is white.
	for i, v := range d.Image(21) {
		if v != 1 {
			t.Fatalf("value %d of a transparent emoji is %v, want 1 (white)", i, v)
		}
	}
}

func TestReadEmojiErrors(t *testing.T) {
	recs, imgs := emojiFixture()
	tests := []struct {
		name  string
		write func(dir string)
		file  string
		want  []string
	}{
		{"no list", func(string) {}, "emoji.json", []string{"reading the emoji list"}},
		{"not JSON", func(dir string) { fixtures.WriteFile(t, dir, "emoji.json", []byte(`{"image": 1}`)) }, "emoji.json", []string{"want a JSON array"}},
		{"no category", func(dir string) {
			r := append([]emojiRecord(nil), recs...)
			r[5].Category = ""
			writeEmojiPackage(t, dir, r, imgs)
		}, "emoji.json", []string{"emoji 5", `no "category"`}},
		{"path outside", func(dir string) {
			r := append([]emojiRecord(nil), recs...)
			r[2].Image = "../../etc/passwd.png"
			writeEmojiPackage(t, dir, r, imgs)
		}, "emoji.json", []string{"emoji 2", "want a file name ending in .png"}},
		{"one class", func(dir string) { writeEmojiPackage(t, dir, recs[:21], imgs) }, "emoji.json", []string{"1 categories", "want 2 or more"}},
		{"missing image", func(dir string) {
			writeEmojiPackage(t, dir, recs, imgs)
			fixtures.WriteFile(t, dir, "img/twitter/64/0007.png", nil)
		}, "0007.png", []string{"not a readable PNG"}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		tt.write(dir)
		d, _, err := ReadEmoji(dir)
		if d != nil {
			t.Errorf("%s: got a dataset with error %v", tt.name, err)
		}
		fixtures.WantError(t, err, tt.file, tt.want...)
	}
}

func TestLoadEmoji(t *testing.T) {
	s := loadOrSkip(t, "emoji")
	checkValid(t, s.Train)
	checkValid(t, s.Test)
	checkRange(t, s.Train)
	if n := s.Train.N + s.Test.N; n != 1906 || s.Train.Classes != 9 || s.Train.C != 3 || s.Train.H != EmojiSize {
		t.Errorf("%d images %d×%d×%d in %d classes; want 1906 of 3×64×64 in 9 (16.0.0)", n, s.Train.C, s.Train.H, s.Train.W, s.Train.Classes)
	}
	if frac := float64(s.Test.N) / float64(s.Train.N+s.Test.N); math.Abs(frac-testFraction) > 0.01 {
		t.Errorf("test fraction %.3f, want %.2f", frac, testFraction)
	}
}

func TestSelectEmoji(t *testing.T) {
	recs, _ := emojiFixture()
	b, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseEmojiJSON("emoji.json", b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		minPerClass int
		classes     []string
		picks       int
	}{
		{minEmojiPerClass, []string{"Animals", "Flags"}, 41},
		{3, []string{"Animals", "Component", "Flags"}, 44},
		{21, []string{"Flags"}, 21},
		{22, nil, 0},
	} {
		classes, picks := selectEmoji(entries, tc.minPerClass)
		if !slices.Equal(classes, tc.classes) || len(picks) != tc.picks {
			t.Errorf("minimum %d: classes %q and %d emoji, want %q and %d", tc.minPerClass, classes, len(picks), tc.classes, tc.picks)
			continue
		}
		for i, p := range picks {
			// The fixture lists 21 flags, 20 animals and 3 components, in that order.
			want := map[bool]string{true: "Flags", false: "Animals"}[i < 21]
			if i >= 41 {
				want = "Component"
			}
			if classes[p.label] != want || p.image != fmt.Sprintf("%04x.png", i) {
				t.Errorf("minimum %d: emoji %d is %s labelled %q, want %04x.png labelled %q", tc.minPerClass, i, p.image, classes[p.label], i, want)
			}
		}
	}
}
