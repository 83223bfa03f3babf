package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBinary makes install see a built binary at a path of its own.
func fakeBinary(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "aim-kernel")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := executable
	executable = func() (string, error) { return bin, nil }
	t.Cleanup(func() { executable = old })
	bin, _ = filepath.EvalSymlinks(bin)
	return bin
}

func TestInstallPrefix(t *testing.T) {
	exe := fakeBinary(t)
	prefix := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run([]string{"install", "--prefix", prefix}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	b, err := os.ReadFile(filepath.Join(prefix, "share", "jupyter", "kernels", "aim-go", "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec kernelSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Argv) != 2 || spec.Argv[0] != exe || !filepath.IsAbs(spec.Argv[0]) || spec.Argv[1] != "{connection_file}" {
		t.Errorf("argv %q, want [%s {connection_file}]", spec.Argv, exe)
	}
	if spec.DisplayName != "Go (AIM)" || spec.Language != "go" || spec.InterruptMode != "message" {
		t.Errorf("spec %+v", spec)
	}
	if !strings.Contains(out.String(), "installed kernelspec aim-go") {
		t.Errorf("stdout %q", out.String())
	}
}

func TestInstallUser(t *testing.T) {
	fakeBinary(t)
	data := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", data)
	var out, errOut bytes.Buffer
	if code := run([]string{"install", "--user", "--name", "aim-test"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(data, "kernels", "aim-test", "kernel.json")); err != nil {
		t.Error(err)
	}
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		{nil, 2, "Usage:"},
		{[]string{"help"}, 0, "aim-kernel install"},
		{[]string{"version"}, 0, "Jupyter protocol 5.3"},
		{[]string{"install", "--user", "--prefix", "/tmp/x"}, 2, "exclude each other"},
		{[]string{"install", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"install", "extra"}, 2, "unexpected arguments"},
		{[]string{"install", "--name", "a/b"}, 2, "not a directory name"},
		{[]string{"a", "b"}, 2, "Usage:"},
		{[]string{"/nonexistent/connection.json"}, 1, "reading the connection file"},
	} {
		var out, errOut bytes.Buffer
		code := run(tc.args, &out, &errOut)
		if code != tc.code || !strings.Contains(out.String()+errOut.String(), tc.want) {
			t.Errorf("aim-kernel %q: exit %d, output %q; want %d and %q", tc.args, code, out.String()+errOut.String(), tc.code, tc.want)
		}
	}
}

func TestInstallRefusesGoRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "go-build123", "b001", "exe")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "aim-kernel")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	old := executable
	executable = func() (string, error) { return bin, nil }
	defer func() { executable = old }()
	var out, errOut bytes.Buffer
	if code := run([]string{"install", "--prefix", t.TempDir()}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "go run") {
		t.Errorf("exit %d, stderr %q: want a refusal naming go run", code, errOut.String())
	}
}

func TestBadConnectionFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.json")
	for _, content := range []string{"not json", `{"transport": "ipc", "ip": "x"}`} {
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if code := run([]string{f}, &out, &errOut); code != 1 || errOut.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", content, code, errOut.String())
		}
	}
}
