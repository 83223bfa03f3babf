package symbols

import (
	"path"
	"slices"
	"strings"
	"testing"
)

func TestTables(t *testing.T) {
	for key, names := range map[string][]string{
		"github.com/aim-go/aim/graph/graph":     {"Preset", "Model", "LoadCheckpoint"},
		"github.com/aim-go/aim/optim/optim":     {"NewAdamW32", "AdamW32", "Param32"},
		"github.com/aim-go/aim/display/display": {"Show", "Markdown", "Render"},
		"gorgonia.org/gorgonia/gorgonia":        {"NewGraph", "Grad", "NewTapeMachine"},
		"gonum.org/v1/plot/plot":                {"New"},
		"github.com/pkg/errors/errors":          {"Wrap"},
	} {
		table, ok := Symbols[key]
		if !ok {
			t.Errorf("no table %s", key)
			continue
		}
		for _, n := range names {
			if _, ok := table[n]; !ok {
				t.Errorf("%s lacks %s", key, n)
			}
		}
	}
}

func TestDoc(t *testing.T) {
	for key, want := range map[string]string{
		"github.com/aim-go/aim/graph.Preset":      "func Preset(name string) (Config, error)",
		"github.com/aim-go/aim/graph":             "package graph",
		"gorgonia.org/gorgonia.ExprGraph.AddNode": "func (g *ExprGraph) AddNode(",
		"fmt.Println":                            "func Println(a ...any) (n int, err error)",
		"github.com/aim-go/aim/optim.AdamW.Step": "Step",
		"github.com/aim-go/aim/display.Data":     "type Data struct",
	} {
		if d, ok := Doc(key); !ok || !strings.Contains(d, want) {
			t.Errorf("Doc(%s) = %q, %v; want %q", key, d, ok, want)
		}
	}
	if _, ok := Doc("no.such.Name"); ok {
		t.Error("an unknown name has a doc")
	}
}

// The float32 instances of the generic API are in the tables (after the
// generated entries, not overwritten by them) and are the compiled
// functions themselves.
func TestInstances(t *testing.T) {
	for key, syms := range instances {
		for name := range syms {
			if _, ok := Symbols[key][name]; !ok {
				t.Errorf("%s lacks %s", key, name)
			}
			doc := strings.TrimSuffix(key, "/"+path.Base(key)) + "." + name
			if d, ok := Doc(doc); !ok || !strings.Contains(d, name) {
				t.Errorf("Doc(%s) = %q, %v", doc, d, ok)
			}
		}
	}
	gemm, ok := Symbols["github.com/aim-go/aim/blas/blas"]["Gemm32"].Interface().(func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int))
	if !ok {
		t.Fatal("blas.Gemm32 is not a float32 Gemm")
	}
	c := make([]float32, 4)
	gemm(false, true, 2, 2, 2, 1, []float32{1, 2, 3, 4}, 2, []float32{5, 6, 7, 8}, 2, 0, c, 2)
	if want := []float32{17, 23, 39, 53}; !slices.Equal(c, want) {
		t.Errorf("Gemm32 = %v, want %v", c, want)
	}
}
