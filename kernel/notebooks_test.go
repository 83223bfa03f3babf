package kernel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestExampleNotebooksPassTheCheck checks every code cell of the example
// notebooks, in order, without running them: the checker refuses none.
func TestExampleNotebooksPassTheCheck(t *testing.T) {
	paths, err := filepath.Glob("../examples/notebooks/*.ipynb")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example notebooks: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			s := newTestSession(t)
			cells := codeCells(t, p)
			if len(cells) == 0 {
				t.Fatal("no code cells")
			}
			for i, code := range cells {
				c, cerr := s.checkCell(code)
				if cerr != nil {
					t.Fatalf("cell %d refused: %v\n%s", i, cerr, code)
				}
				for _, spec := range c.result.cf.file.Imports {
					path, _ := strconv.Unquote(spec.Path.Value)
					name := s.rw.pkgNames[path]
					if spec.Name != nil {
						name = spec.Name.Name
					}
					s.rw.imported[name] = path
				}
				s.types.remember(c.result)
			}
		})
	}
}

// codeCells are the sources of a notebook's code cells.
func codeCells(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			CellType string   `json:"cell_type"`
			Source   []string `json:"source"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, c := range nb.Cells {
		if c.CellType == "code" {
			out = append(out, strings.Join(c.Source, ""))
		}
	}
	return out
}
