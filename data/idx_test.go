package data

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

func TestReadIDX(t *testing.T) {
	pix := seq(2 * 3 * 4)
	pix[0], pix[1] = 255, 0
	images := idx(0x803, []int{2, 3, 4}, pix)
	labels := idx(0x801, []int{2}, []byte{7, 3})
	corruptGz := gz(images)
	corruptGz[len(corruptGz)-6] ^= 0xff // CRC-32 in the trailer

	tests := []struct {
		name       string
		imgName    string
		img        []byte
		labName    string // "" for no labels
		lab        []byte
		badFile    string // which file the error names: "img" or "lab"; "" for success
		wantErrSub []string
	}{
		{"raw", "i", images, "l", labels, "", nil},
		{"gzip", "i.gz", gz(images), "l.gz", gz(labels), "", nil},
		{"raw named .gz", "i.gz", images, "l.gz", labels, "", nil},
		{"gzip without .gz", "i", gz(images), "l", gz(labels), "", nil},
		{"no labels", "i", images, "", nil, "", nil},
		{"truncated", "i", images[:30], "", nil, "img", []string{"truncated: header says 2 images of 3×4 (24 bytes after the header), file has 14"}},
		{"truncated gzip", "i.gz", gz(images[:30]), "", nil, "img", []string{"truncated: header says 2 images of 3×4", "decompressed data has 14"}},
		{"short header", "i", images[:10], "", nil, "img", []string{"truncated: 10 bytes, an IDX images header has 16"}},
		{"empty", "i", nil, "", nil, "img", []string{"truncated: 0 bytes"}},
		{"trailing bytes", "i", append(slices.Clone(images), 1, 2), "", nil, "img", []string{"trailing data", "file has 26"}},
		{"trailing gzip data", "i.gz", gz(append(slices.Clone(images), 1)), "", nil, "img", []string{"trailing data"}},
		{"garbage after gzip", "i.gz", append(gz(images), "junk"...), "", nil, "img", nil},
		{"gzip checksum", "i.gz", corruptGz, "", nil, "img", []string{"checksum"}},
		{"corrupt gzip header", "i.gz", []byte{0x1f, 0x8b, 0, 0}, "", nil, "img", []string{"corrupt gzip header"}},
		{"not gzip but .gz", "i.gz", []byte("hello, this is text and no IDX"), "", nil, "img", []string{"not an IDX file: magic number 0x68656c6c"}},
		{"labels as images", "i", labels, "", nil, "img", []string{"0x00000801 is an IDX labels file, want images (0x00000803)"}},
		{"images as labels", "i", images, "l", images, "lab", []string{"is an IDX images file, want labels"}},
		{"float IDX", "i", idx(0x0d03, []int{1, 1, 1}, make([]byte, 4)), "", nil, "img", []string{"unsupported IDX magic 0x00000d03 (element type 0x0d, 3 dimensions)"}},
		{"zero height", "i", idx(0x803, []int{2, 0, 4}, nil), "", nil, "img", []string{"dimension 1 is 0"}},
		{"zero images", "i", idx(0x803, []int{0, 3, 4}, nil), "", nil, "img", []string{"dimension 0 is 0"}},
		{"count mismatch", "i", images, "l", idx(0x801, []int{3}, []byte{1, 2, 3}), "lab", []string{"3 labels, but", "holds 2 images"}},
		{"labels truncated", "i", images, "l", idx(0x801, []int{2}, []byte{1}), "lab", []string{"truncated: header says 2 labels (2 bytes after the header), file has 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			img := fixtures.WriteFile(t, dir, tt.imgName, tt.img)
			lab := ""
			if tt.labName != "" {
				lab = fixtures.WriteFile(t, dir, tt.labName, tt.lab)
			}
			d, err := ReadIDX(img, lab)
			switch tt.badFile {
			case "":
				if err != nil {
					t.Fatal(err)
				}
				checkIDXResult(t, d, lab != "")
			case "img":
				fixtures.WantError(t, err, img, tt.wantErrSub...)
			case "lab":
				fixtures.WantError(t, err, lab, tt.wantErrSub...)
			}
		})
	}
}

func checkIDXResult(t *testing.T, d *Dataset, labeled bool) {
	t.Helper()
	checkValid(t, d)
	if d.N != 2 || d.C != 1 || d.H != 3 || d.W != 4 {
		t.Fatalf("shape (%d, %d, %d, %d), want (2, 1, 3, 4)", d.N, d.C, d.H, d.W)
	}
	if d.Images[0] != 1 || d.Images[1] != 0 || d.Images[2] != 2.0/255 || d.Images[23] != 23.0/255 {
		t.Errorf("pixels %v not scaled bytes", d.Images[:4])
	}
	if !labeled {
		if d.Labels != nil || d.Classes != 0 {
			t.Errorf("labels %v, classes %d without a labels file", d.Labels, d.Classes)
		}
		return
	}
	if !slices.Equal(d.Labels, []int{7, 3}) || d.Classes != 8 {
		t.Errorf("labels %v, classes %d; want [7 3], 8", d.Labels, d.Classes)
	}
}

func TestReadIDXFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadIDX(filepath.Join(dir, "missing-images"), "")
	fixtures.WantError(t, err, "missing-images", "no such file")
	_, err = ReadIDX(dir, "")
	fixtures.WantError(t, err, dir, "not a regular file")
	img := fixtures.WriteFile(t, dir, "i", idx(0x803, []int{1, 1, 1}, []byte{1}))
	_, err = ReadIDX(img, filepath.Join(dir, "missing-labels"))
	fixtures.WantError(t, err, "missing-labels", "no such file")
}

// TestReadIDXHugeHeader checks that a header claiming 2^31 images is
// rejected without allocating for them.
func TestReadIDXHugeHeader(t *testing.T) {
	dir := t.TempDir()
	hdr := idx(0x803, []int{1 << 31, 1, 1}, seq(100))
	for _, tc := range []struct{ name string }{{"raw"}, {"gzip"}} {
		b := hdr
		if tc.name == "gzip" {
			b = gz(hdr)
		}
		p := fixtures.WriteFile(t, dir, tc.name, b)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(p, "")
		runtime.ReadMemStats(&after)
		fixtures.WantError(t, err, p, "truncated: header says 2147483648 images of 1×1")
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte file", tc.name, alloc, len(b))
		}
	}
	p := fixtures.WriteFile(t, dir, "max", idx(0x803, []int{1 << 31, 28, 28}, nil))
	_, err := ReadIDX(p, "")
	fixtures.WantError(t, err, p, "header says 2147483648 images of 28×28, more than the 1099511627776 bytes")
}

func TestReadIDXUnreadable(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("running as root: file permissions do not apply")
	}
	p := fixtures.WriteFile(t, t.TempDir(), "i", idx(0x803, []int{1, 1, 1}, []byte{1}))
	os.Chmod(p, 0)
	_, err := ReadIDX(p, "")
	fixtures.WantError(t, err, p, "permission denied")
}
