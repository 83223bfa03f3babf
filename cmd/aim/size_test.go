package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeMixedFolderDataset is writeFolderDataset with one 12×12 image among
// the 8×8 ones.
func writeMixedFolderDataset(t *testing.T) string {
	t.Helper()
	dir := writeFolderDataset(t, 6)
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 12, 12))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dark", "zz.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A folder: dataset of mixed image sizes names --size, not the Go fields,
// in every command that takes --data; --size H,W resizes them to H high
// and W wide.
func TestSizeFlagResizesFolderImages(t *testing.T) {
	ckpt, dataset := writeTrunk(t), writeMixedFolderDataset(t)
	for _, args := range [][]string{
		{"probe", "--checkpoint", ckpt, "--out", t.TempDir(), "--epochs", "1", "--batch", "4", "--min-steps", "1"},
		{"pretrain", "--out", t.TempDir(), "--steps", "1", "--batch", "4"},
		{"scaling", "--out", t.TempDir(), "--quick", "--sweep", "data"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append(args, "--data", "folder:"+dataset), &stdout, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), "zz.png: image is 12×12") ||
			!strings.Contains(stderr.String(), "pass --size H,W") || strings.Contains(stderr.String(), "FolderOptions") {
			t.Errorf("aim %s: exit %d, stderr %q; want an error naming the image and --size H,W", args[0], code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	args := []string{"probe", "--checkpoint", ckpt, "--out", t.TempDir(), "--epochs", "1", "--batch", "4", "--min-steps", "1", "--data", "folder:" + dataset}
	if code := run(append(args, "--size", "8"), &stdout, &stderr); code != 0 {
		t.Errorf("aim probe --size 8: exit %d: %s", code, stderr.String())
	}
	stderr.Reset()
	if code := run(append(args, "--size", "8,12"), &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "images of 1×8×12") {
		t.Errorf("aim probe --size 8,12: exit %d, stderr %q; want images 8 high and 12 wide", code, stderr.String())
	}
}

// --size takes "H,W" or "S", positive; folder: needs a path.
func TestSizeAndFolderUsageErrors(t *testing.T) {
	ckpt := writeTrunk(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--size", "0"}, 2, `invalid value "0" for flag -size: "0" is not a positive pixel count`},
		{[]string{"--size", "8,x"}, 2, `"x" is not a positive pixel count: expected H,W or S`},
		{[]string{"--size", "1,2,3"}, 2, "expected H,W or S"},
		{[]string{"--size", "-4"}, 2, `"-4" is not a positive pixel count`},
		{[]string{"--data", "folder:"}, 1, "folder: names no folder: expected folder:PATH (folder:. for the current directory)"},
	} {
		args := append([]string{"probe", "--checkpoint", ckpt, "--out", t.TempDir(), "--data", "folder:x"}, c.args...)
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("aim probe %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
