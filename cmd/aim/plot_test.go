package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotOneRun: aim plot --metrics draws a run's loss curves from its
// metrics.jsonl, named directly or by its directory.
func TestPlotOneRun(t *testing.T) {
	run := t.TempDir()
	var lines strings.Builder
	for step := 10; step <= 100; step += 10 {
		fmt.Fprintf(&lines, `{"step":%d,"train_loss":%g,"val_loss":%g}`+"\n", step, 1+10/float64(step), 1.1+10/float64(step))
	}
	if err := os.WriteFile(filepath.Join(run, "metrics.jsonl"), []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{filepath.Join(run, "metrics.jsonl"), run} {
		out := filepath.Join(t.TempDir(), "figs")
		var stdout, stderr bytes.Buffer
		if code := run2(in, out, &stdout, &stderr); code != 0 {
			t.Fatalf("--metrics %s: exit %d: %s", in, code, stderr.String())
		}
		for _, f := range []string{"loss_curves.png", "loss_curves.svg"} {
			if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
				t.Errorf("--metrics %s: %s: %v", in, f, err)
			}
		}
		if !strings.Contains(stdout.String(), "loss curves of 10 evaluations") {
			t.Errorf("stdout %q", stdout.String())
		}
	}
	var stdout, stderr bytes.Buffer
	other := filepath.Join(run, "other.json")
	if err := os.WriteFile(other, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run2(other, t.TempDir(), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "expected a run's metrics.jsonl or its directory") {
		t.Errorf("another file: exit %d, %q", code, stderr.String())
	}
}

func run2(metrics, out string, stdout, stderr *bytes.Buffer) int {
	return run([]string{"plot", "--metrics", metrics, "--out", out}, stdout, stderr)
}
