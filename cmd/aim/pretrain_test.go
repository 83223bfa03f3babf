package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPretrainUsageErrors: bad flags exit with status 2, name the flag and
// create nothing.
func TestPretrainUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"pretrain"}, "--out is required"},
		{[]string{"pretrain", "--out", out, "--preset", "huge"}, `unknown preset "huge"`},
		{[]string{"pretrain", "--out", out, "--order", "zigzag"}, `unknown patch order "zigzag"`},
		{[]string{"pretrain", "--out", out, "--mask", "diagonal"}, `--mask "diagonal": expected prefix or causal`},
		{[]string{"pretrain", "--out", out, "--mask", "bidirectional"}, `--mask "bidirectional": expected prefix or causal`},
		{[]string{"pretrain", "--out", out, "--target", "tokens"}, `unknown target "tokens"`},
		{[]string{"pretrain", "--out", out, "--batch", "0"}, "--batch 0"},
		{[]string{"pretrain", "--out", out, "--steps", "-1"}, "--steps -1"},
		{[]string{"pretrain", "--out", out, "--steps", "5", "--epochs", "1"}, "not both"},
		{[]string{"pretrain", "--out", out, "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"scaling", "--out", out, "--sweep", "nope"}, `unknown sweep "nope"`},
		{[]string{"plot", "--out", out}, "give one of --results (a scaling sweep), --metrics (one run) or --suite (probe results)"},
		{[]string{"plot", "--out", out, "--results", "r.json", "--metrics", "m.jsonl"}, "give one of --results"},
		{[]string{"plot", "--out", out, "--suite", "s.json", "--metrics", "m.jsonl"}, "give one of --results"},
		{[]string{"plot", "--out", out, "--metrics", "nothing-here"}, "--metrics: stat nothing-here"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("aim %s: exit %d, stderr %q; want an error with %q", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("aim %s created %s", strings.Join(tc.args, " "), out)
		}
	}
}
