package photo

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
	"github.com/aim-go/aim/internal/testing/pytorch"
)

// photosDir holds the test photos (see testdata/photos/LICENSE.md).
const photosDir = "testdata/photos"

// refScript is the torchvision reference, relative to this package.
const refScript = "../../reference/preprocess_ref.py"

// parityRef holds the reference outputs for a list of files.
type parityRef struct {
	files                   []string
	plain, normalized, exif Batch // (len(files), 3, 224, 224)
}

// torchvisionRef runs preprocess_ref.py once on files and reads its three
// outputs: before Normalize, with Normalize, and with the EXIF orientation
// applied (before Normalize).
func torchvisionRef(t *testing.T, py string, files []string) parityRef {
	t.Helper()
	dir := t.TempDir()
	ref := parityRef{files: files}
	outs := map[string]*Batch{"plain": &ref.plain, "normalized": &ref.normalized, "exif": &ref.exif}
	args := []string{refScript,
		"--out", filepath.Join(dir, "plain.npy"),
		"--out-normalized", filepath.Join(dir, "normalized.npy"),
		"--out-exif", filepath.Join(dir, "exif.npy")}
	if b, err := exec.Command(py, append(args, files...)...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s FILES: %v\n%s", py, strings.Join(args, " "), err, b)
	}
	for name, d := range outs {
		*d = readNpyBatch(t, filepath.Join(dir, name+".npy"))
		if d.N != len(files) || d.H != 224 || d.W != 224 {
			t.Fatalf("reference %s has shape (%d, 3, %d, %d), want (%d, 3, 224, 224)", name, d.N, d.H, d.W, len(files))
		}
	}
	return ref
}

// diffStats returns the mean and max of |got - want| and how many values
// differ.
func diffStats(got, want []float32) (mean, maxAbs float64, n int) {
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		mean += d
		maxAbs = max(maxAbs, d)
		if d != 0 {
			n++
		}
	}
	return mean / float64(len(got)), maxAbs, n
}

// levels formats a difference in [0, 1] units as 8-bit levels.
func levels(v float64) string { return fmt.Sprintf("%.4f/255", v*255) }

// reencodePNG decodes a photo with Go and writes it as a lossless PNG in
// dir, so that both pipelines read the same pixels.
func reencodePNG(t *testing.T, path, dir string) string {
	t.Helper()
	rgb, err := ReadRGB(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+"_reencoded.png")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, rgb); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPhotoParity compares the photo pipeline with torchvision 0.14 +
// Pillow 9.4 (reference/preprocess_ref.py) on every test photo, on a
// lossless re-encoding of the large one (strong downsampling), and on
// small PNGs and JPEGs carrying each EXIF orientation.
func TestPhotoParity(t *testing.T) {
	py := pytorch.Torchvision(t)
	files, err := List(photosDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files = append(files, reencodePNG(t, filepath.Join(photosDir, "retina_large.jpg"), dir))
	exifFiles := writeEXIFPhotos(t, dir)
	ref := torchvisionRef(t, py, append(files, exifFiles...))
	t.Run("ToTensor", func(t *testing.T) { checkToTensorParity(t, ref, len(files)) })
	t.Run("Normalize", func(t *testing.T) { checkNormalizeParity(t, ref) })
	t.Run("EXIF", func(t *testing.T) { checkEXIFParity(t, ref, len(files)) })
}

// checkToTensorParity compares the output before Normalize on the first
// n files of ref: PNG files must match to 0.5/255 on average and 3/255 at
// most (they match exactly), JPEG files closely (see below).
func checkToTensorParity(t *testing.T, ref parityRef, n int) {
	tf := EvalTransform()
	for i, f := range ref.files[:n] {
		rgb, err := ReadRGB(f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := tf.ToTensor(rgb)
		if err != nil {
			t.Fatal(err)
		}
		mean, maxAbs, nDiff := diffStats(got, ref.plain.Image(i))
		b := rgb.Bounds()
		t.Logf("%-28s %4d×%-4d mean |Δ| %s  max |Δ| %s  (%d of %d values differ)",
			filepath.Base(f), b.Dx(), b.Dy(), levels(mean), levels(maxAbs), nDiff, len(got))
		meanLimit, maxLimit := 0.5/255, 3.0/255
		if strings.HasSuffix(f, ".jpg") {
			// Only the inverse DCT differs (see ycbcr.go): measured
			// means ≤ 0.05/255 and maxima ≤ 4/255. Nearest-neighbour
			// chroma instead of libjpeg's interpolation gave up to 0.6/255
			// and 35/255; a wrong rounding bias, 0.28/255.
			meanLimit, maxLimit = 0.2/255, 8.0/255
		}
		if mean > meanLimit || maxAbs > maxLimit {
			t.Errorf("%s: mean |Δ| %s, max |Δ| %s; want ≤ %s and ≤ %s", f, levels(mean), levels(maxAbs), levels(meanLimit), levels(maxLimit))
		}
	}
}

// checkNormalizeParity reads all the files with ReadAll (in parallel)
// and checks the shape, the order, and that on PNG files, where the
// values before Normalize are equal, the normalised values are too, to
// the last bit (float32 subtraction, then division, as torchvision).
func checkNormalizeParity(t *testing.T, ref parityRef) {
	p, err := ReadAll(ref.files, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	d := p.Images
	if d.N != len(ref.files) || d.H != 224 || d.W != 224 || len(d.Values) != d.N*3*224*224 || len(p.Bad) != 0 {
		t.Fatalf("shape (%d, 3, %d, %d), %d values, %d bad; want (%d, 3, 224, 224)", d.N, d.H, d.W, len(d.Values), len(p.Bad), len(ref.files))
	}
	checkBatch(t, d)
	for i, f := range ref.files {
		if p.Paths[i] != f {
			t.Fatalf("Paths[%d] = %s, want %s", i, p.Paths[i], f)
		}
		_, maxAbs, n := diffStats(d.Image(i), ref.normalized.Image(i))
		if strings.HasSuffix(f, ".png") && n != 0 {
			t.Errorf("%s: %d normalised values differ from torchvision (max |Δ| %g), want 0", f, n, maxAbs)
		}
	}
}

// exifTestImage returns a 48×30 image with red growing to the right and
// green downwards, so that any wrong flip or rotation shows.
func exifTestImage() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 48, 30))
	for y := range 30 {
		for x := range 48 {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(5*x), uint8(8*y), uint8(100+2*x+3*y), 255
		}
	}
	return img
}

// writeEXIFPhotos writes PNGs (eXIf chunk after the image data,
// big-endian TIFF, LONG values) and JPEGs (APP1, little-endian, SHORT)
// with each EXIF orientation 1…8 into dir.
func writeEXIFPhotos(t *testing.T, dir string) []string {
	var files []string
	for o := 1; o <= 8; o++ {
		files = append(files,
			fixtures.WriteFile(t, dir, fmt.Sprintf("o%d.png", o), pngWithEXIF(t, exifTestImage(), tiffWithOrientation(true, 4, o))),
			fixtures.WriteFile(t, dir, fmt.Sprintf("o%d.jpg", o), jpegWithEXIF(t, exifTestImage(), tiffWithOrientation(false, 3, o))))
	}
	return files
}

// checkEXIFParity compares ReadRGB with EXIF set against PIL's
// ImageOps.exif_transpose, and without it against plain PIL, on the
// files of ref from the first-th on (those of writeEXIFPhotos).
func checkEXIFParity(t *testing.T, ref parityRef, first int) {
	for _, exif := range []bool{true, false} {
		want := map[bool]Batch{true: ref.exif, false: ref.plain}[exif]
		tf := EvalTransform()
		tf.EXIF = exif
		for i := first; i < len(ref.files); i++ {
			f := ref.files[i]
			rgb, err := ReadRGB(f, Options{Transform: tf})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tf.ToTensor(rgb)
			if err != nil {
				t.Fatal(err)
			}
			mean, maxAbs, _ := diffStats(got, want.Image(i))
			// A wrong orientation moves the mean by more than 0.1.
			limit := map[bool]float64{true: 0.1 / 255, false: 0}[strings.HasSuffix(f, ".jpg")]
			if mean > limit {
				t.Errorf("EXIF %v, %s: mean |Δ| %s (max %s), want ≤ %s", exif, filepath.Base(f), levels(mean), levels(maxAbs), levels(limit))
			}
		}
	}
}
