package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/checkpoint/schema"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/internal/testing/testmodel"
	"github.com/aim-go/aim/probe"
)

// writeTrunk saves a small untrained trunk without a recorded image size,
// so it probes 8×8 images at their own size.
func writeTrunk(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trunk.safetensors")
	noSize := func(meta map[string]string) { delete(meta, schema.ModelConfig) }
	if err := testmodel.WriteTrunk(path, testmodel.Gray8, 1, noSize); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProbeUsageErrors(t *testing.T) {
	ckpt, out := writeTrunk(t), t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"probe", "--data", "optdigits", "--out", out}, "--checkpoint is required"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--out", out, "--probe", "mlp"}, `--probe: unknown probe "mlp"`},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--out", out, "--epochs", "0"}, "epochs 0"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--out", out, "--layers", "1,x"}, `"x" is not a block index`},
		{[]string{"suite", "--checkpoint", ckpt, "--out", out, "--probe", "mlp"}, `unknown probe "mlp"`},
		{[]string{"suite", "--out", out}, "--checkpoint is required"},
		{[]string{"suite", "--checkpoint", ckpt, "--out", out, "--test-images", "-1"}, "--test-images -1: expected 0 (all) or more"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("aim %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
	}
}

func TestProbeCommandErrors(t *testing.T) {
	ckpt, out := writeTrunk(t), t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"probe", "--checkpoint", filepath.Join(out, "none.safetensors"), "--data", "optdigits", "--out", out}, "--checkpoint"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "no-such-set", "--out", out}, `--data: unknown dataset "no-such-set"`},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "lfw-faces", "--out", out}, "not a multiple of the checkpoint's 4×4 patches"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if strings.Contains(stderr.String(), "not installed") {
			continue // the dataset is missing on this machine
		}
		if code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("aim %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
	}
}

func TestProbeCommand(t *testing.T) {
	if _, err := data.Load("optdigits", data.LoadOptions{}); errors.Is(err, data.ErrNotInstalled) {
		t.Skip(err)
	}
	ckpt, out := writeTrunk(t), t.TempDir()
	args := []string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--out", out, "--probe", "linear",
		"--train-images", "300", "--test-images", "100", "--epochs", "2", "--batch", "32", "--random-init"}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"dataset", "probe", "layers", "train_accuracy", "test_accuracy", "epochs", "random_init",
		"checkpoint", "train_images", "test_images", "feature_seconds", "probe_seconds"} {
		if _, ok := r[key]; !ok {
			t.Errorf("result.json lacks %q", key)
		}
	}
	if r["dataset"] != "optdigits" || r["probe"] != "linear" || r["random_init"] != true || r["train_images"] != 300.0 ||
		r["test_images"] != 100.0 {
		t.Errorf("result.json: %s", b)
	}
	if !bytes.Equal(bytes.TrimSpace(stdout.Bytes()), bytes.TrimSpace(b)) {
		t.Errorf("printed result differs from result.json:\n%s\n%s", stdout.Bytes(), b)
	}
	if _, err := os.Stat(filepath.Join(out, "probe.safetensors")); err != nil {
		t.Error(err)
	}
}

// probeFolder runs aim probe of ckpt on the folder dataset into out, with
// further flags, and returns the head file it wrote and its contents.
func probeFolder(t *testing.T, ckpt, dataset, out string, flags ...string) (string, *checkpoint.File) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"probe", "--checkpoint", ckpt, "--data", "folder:" + dataset, "--out", out}, flags...)
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("aim probe: exit %d: %s", code, stderr.String())
	}
	head := filepath.Join(out, probe.HeadFile)
	f, err := checkpoint.Read(head)
	if err != nil {
		t.Fatal(err)
	}
	return head, f
}
