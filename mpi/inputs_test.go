package mpi_test

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/mpi"
)

func TestDigestFile(t *testing.T) {
	dir := t.TempDir()
	content := []byte("some checkpoint bytes")
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := mpi.DigestFile(path)
	if err != nil || d.Sum != sha256.Sum256(content) || d.Size != int64(len(content)) {
		t.Errorf("DigestFile = %x, %d, %v; want the SHA-256 and size of the file", d.Sum, d.Size, err)
	}
	if _, err := mpi.DigestFile(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a missing file: %v, want an error naming it", err)
	}
}

// TestDigestFiles: a folder's digest changes when a file is renamed,
// changed or left out, and does not depend on where the folder is.
func TestDigestFiles(t *testing.T) {
	folder := func(names ...string) (string, []string) {
		root := t.TempDir()
		var files []string
		for _, n := range names {
			p := filepath.Join(root, n)
			if err := os.WriteFile(p, []byte("pixels of "+strings.TrimSuffix(n, "2")), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
		return root, files
	}
	digest := func(root string, files []string) mpi.Digest {
		d, err := mpi.DigestFiles(root, files)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a := digest(folder("a.png", "b.png"))
	if b := digest(folder("a.png", "b.png")); b != a {
		t.Errorf("the same files in another folder: %x, want %x", b.Sum, a.Sum)
	}
	for what, names := range map[string][]string{
		"a file renamed": {"a.png", "c.png"}, "a file left out": {"a.png"}, "a file changed": {"a.png2", "b.png"},
	} {
		if d := digest(folder(names...)); d.Sum == a.Sum {
			t.Errorf("%s: the digest did not change", what)
		}
	}
}

// checkSameInputs compares inputs that are the same on every rank, then
// inputs of which the last rank holds a different copy.
func checkSameInputs(c mpi.Comm) error {
	inputs := []mpi.Input{
		{Name: "--checkpoint ckpt.safetensors", Digest: mpi.DigestValues([]float32{1, 2, 3}, nil)},
		{Name: "--images x.npy", Digest: mpi.DigestValues([]float32{4, 5}, []int{0, 1})},
	}
	if err := mpi.SameInputs(c, inputs); err != nil {
		return errors.Wrap(err, "the same inputs")
	}
	last := c.Size() - 1
	if c.Rank() == last {
		inputs[1].Digest = mpi.DigestValues([]float32{4, 6}, []int{0, 1})
	}
	err := mpi.SameInputs(c, inputs)
	if c.Size() == 1 {
		return err
	}
	var f *mpi.Failure
	if !errors.As(err, &f) || !slices.Equal(f.Ranks, []int{last}) {
		return errors.Errorf("rank %d with the last rank's x.npy differing: %v", c.Rank(), err)
	}
	if c.Rank() == last && !strings.Contains(err.Error(), "--images x.npy differs from rank 0's copy (sha256 ") {
		return errors.Errorf("rank %d's error does not name the input: %v", c.Rank(), err)
	}
	if c.Rank() == last && strings.Contains(err.Error(), "--checkpoint") {
		return errors.Errorf("rank %d names an input that is the same: %v", c.Rank(), err)
	}
	return nil
}

// TestSameInputsCounts: a rank given fewer inputs than rank 0 fails on
// every rank, without a collective of another length.
func TestSameInputsCounts(t *testing.T) {
	errs := onRanks(2, func(c mpi.Comm) error {
		inputs := []mpi.Input{{Name: "a"}, {Name: "b"}}
		return mpi.SameInputs(c, inputs[:2-c.Rank()])
	})
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "rank 1 compares 1 inputs with rank 0's 2") {
		t.Errorf("rank 1: %v", errs[1])
	}
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "rank 1 of 2 failed") {
		t.Errorf("rank 0: %v", errs[0])
	}
}

func TestSameInputsOnLocalRanks(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		for r, err := range onRanks(n, checkSameInputs) {
			if err != nil {
				t.Errorf("%d ranks, rank %d: %v", n, r, err)
			}
		}
	}
}

// BenchmarkDigestFile hashes a 64 MiB file (from the page cache): its MB/s
// is the cost of the comparison of inputs per byte of checkpoint.
func BenchmarkDigestFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ckpt")
	if err := os.WriteFile(path, make([]byte, 64<<20), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(64 << 20)
	for b.Loop() {
		if _, err := mpi.DigestFile(path); err != nil {
			b.Fatal(err)
		}
	}
}
