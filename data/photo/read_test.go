package photo

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

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// smallPhoto returns a w×h colour gradient.
func smallPhoto(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 7), uint8(y * 11), uint8(x + y), 255})
		}
	}
	return img
}

// photoTree writes a folder of photos and other files and returns it with
// the photo files List must find, in order.
func photoTree(t *testing.T) (string, []string) {
	dir := t.TempDir()
	png, jpg := fixtures.PNG(t, smallPhoto(9, 7)), jpegBytes(t, smallPhoto(9, 7))
	for name, b := range map[string][]byte{
		"b.png": png, "a.JPG": jpg, "c.jpeg": jpg, "notes.txt": []byte("hi"), "x.gif": png,
		".hidden.png": png, "._a.jpg": []byte("resource fork"), ".git/z.png": png,
		"sub/a.png": png, "sub/deeper/q.Jpeg": jpg, "sub/empty/.keep": nil,
	} {
		fixtures.WriteFile(t, dir, name, b)
	}
	var want []string
	for _, name := range []string{"a.JPG", "b.png", "c.jpeg", "link.png", "sub/a.png", "sub/deeper/q.Jpeg"} {
		want = append(want, filepath.Join(dir, filepath.FromSlash(name)))
	}
	if err := os.Symlink(filepath.Join(dir, "b.png"), filepath.Join(dir, "link.png")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	return dir, want
}

func TestList(t *testing.T) {
	dir, want := photoTree(t)
	got, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List(dir) =\n%q\nwant\n%q", got, want)
	}
	// Files named explicitly are taken whatever their name, in the order
	// given, before and after folders.
	notes := filepath.Join(dir, "notes.txt")
	got, err = List(notes, filepath.Join(dir, "sub"), notes)
	if err != nil {
		t.Fatal(err)
	}
	if wantMixed := []string{notes, want[4], want[5], notes}; !slices.Equal(got, wantMixed) {
		t.Errorf("List(notes, sub, notes) = %q, want %q", got, wantMixed)
	}
	_, err = List(filepath.Join(dir, "missing"))
	fixtures.WantError(t, err, "missing", "no such file")
	_, err = List(filepath.Join(dir, "sub", "empty"))
	fixtures.WantError(t, err, "empty", "no .png, .jpg, .jpeg files")
	if _, err = List(); err == nil {
		t.Error("List() succeeded, want an error")
	}
}

// truncatedJPEG returns a JPEG cut inside its scan data.
func truncatedJPEG(t *testing.T) []byte {
	b := jpegBytes(t, smallPhoto(64, 48))
	return b[:len(b)*2/3]
}

// hugeJPEGHeader returns a JPEG whose frame header claims 65000×65000
// pixels.
func hugeJPEGHeader(t *testing.T) []byte {
	b := jpegBytes(t, smallPhoto(8, 8))
	i := bytes.Index(b, []byte{0xff, 0xc0}) // SOF0: length, precision, height, width
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	b = slices.Clone(b)
	b[i+5], b[i+6], b[i+7], b[i+8] = 0xfd, 0xe8, 0xfd, 0xe8
	return b
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	png := fixtures.PNG(t, smallPhoto(40, 30))
	for _, tt := range []struct {
		name string
		data []byte
		want []string
	}{
		{"x.png", []byte("this is text, not a picture\n"), []string{"not a PNG or JPEG file"}},
		{"empty.jpg", nil, []string{"not a PNG or JPEG file"}},
		{"short.png", png[:20], []string{"unreadable PNG header", "truncated or corrupt"}},
		{"cut.png", png[:len(png)-30], []string{"decoding PNG", "truncated or corrupt"}},
		{"cut.jpg", truncatedJPEG(t), []string{"decoding JPEG", "truncated or corrupt"}},
		{"huge.png", fixtures.PNGHeader(100000, 100000), []string{"100000×100000", "limit of 178956970", "decompression bomb"}},
		{"huge.jpg", hugeJPEGHeader(t), []string{"65000×65000", "limit of 178956970"}},
	} {
		path := fixtures.WriteFile(t, dir, tt.name, tt.data)
		_, err := ReadFile(path, Options{})
		fixtures.WantError(t, err, path, tt.want...)
		_, err = ReadRGB(path, Options{})
		fixtures.WantError(t, err, path, tt.want...)
	}
	path := fixtures.WriteFile(t, dir, "ok.png", png)
	_, err := ReadFile(path, Options{MaxPixels: 40*30 - 1})
	fixtures.WantError(t, err, path, "40×30", "limit of 1199 (Options.MaxPixels)")
	if _, err := ReadFile(path, Options{MaxPixels: 40 * 30}); err != nil {
		t.Errorf("at the pixel limit: %v", err)
	}
	_, err = ReadFile(dir, Options{})
	fixtures.WantError(t, err, dir, "not a regular file")
	_, err = ReadFile(filepath.Join(dir, "missing.png"), Options{})
	fixtures.WantError(t, err, "missing.png", "no such file")
	_, err = ReadFile(path, Options{Transform: Transform{Resize: -1}})
	fixtures.WantError(t, err, "", "transform")
}

// TestReadAll reads a folder with bad files, with and without SkipBad
// and with several numbers of workers.
func TestReadAll(t *testing.T) {
	dir := t.TempDir()
	good := map[string][]byte{
		"1.png":     fixtures.PNG(t, smallPhoto(30, 20)),
		"3.jpg":     jpegBytes(t, smallPhoto(17, 40)),
		"5.png":     fixtures.PNG(t, fixtures.GreyImage(8, 8, 99)),
		"sub/6.png": fixtures.PNG(t, smallPhoto(300, 2)),
	}
	for name, b := range good {
		fixtures.WriteFile(t, dir, name, b)
	}
	fixtures.WriteFile(t, dir, "2_bad.png", []byte("text"))
	fixtures.WriteFile(t, dir, "4_bad.jpg", truncatedJPEG(t))
	for _, workers := range []int{0, 1, 3, 16} {
		opt := Options{Workers: workers}
		_, err := ReadAll([]string{dir}, opt)
		fixtures.WantError(t, err, "2_bad.png", "not a PNG or JPEG file")

		opt.SkipBad = true
		p, err := ReadAll([]string{dir}, opt)
		if err != nil {
			t.Fatal(err)
		}
		checkBatch(t, p.Images)
		if p.Images.N != 4 || p.Images.H != 224 || p.Images.W != 224 {
			t.Fatalf("workers %d: %d images of 3×%d×%d", workers, p.Images.N, p.Images.H, p.Images.W)
		}
		wantPaths := []string{"1.png", "3.jpg", "5.png", "sub/6.png"}
		for i, name := range wantPaths {
			path := filepath.Join(dir, filepath.FromSlash(name))
			if p.Paths[i] != path {
				t.Errorf("workers %d: Paths[%d] = %s, want %s", workers, i, p.Paths[i], path)
			}
			one, err := ReadFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(one, p.Images.Image(i)) {
				t.Errorf("workers %d: image %d differs from ReadFile(%s)", workers, i, name)
			}
		}
		if len(p.Bad) != 2 || p.Bad[0].Path != filepath.Join(dir, "2_bad.png") || p.Bad[1].Path != filepath.Join(dir, "4_bad.jpg") {
			t.Fatalf("workers %d: Bad = %v", workers, p.Bad)
		}
		for _, bad := range p.Bad {
			fixtures.WantError(t, bad.Err, bad.Path)
		}
	}
}

func TestReadAllBadAndOptions(t *testing.T) {
	dir := t.TempDir()
	bad := fixtures.WriteFile(t, dir, "bad.jpg", []byte("no"))
	p, err := ReadAll([]string{bad}, Options{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Images.N != 0 || len(p.Images.Values) != 0 || len(p.Paths) != 0 || len(p.Bad) != 1 {
		t.Errorf("all bad: N %d, %d values, %d paths, %d bad", p.Images.N, len(p.Images.Values), len(p.Paths), len(p.Bad))
	}
	checkBatch(t, p.Images)

	good := fixtures.WriteFile(t, dir, "good.png", fixtures.PNG(t, smallPhoto(50, 40)))
	tf := Transform{Resize: 40, Crop: 32, Mean: [3]float64{0.5, 0.5, 0.5}, Std: [3]float64{0.5, 0.5, 0.5}}
	p, err = ReadAll([]string{good}, Options{Transform: tf})
	if err != nil {
		t.Fatal(err)
	}
	if p.Images.H != 32 || p.Images.W != 32 || len(p.Images.Values) != 3*32*32 {
		t.Fatalf("custom transform: %d images of 3×%d×%d", p.Images.N, p.Images.H, p.Images.W)
	}
	x, err := tf.ToTensor(smallPhoto(50, 40))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		if want := (v - 0.5) / 0.5; p.Images.Values[i] != want {
			t.Fatalf("value %d: %v, want %v", i, p.Images.Values[i], want)
		}
	}
	_, err = ReadAll([]string{good}, Options{Transform: Transform{Crop: 3}})
	fixtures.WantError(t, err, "", "transform")
	_, err = ReadAll([]string{filepath.Join(dir, "nothing")}, Options{SkipBad: true})
	fixtures.WantError(t, err, "nothing", "no such file")
}

// TestReadRGBEXIF checks that EXIF orientation 6 turns a 9×7 image into
// a 7×9 one only when asked.
func TestReadRGBEXIF(t *testing.T) {
	img := smallPhoto(9, 7)
	path := fixtures.WriteFile(t, t.TempDir(), "o6.png", pngWithEXIF(t, img, tiffWithOrientation(false, 3, 6)))
	plain, err := ReadRGB(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Bounds() != image.Rect(0, 0, 9, 7) {
		t.Errorf("without EXIF: bounds %v, want 9×7", plain.Bounds())
	}
	tf := EvalTransform()
	tf.EXIF = true
	turned, err := ReadRGB(path, Options{Transform: tf})
	if err != nil {
		t.Fatal(err)
	}
	if turned.Bounds() != image.Rect(0, 0, 7, 9) {
		t.Fatalf("with EXIF: bounds %v, want 7×9", turned.Bounds())
	}
	// Rotated 90° clockwise: the bottom-left pixel comes to the top left.
	if got, want := rgbOf(t, turned, 0, 0), rgbOf(t, plain, 0, 6); got != want {
		t.Errorf("top-left %v, want the original bottom-left %v", got, want)
	}
	a, err := ReadFile(path, Options{Transform: tf})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tf.Apply(turned)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) {
		t.Error("ReadFile with EXIF differs from Apply of the turned image")
	}
}

// TestPhotoErrorsNameFile checks, on the stored test photos, that errors
// from a corrupted copy name the copy.
func TestPhotoErrorsNameFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(photosDir, "coffee_portrait.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	path := fixtures.WriteFile(t, t.TempDir(), "half.jpg", b[:len(b)/2])
	_, err = ReadAll([]string{path}, Options{})
	fixtures.WantError(t, err, path, "half.jpg: decoding JPEG (truncated or corrupt): ")
	if !strings.Contains(err.Error(), "invalid JPEG format") && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("error %q does not give the decoder's reason", err)
	}
}

// TestJPEGHeaderPatch makes sure hugeJPEGHeader's file is otherwise a
// readable JPEG header, so that the size check is what refuses it.
func TestJPEGHeaderPatch(t *testing.T) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(hugeJPEGHeader(t)))
	if err != nil || cfg.Width != 65000 || cfg.Height != 65000 {
		t.Fatalf("DecodeConfig = %+v, %v", cfg, err)
	}
}

// FuzzReadFile checks that any file contents give either an error naming
// the file or 3·Crop·Crop finite values, without panicking.
func FuzzReadFile(f *testing.F) {
	f.Add(fixtures.PNG(f, smallPhoto(5, 3)))
	f.Add(jpegBytes(f, smallPhoto(17, 9)))
	f.Add(pngWithEXIF(f, smallPhoto(4, 6), tiffWithOrientation(true, 3, 8)))
	f.Add(fixtures.PNGHeader(3, 2))
	dir := f.TempDir()
	tf := Transform{Resize: 8, Crop: 6, Mean: ImageNetMean, Std: ImageNetStd, EXIF: true}
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "fuzz.png")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		x, err := ReadFile(path, Options{Transform: tf, MaxPixels: 1 << 16})
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.png") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(x) != tf.Len() {
			t.Fatalf("%d values, want %d", len(x), tf.Len())
		}
		for _, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite value %v", v)
			}
		}
	})
}

// ReadFiles reads the paths it is given as files, in order, without
// listing: a folder is a file it cannot read, and no path no photo.
func TestReadFilesTakesPathsAsFiles(t *testing.T) {
	dir := t.TempDir()
	a := fixtures.WriteFile(t, dir, "a.png", fixtures.PNG(t, smallPhoto(30, 20)))
	b := fixtures.WriteFile(t, dir, "sub/b.png", fixtures.PNG(t, smallPhoto(20, 30)))
	p, err := ReadFiles([]string{b, a}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Images.N != 2 || !slices.Equal(p.Paths, []string{b, a}) {
		t.Fatalf("%d images from %v, want 2 from [%s %s]", p.Images.N, p.Paths, b, a)
	}
	one, err := ReadFile(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Images.Image(0), one) {
		t.Error("image 0 differs from ReadFile of the first path")
	}
	_, err = ReadFiles([]string{a, filepath.Join(dir, "sub")}, Options{})
	fixtures.WantError(t, err, "sub", "not a regular file")
	none, err := ReadFiles(nil, Options{})
	if err != nil || none.Images.N != 0 || len(none.Images.Values) != 0 {
		t.Errorf("no files: %+v, %v; want an empty set", none, err)
	}
}

// Options are valid when their transform is, the zero transform standing
// for EvalTransform.
func TestOptionsValidate(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("zero options: %v", err)
	}
	err := Options{Transform: Transform{Resize: 8, Crop: 0, Mean: ImageNetMean, Std: ImageNetStd}}.Validate()
	fixtures.WantError(t, err, "", "Crop 0")
}
