package data

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/aim-go/aim/internal/testing/fixtures"
)

// cifarRecord returns a CIFAR record with the given label bytes whose
// pixel byte j is (j + seed) mod 256.
func cifarRecord(seed int, labels ...byte) []byte {
	b := slices.Clone(labels)
	for j := range cifarPixels {
		b = append(b, byte(j+seed))
	}
	return b
}

func TestReadCIFAR10(t *testing.T) {
	dir := t.TempDir()
	a := fixtures.WriteFile(t, dir, "data_batch_1.bin", slices.Concat(cifarRecord(0, 3), cifarRecord(1, 9)))
	b := fixtures.WriteFile(t, dir, "test_batch.bin", cifarRecord(2, 0))
	d, err := ReadCIFAR10(a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, d)
	if d.N != 3 || d.C != 3 || d.H != 32 || d.W != 32 || d.Classes != 10 {
		t.Fatalf("shape (%d, %d, %d, %d), %d classes", d.N, d.C, d.H, d.W, d.Classes)
	}
	if !slices.Equal(d.Labels, []int{3, 9, 0}) {
		t.Errorf("labels %v, want [3 9 0]", d.Labels)
	}
	// Channel-planar: green (plane 1) pixel (0, 1) of image 1 is byte 1024+1+1.
	if got, want := d.Image(1)[1024+1], float32(1026%256)/255; got != want {
		t.Errorf("image 1 green (0,1) = %v, want %v", got, want)
	}
	if got, want := d.Image(2)[3071], float32((3071+2)%256)/255; got != want {
		t.Errorf("image 2 last value = %v, want %v", got, want)
	}
}

func TestReadCIFAR100(t *testing.T) {
	dir := t.TempDir()
	p := fixtures.WriteFile(t, dir, "train.bin", slices.Concat(cifarRecord(0, 19, 99), cifarRecord(5, 0, 42)))
	d, err := ReadCIFAR100(p)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, d)
	if d.N != 2 || d.Classes != 100 || !slices.Equal(d.Labels, []int{99, 42}) {
		t.Fatalf("N %d, classes %d, labels %v; want 2, 100, [99 42] (fine labels)", d.N, d.Classes, d.Labels)
	}
	if got, want := d.Image(1)[0], float32(5)/255; got != want {
		t.Errorf("image 1 first value = %v, want %v", got, want)
	}
}

func TestReadCIFARErrors(t *testing.T) {
	rec10, rec100 := cifarRecord(0, 1), cifarRecord(0, 1, 1)
	tests := []struct {
		name string
		read func(...string) (*Dataset, error)
		file []byte
		want []string
	}{
		{"10 truncated", ReadCIFAR10, rec10[:3000], []string{"size 3000 is not a positive multiple of the 3073-byte CIFAR-10 record"}},
		{"10 trailing", ReadCIFAR10, append(slices.Clone(rec10), 0), []string{"size 3074", "is it a CIFAR-100 batch?"}},
		{"10 empty", ReadCIFAR10, nil, []string{"size 0"}},
		{"10 label", ReadCIFAR10, slices.Concat(rec10, cifarRecord(0, 10)), []string{"record 1: label byte 0 is 10, want < 10"}},
		{"100 as 10", ReadCIFAR10, slices.Concat(rec100, rec100), []string{"size 6148"}},
		{"10 as 100", ReadCIFAR100, slices.Concat(rec10, rec10, rec10), []string{"3074-byte CIFAR-100 record", "is it a CIFAR-10 batch?"}},
		{"100 coarse", ReadCIFAR100, cifarRecord(0, 20, 1), []string{"record 0: label byte 0 is 20, want < 20"}},
		{"100 fine", ReadCIFAR100, cifarRecord(0, 1, 100), []string{"label byte 1 is 100, want < 100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			good := fixtures.WriteFile(t, dir, "good.bin", rec10)
			if _, err := tt.read(good); err != nil {
				good = fixtures.WriteFile(t, dir, "good.bin", rec100)
			}
			p := fixtures.WriteFile(t, dir, "bad.bin", tt.file)
			_, err := tt.read(good, p)
			fixtures.WantError(t, err, p, tt.want...)
		})
	}
	_, err := ReadCIFAR10()
	fixtures.WantError(t, err, "", "CIFAR-10: no files given")
	_, err = ReadCIFAR100(filepath.Join(t.TempDir(), "nope.bin"))
	fixtures.WantError(t, err, "nope.bin", "no such file")
}
