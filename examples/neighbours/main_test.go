package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/internal/testing/testmodel"
)

func TestNeighboursOfTestPhotos(t *testing.T) {
	ckpt, err := testmodel.WriteClassifier(t.TempDir(), "m.safetensors", testmodel.RGB224, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	photos := filepath.Join("..", "..", "data", "photo", "testdata", "photos")
	files, err := photo.List(photos)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(&out, ckpt, photos, 2); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3*len(files) {
		t.Fatalf("%d lines for %d photos with 2 neighbours each:\n%s", len(lines), len(files), out.String())
	}
	for i, f := range files {
		if lines[3*i] != f || !strings.HasPrefix(lines[3*i+1], "  ") || strings.HasSuffix(lines[3*i+1], f) {
			t.Errorf("photo %d: %q then %q", i, lines[3*i], lines[3*i+1])
		}
	}
}
