package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/probe"
	"github.com/aim-go/aim/train"
)

func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "c.safetensors")
	if err := os.WriteFile(in, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink, hardlink := filepath.Join(dir, "sym"), filepath.Join(dir, "hard")
	if err := os.Symlink(in, symlink); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, hardlink); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{"--checkpoint": in, "--images": "", "--data": filepath.Join(dir, "missing.npy")}
	for _, out := range []string{in, symlink, hardlink, filepath.Join(dir, ".", "c.safetensors")} {
		err := checkOutputs(map[string]string{"--out": out}, inputs)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "--out would write "+out+", which is the --checkpoint input "+in) {
			t.Errorf("output %s: %v; want a usage error naming --out, --checkpoint and the path", out, err)
		}
	}
	for _, out := range []string{filepath.Join(dir, "new.npy"), dir, ""} {
		if err := checkOutputs(map[string]string{"--out": out}, inputs); err != nil {
			t.Errorf("output %s: %v", out, err)
		}
	}
}

// TestOutputIsAnInput: every command refuses to write over one of its
// inputs, and leaves the input as it was.
func TestOutputIsAnInput(t *testing.T) {
	ckpt := writeTrunk(t)
	original, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	// linkedOut returns a fresh output directory holding name as a hard
	// link of the checkpoint.
	linkedOut := func(name string) string {
		out := t.TempDir()
		if err := os.Link(ckpt, filepath.Join(out, name)); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--out", linkedOut(probe.HeadFile)}, "--checkpoint input " + ckpt},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--out", linkedOut(probe.ResultFile)}, "--checkpoint input " + ckpt},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "folder:" + filepath.Dir(ckpt), "--out", filepath.Dir(ckpt)}, "--data input " + filepath.Dir(ckpt)},
		{[]string{"suite", "--checkpoint", ckpt, "--out", linkedOut(probe.SuiteJSON)}, "--checkpoint input " + ckpt},
		{[]string{"suite", "--checkpoint", ckpt, "--out", linkedOut(probe.SuiteMarkdown)}, "--checkpoint input " + ckpt},
		{[]string{"pretrain", "--data", "npy:" + ckpt, "--out", linkedOut(train.CheckpointFile), "--resume"}, "--data input " + ckpt},
		{[]string{"pretrain", "--data", "npy:" + ckpt, "--out", linkedOut(train.MetricsFile)}, "--data input " + ckpt},
		{[]string{"pretrain", "--data", "npy:" + ckpt, "--out", linkedOut(train.LockFile)}, "--data input " + ckpt},
		{[]string{"scaling", "--data", "npy:" + ckpt, "--out", linkedOut("results.json")}, "--data input " + ckpt},
		{[]string{"plot", "--results", ckpt, "--out", linkedOut("loss_vs_flops.svg")}, "--results input " + ckpt},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "--out would write") || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("aim %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
		if now, err := os.ReadFile(ckpt); err != nil || !bytes.Equal(now, original) {
			t.Fatalf("aim %s changed its input %s (%v)", strings.Join(tc.args, " "), ckpt, err)
		}
	}
}

// TestProbeRefusesNonFiniteCheckpoint: a NaN weight is named, with the way
// to load it anyway, and --allow-nonfinite loads it.
func TestProbeRefusesNonFiniteCheckpoint(t *testing.T) {
	ckpt := writeTrunk(t)
	f, err := checkpoint.Read(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	const bad = "trunk.blocks.1.attn.qkv.weight"
	f.Tensors[bad].Data[3] = float32(math.NaN())
	if err := checkpoint.Write(ckpt, f); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"probe", "suite"} {
		args := []string{cmd, "--checkpoint", ckpt, "--out", filepath.Join(t.TempDir(), "out"), "--data", "no-such-set"}
		if cmd == "suite" {
			args[len(args)-2] = "--datasets"
		}
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		want := ckpt + ": tensor " + bad + " holds 1 NaN and 0 infinite values (of 768); pass --allow-nonfinite to load it anyway"
		if code != 1 || !strings.Contains(stderr.String(), want) {
			t.Errorf("aim %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(args, " "), code, stderr.String(), want)
		}
		stderr.Reset()
		run(append(args, "--allow-nonfinite"), &stdout, &stderr)
		if strings.Contains(stderr.String(), "NaN") || !strings.Contains(stderr.String(), "no-such-set") {
			t.Errorf("aim %s --allow-nonfinite: stderr %q; want the trunk loaded and the unknown dataset reported", strings.Join(args, " "), stderr.String())
		}
	}
}
