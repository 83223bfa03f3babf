package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// The one list of what aim-kernel carries. Every package matched by
// projectPattern that is not a command, not internal and not the kernel
// itself is extracted, so a new public package of the project is picked up
// by regenerating; libraries are the other packages a notebook needs next to
// them; docOnly are standard packages whose doc comments inspect shows (the
// interpreter's standard library comes from yaegi's own tables).
var (
	projectPattern = "github.com/aim-go/aim/..."
	// projectPrefix begins the import path of every package of the project.
	projectPrefix = "github.com/aim-go/aim"
	// mpi starts MPI when asked, which a notebook never runs under, and
	// mpi/mpitest is a test helper.
	projectSkip = []string{"github.com/aim-go/aim/kernel", "github.com/aim-go/aim/cmd", "github.com/aim-go/aim/examples", "github.com/aim-go/aim/mpi"}
	libraries   = []string{
		"gorgonia.org/gorgonia",
		"gorgonia.org/tensor",
		"gonum.org/v1/plot",
		"gonum.org/v1/plot/font",
		"gonum.org/v1/plot/palette",
		"gonum.org/v1/plot/palette/moreland",
		"gonum.org/v1/plot/plotter",
		"gonum.org/v1/plot/plotutil",
		"gonum.org/v1/plot/text",
		"gonum.org/v1/plot/vg",
		"gonum.org/v1/plot/vg/draw",
		"gonum.org/v1/plot/vg/vgimg",
		"gonum.org/v1/plot/vg/vgsvg",
		"gonum.org/v1/gonum/mat",
		"gonum.org/v1/gonum/stat",
		"github.com/pkg/errors",
	}
	docOnly = []string{
		"bytes", "context", "encoding/json", "errors", "fmt", "image", "image/color", "io", "maps",
		"math", "math/rand", "os", "path/filepath", "slices", "sort", "strconv", "strings", "sync", "time",
	}
)

// pkgInfo is what go list says of a package.
type pkgInfo struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
}

// list runs go list -json on patterns.
func list(patterns ...string) ([]pkgInfo, error) {
	args := append([]string{"list", "-json=ImportPath,Name,Dir,GoFiles"}, patterns...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.Wrapf(err, "go list: %s", strings.TrimSpace(stderr.String()))
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			return nil, errors.Wrap(err, "reading go list's output")
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// extracted lists the packages whose symbols the kernel carries, sorted.
func extracted() ([]pkgInfo, error) {
	pkgs, err := list(append([]string{projectPattern}, libraries...)...)
	if err != nil {
		return nil, err
	}
	var out []pkgInfo
	for _, p := range pkgs {
		if carried(p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportPath < out[j].ImportPath })
	return out, nil
}

// carried reports whether the kernel carries p: not a command, not an
// internal package, not under projectSkip.
func carried(p pkgInfo) bool {
	if p.Name == "main" || p.Name == "" {
		return false
	}
	path := p.ImportPath
	if strings.HasSuffix(path, "/internal") || strings.Contains(path, "/internal/") {
		return false
	}
	for _, s := range projectSkip {
		if path == s || strings.HasPrefix(path, s+"/") {
			return false
		}
	}
	return true
}
