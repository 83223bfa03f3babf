package symbols

import (
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
