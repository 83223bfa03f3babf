package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/mpi/mpitest"
)

// The tests of this file run aim under mpirun with each rank in a folder
// of its own, where the same relative path names each rank's own copy of
// a file, as the same path does on separate machines.

// rankDirs makes a folder per rank holding copies of files (a name in the
// folder → the file to copy); differ[r] names the copy that is changed on
// rank r (one bit of its second half flipped), "" for none.
func rankDirs(t *testing.T, files map[string]string, differ []string) []string {
	t.Helper()
	dirs := make([]string, len(differ))
	for r := range dirs {
		dirs[r] = t.TempDir()
		for name, src := range files {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if differ[r] == name {
				b[len(b)/2+1] ^= 1
			}
			if err := os.WriteFile(filepath.Join(dirs[r], name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dirs
}

// runMPIInDirs runs aim under mpirun, rank r in dirs[r], and returns its
// exit status, standard output and standard error.
func runMPIInDirs(t *testing.T, dirs []string, args ...string) (int, string, string) {
	t.Helper()
	return runCollecting(t, mpitest.CommandInDirs(t, dirs, []string{runMainEnv + "=1"}, os.Args[0], args...))
}

// TestMPIRefusesDifferentCopies: features, classify, probe and suite on 2
// ranks, rank 1 reading a copy of an input that differs from rank 0's,
// fail before any work with the rank, the input and both digests named,
// and write nothing; with identical copies, features runs.
func TestMPIRefusesDifferentCopies(t *testing.T) {
	mpitest.Skip(t)
	classifier, _ := writeReleasedClassifier(t)
	files := map[string]string{"trunk.safetensors": writeTrunk(t), "images.npy": writeImages(t, 9), "classifier.safetensors": classifier}
	out := t.TempDir()
	features := []string{"features", "--checkpoint", "trunk.safetensors", "--images", "images.npy", "--out", filepath.Join(out, "f.npy")}
	for _, tc := range []struct {
		differ string // the file that differs on rank 1
		args   []string
		want   string
	}{
		{"trunk.safetensors", features, "--checkpoint trunk.safetensors differs from rank 0's copy (sha256 "},
		{"images.npy", features, "--images images.npy differs from rank 0's copy (sha256 "},
		{"images.npy", []string{"features", "--checkpoint", "trunk.safetensors", "--out", filepath.Join(out, "g.npy"), "images.npy"},
			"images.npy differs from rank 0's copy (sha256 "},
		{"classifier.safetensors", []string{"classify", "--checkpoint", "classifier.safetensors", "--logits", filepath.Join(out, "l.npy"), photoDir},
			"--checkpoint classifier.safetensors differs from rank 0's copy (sha256 "},
		{"trunk.safetensors", []string{"probe", "--checkpoint", "trunk.safetensors", "--data", "mnist", "--out", filepath.Join(out, "probe")},
			"--checkpoint trunk.safetensors differs from rank 0's copy (sha256 "},
		{"trunk.safetensors", []string{"suite", "--checkpoint", "trunk.safetensors", "--datasets", "mnist", "--out", filepath.Join(out, "suite")},
			"--checkpoint trunk.safetensors differs from rank 0's copy (sha256 "},
	} {
		photos, _ := filepath.Abs(photoDir)
		for i, a := range tc.args {
			if a == photoDir {
				tc.args[i] = photos
			}
		}
		code, _, stderr := runMPIInDirs(t, rankDirs(t, files, []string{"", tc.differ}), tc.args...)
		want := "aim " + tc.args[0] + ": rank 1 of 2: " + tc.want
		if code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "rank 1 of 2 failed (see its error in the output)") {
			t.Errorf("aim %s with rank 1's %s differing: exit %d, stderr\n%s\nwant exit 1, %q and rank 0 naming rank 1", tc.args[0], tc.differ, code, stderr, want)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("refused runs wrote %d files to %s", len(entries), out)
	}
	code, _, stderr := runMPIInDirs(t, rankDirs(t, files, []string{"", ""}), features...)
	if code != 0 {
		t.Errorf("features with identical copies on 2 ranks: exit %d\n%s", code, stderr)
	}
}

// TestMPIClassify: aim classify on 2 ranks (photos in rounds of 2 × 3, so
// shares of unequal size at the end) prints and writes what one process
// does, once.
func TestMPIClassify(t *testing.T) {
	mpitest.Skip(t)
	ckpt, _ := writeReleasedClassifier(t)
	dir := t.TempDir()
	args := func(logits string) []string {
		return []string{"classify", "--checkpoint", ckpt, "--json", "--top", "3", "--batch", "3", "--logits", logits, photoDir}
	}
	one, two := filepath.Join(dir, "one.npy"), filepath.Join(dir, "two.npy")
	code, want, stderr := runAim(t, nil, args(one)...)
	if code != 0 {
		t.Fatalf("one process: exit %d\n%s", code, stderr)
	}
	code, got, stderr := runMPI(t, 2, args(two)...)
	if code != 0 {
		t.Fatalf("2 ranks: exit %d\n%s", code, stderr)
	}
	wantLines, gotLines := jsonLines(t, want), jsonLines(t, got)
	if len(gotLines) != len(wantLines) || len(wantLines) == 0 {
		t.Fatalf("2 ranks printed %d images, one process %d", len(gotLines), len(wantLines))
	}
	for i := range wantLines {
		if gotLines[i]["image"] != wantLines[i]["image"] {
			t.Errorf("line %d: %v on 2 ranks, %v in one process", i, gotLines[i]["image"], wantLines[i]["image"])
		}
	}
	a, b := mustReadNpy(t, one), mustReadNpy(t, two)
	if len(a) != len(b) {
		t.Fatalf("%d logits from one process, %d from 2 ranks", len(a), len(b))
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5*(1+math.Abs(float64(a[i]))) {
			t.Fatalf("logit %d is %v on 2 ranks, %v in one process", i, b[i], a[i])
		}
	}
}
