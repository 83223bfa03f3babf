package layering

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/aim-go/aim/"

// layerTable reads the "Package layers" table of docs/architecture.md:
// pattern ("graph", or "internal/..." for a folder and what is below it)
// → layer.
func layerTable(t *testing.T, path string) map[string]int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table, in := map[string]int{}, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## Package layers"
		case in && strings.HasPrefix(line, "| "):
			cells := strings.Split(line, "|")
			layer, err := strconv.Atoi(strings.TrimSpace(cells[1]))
			if err != nil {
				continue // the header and the rule
			}
			for _, p := range strings.Split(cells[2], ",") {
				table[strings.Trim(strings.TrimSpace(p), "`")] = layer
			}
		}
	}
	if len(table) == 0 {
		t.Fatalf("%s has no Package layers table", path)
	}
	return table
}

// layerOf returns the layer of a package (a path below the module), the
// longest matching pattern deciding.
func layerOf(table map[string]int, pkg string) (int, bool) {
	best, layer := -1, 0
	for pattern, l := range table {
		prefix, tree := strings.CutSuffix(pattern, "/...")
		if pkg == prefix || (tree && strings.HasPrefix(pkg, prefix+"/")) {
			if len(prefix) > best {
				best, layer = len(prefix), l
			}
		}
	}
	return layer, best >= 0
}

func TestImportsFollowTheLayers(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	table := layerTable(t, filepath.Join(root, "docs", "architecture.md"))
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	packages := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		packages++
		name := strings.TrimPrefix(p.ImportPath, module)
		layer, ok := layerOf(table, name)
		if !ok {
			t.Errorf("package %s is in no layer of docs/architecture.md's table", name)
			continue
		}
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			if l, ok := layerOf(table, dep); ok && l > layer {
				t.Errorf("%s (layer %d) imports %s (layer %d): an arrow back up the layers", name, layer, dep, l)
			}
		}
	}
	if packages < 30 {
		t.Errorf("go list found %d packages; the module has more", packages)
	}
}

// The table's reader and matcher, on a table made here.
func TestLayerOf(t *testing.T) {
	table := map[string]int{"internal/...": 0, "internal/testing/...": 7, "graph": 4}
	for pkg, want := range map[string]int{"internal/isa": 0, "internal/testing/testmodel": 7, "graph": 4} {
		if got, ok := layerOf(table, pkg); !ok || got != want {
			t.Errorf("layerOf(%s) = %d, %v; want %d", pkg, got, ok, want)
		}
	}
	if _, ok := layerOf(table, "graphs"); ok {
		t.Error("graphs matched the pattern graph")
	}
}
