package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// noOutputs checks that dir holds neither out nor a temporary file.
func noOutputs(t *testing.T, dir, out string) {
	t.Helper()
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written", out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

// truncateAfter is a command's standard error that truncates a file once
// the command has written a line starting with prefix: a checkpoint
// truncated after it was loaded, before the images run through it.
type truncateAfter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	path   string
	prefix string
	done   bool
	err    error
}

func (w *truncateAfter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.prefix) {
		w.done, w.err = true, os.Truncate(w.path, 0)
	}
	return len(p), nil
}

// TestCommandsWhenTheCheckpointIsTruncated: features and classify on a
// checkpoint truncated while they run fail with an error that names the
// file and says it changed, not an image, write nothing and leave no
// temporary file.
func TestCommandsWhenTheCheckpointIsTruncated(t *testing.T) {
	trunk, images := writeTrunk(t), writeImages(t, 3)
	classifier, _ := writeReleasedClassifier(t)
	photo := filepath.Join(photoDir, "chelsea_landscape.png")
	for _, tc := range []struct {
		ckpt, after string
		args        []string
	}{
		{trunk, "features: loaded", []string{"features", "--images", images, "--out"}},
		{classifier, "classify: ", []string{"classify", photo, "--logits"}},
	} {
		dir := t.TempDir()
		out := filepath.Join(dir, "out.npy")
		stderr := &truncateAfter{path: tc.ckpt, prefix: tc.after}
		var stdout bytes.Buffer
		code := run(append(tc.args, out, "--checkpoint", tc.ckpt), &stdout, stderr)
		if !stderr.done || stderr.err != nil {
			t.Fatalf("%s: the checkpoint was not truncated: %v", tc.args[0], stderr.err)
		}
		msg := stderr.buf.String()
		if code != 1 || !strings.Contains(msg, "checkpoint: "+tc.ckpt+" changed while in use") || strings.Contains(msg, "npy[") || strings.Contains(msg, ".png:") {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and an error naming the checkpoint alone", tc.args[0], code, msg)
		}
		noOutputs(t, dir, out)
	}
}

// TestCommandsInterrupted: features and classify interrupted (Ctrl-C
// cancels their context) say so plainly, not "IMAGE: context canceled",
// exit 1 like an interrupted pretrain, and leave no output.
func TestCommandsInterrupted(t *testing.T) {
	trunk, images := writeTrunk(t), writeImages(t, 3)
	classifier, _ := writeReleasedClassifier(t)
	photo := filepath.Join(photoDir, "chelsea_landscape.png")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"features", []string{"--checkpoint", trunk, "--images", images, "--out"}},
		{"classify", []string{"--checkpoint", classifier, photo, "--logits"}},
	} {
		dir := t.TempDir()
		out := filepath.Join(dir, "out.npy")
		var stdout, stderr bytes.Buffer
		err := commands[tc.name].run(ctx, append(tc.args, out), &stdout, &stderr)
		if want := "interrupted: " + out + " was not written"; err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %q", tc.name, err, want)
		}
		if code := report(tc.name, err, &stdout, &stderr); code != 1 {
			t.Errorf("%s: exit %d, want 1", tc.name, code)
		}
		noOutputs(t, dir, out)
	}
}

// TestFeaturesOutputWriteFails: a write of the output that fails (a file
// size limit here, as a full disk would) is an error naming the output,
// neither an image nor the temporary file, and leaves no temporary file.
func TestFeaturesOutputWriteFails(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	trunk, images := writeTrunk(t), writeImages(t, 5000) // 5 MB of features
	dir := t.TempDir()
	out := filepath.Join(dir, "feats.npy")
	// The limit makes a write past 64 KB fail with EFBIG, once SIGXFSZ
	// is ignored.
	script := `trap '' XFSZ; ulimit -f 128; exec "$@"`
	cmd := exec.Command("sh", "-c", script, "sh", os.Args[0], "features", "--checkpoint", trunk, "--images", images, "--out", out)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	msg := stderr.String()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, stderr %q; want exit 1", err, msg)
	}
	if !strings.Contains(msg, "aim features: writing "+out+": write: file too large") || strings.Contains(msg, ".tmp-") || strings.Contains(msg, "npy[") {
		t.Errorf("stderr %q; want an error naming %s alone", msg, out)
	}
	noOutputs(t, dir, out)
}
