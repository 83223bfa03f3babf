package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNumericFlagRanges: zero, negative and non-finite values where they
// make no sense exit with status 2, name the flag, and create nothing.
func TestNumericFlagRanges(t *testing.T) {
	ckpt := writeTrunk(t)
	tests := []struct {
		args []string // --out DIR (bench: --cpuprofile FILE) is appended
		want string
	}{
		{[]string{"pretrain", "--steps", "0"}, "--steps 0: expected at least 1"},
		{[]string{"pretrain", "--steps", "-3"}, "--steps -3: expected at least 1"},
		{[]string{"pretrain", "--batch", "0"}, "--batch 0: expected at least 1"},
		{[]string{"pretrain", "--epochs", "-1"}, "--epochs -1: expected 0 or more"},
		{[]string{"pretrain", "--epochs", "Inf"}, "--epochs +Inf: expected a finite number"},
		{[]string{"pretrain", "--lr", "0"}, "--lr 0: expected a number above 0"},
		{[]string{"pretrain", "--lr", "NaN"}, "--lr NaN: expected a finite number"},
		{[]string{"pretrain", "--min-lr", "-1e-4"}, "--min-lr -0.0001: expected 0 or more"},
		{[]string{"pretrain", "--min-lr", "0.1"}, "--min-lr 0.1: expected at most --lr 0.001"},
		{[]string{"pretrain", "--warmup", "-2"}, "--warmup -2: expected -1 (5% of the steps) or more"},
		{[]string{"pretrain", "--warmup", "400"}, "--warmup 400: expected at most the run's 300 steps"},
		{[]string{"pretrain", "--weight-decay", "-0.1"}, "--weight-decay -0.1: expected 0 or more"},
		{[]string{"pretrain", "--eval-every", "-2"}, "--eval-every -2: expected 0 (a tenth of the run) or more"},
		{[]string{"pretrain", "--val-images", "-2"}, "--val-images -2: expected -1 (a tenth of the images, at most 1000) or more"},
		{[]string{"pretrain", "--train-images", "-1"}, "--train-images -1: expected 0 (all) or more"},
		{[]string{"pretrain", "--head-depth", "-2"}, "--head-depth -2: expected -1 (the preset's) or more"},
		{[]string{"pretrain", "--steps", "300", "--epochs", "1"}, "give --steps or --epochs, not both"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--epochs", "0"}, "--epochs 0: expected at least 1"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--min-steps", "-1"}, "--min-steps -1: expected 0 (no minimum) or more"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--batch", "1"}, "--batch 1: expected at least 2"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--lr", "-1"}, "--lr -1: expected a number above 0"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--weight-decay", "-1"}, "--weight-decay -1: expected 0 or more"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--train-images", "-5"}, "--train-images -5: expected 0 (all) or more"},
		{[]string{"probe", "--checkpoint", ckpt, "--data", "optdigits", "--feature-batch", "0"}, "--feature-batch 0: expected at least 1"},
		{[]string{"suite", "--checkpoint", ckpt, "--epochs", "-1"}, "--epochs -1: expected at least 1"},
		{[]string{"suite", "--checkpoint", ckpt, "--test-images", "-1"}, "--test-images -1: expected 0 (all) or more"},
		{[]string{"suite", "--checkpoint", ckpt, "--lr", "Inf"}, "--lr +Inf: expected a finite number"},
		{[]string{"scaling", "--data-sizes", "1000,-1"}, `--data-sizes "1000,-1": "-1" is not a non-negative count`},
		{[]string{"bench", "--batch", "0"}, "--batch 0: expected at least 1"},
		{[]string{"bench", "--steps", "0"}, "--steps 0: expected at least 1"},
		{[]string{"bench", "--steps", "-1"}, "--steps -1: expected at least 1"},
		{[]string{"bench", "--infer-only", "--weights", "f8"}, "--weights f8: expected f32, bf16 or f16"},
		{[]string{"bench", "--weights", "bf16"}, "--weights bf16: 16-bit weights serve inference only; add --infer-only"},
	}
	for _, tc := range tests {
		out := filepath.Join(t.TempDir(), "out")
		outFlag := "--out"
		if tc.args[0] == "bench" {
			outFlag = "--cpuprofile"
		}
		args := append(tc.args, outFlag, out)
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("aim %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(args, " "), code, stderr.String(), tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("aim %s created %s", strings.Join(args, " "), out)
		}
	}
}

// TestStepsOrEpochs: --steps defaults to 300; --epochs alone sets the
// steps from the training images; both together are refused.
func TestStepsOrEpochs(t *testing.T) {
	parseFlags := func(args ...string) *pretrainFlags {
		var f pretrainFlags
		fs := newFlags("pretrain")
		f.register(fs)
		if err := parse(fs, append(args, "--out", filepath.Join(t.TempDir(), "out"))); err != nil {
			t.Fatal(err)
		}
		f.stepsGiven = flagGiven(fs, "steps")
		return &f
	}
	tests := []struct {
		args  []string
		steps int
	}{
		{nil, 300},
		{[]string{"--steps", "7"}, 7},
		{[]string{"--epochs", "2", "--batch", "64"}, 31}, // 2·1000/64 = 31.25
		{[]string{"--epochs", "0", "--steps", "9"}, 9},
	}
	for _, tc := range tests {
		f := parseFlags(tc.args...)
		if err := f.validate(); err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if steps, err := f.stepCount(1000); err != nil || steps != tc.steps {
			t.Errorf("%v: %d steps (%v), want %d", tc.args, steps, err, tc.steps)
		}
	}
	if err := parseFlags("--epochs", "1", "--steps", "300").validate(); err == nil {
		t.Error("--epochs 1 --steps 300 was accepted")
	}
	if _, err := parseFlags("--epochs", "1e300").stepCount(1000); err == nil || !strings.Contains(err.Error(), "--epochs 1e+300") {
		t.Errorf("--epochs 1e300: %v; want an error naming --epochs", err)
	}
}
