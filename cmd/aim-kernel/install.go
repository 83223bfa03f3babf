package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pkg/errors"
)

// kernelSpec is Jupyter's kernel.json.
type kernelSpec struct {
	Argv          []string       `json:"argv"`
	DisplayName   string         `json:"display_name"`
	Language      string         `json:"language"`
	InterruptMode string         `json:"interrupt_mode"`
	Metadata      map[string]any `json:"metadata"`
}

// DisplayName is the name notebooks show for the kernel.
const DisplayName = "Go (AIM)"

// install writes the kernelspec for the running binary.
func install(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	user := fs.Bool("user", false, "install for the current user (the default)")
	prefix := fs.String("prefix", "", "install under DIR/share/jupyter/kernels")
	name := fs.String("name", "aim-go", "the kernelspec's directory name")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{errors.Errorf("install: unexpected arguments %q", fs.Args())}
	}
	if *user && *prefix != "" {
		return usageError{errors.New("install: --user and --prefix exclude each other")}
	}
	if *name == "" || strings.ContainsAny(*name, `/\ `) {
		return usageError{errors.Errorf("install: --name %q is not a directory name", *name)}
	}
	bin, err := binaryPath()
	if err != nil {
		return err
	}
	root, err := kernelsDir(*prefix)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, *name)
	if err := writeSpec(dir, bin); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed kernelspec %s (%q) in %s\n", *name, DisplayName, dir)
	return nil
}

// executable finds this binary (a test replaces it).
var executable = os.Executable

// binaryPath is the absolute path of this binary; a binary of `go run`
// lives in a temporary directory and cannot be installed.
func binaryPath() (string, error) {
	exe, err := executable()
	if err != nil {
		return "", errors.Wrap(err, "finding the aim-kernel binary")
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return "", errors.Wrap(err, "finding the aim-kernel binary")
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "", errors.Errorf("%s is a temporary binary of go run: build aim-kernel first (go build -o aim-kernel ./cmd/aim-kernel) and install that", exe)
	}
	return filepath.Abs(exe)
}

// kernelsDir is where kernelspecs go: DIR/share/jupyter/kernels for a
// prefix, else the user's Jupyter data directory (JUPYTER_DATA_DIR, or the
// platform's default), as `jupyter --data-dir` reports it.
func kernelsDir(prefix string) (string, error) {
	if prefix != "" {
		abs, err := filepath.Abs(prefix)
		return filepath.Join(abs, "share", "jupyter", "kernels"), errors.Wrap(err, "install: --prefix")
	}
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Join(d, "kernels"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.Wrap(err, "install: finding the home directory")
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter", "kernels"), nil
	case "windows":
		if appdata := os.Getenv("APPDATA"); appdata != "" {
			return filepath.Join(appdata, "jupyter", "kernels"), nil
		}
	}
	if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
		return filepath.Join(xdg, "jupyter", "kernels"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter", "kernels"), nil
}

// writeSpec writes dir/kernel.json for the binary bin.
func writeSpec(dir, bin string) error {
	spec := kernelSpec{
		Argv:          []string{bin, "{connection_file}"},
		DisplayName:   DisplayName,
		Language:      "go",
		InterruptMode: "message",
		Metadata:      map[string]any{"debugger": false},
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return errors.Wrap(err, "encoding kernel.json")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(err, "install")
	}
	return errors.Wrap(os.WriteFile(filepath.Join(dir, "kernel.json"), append(b, '\n'), 0o644), "install")
}
