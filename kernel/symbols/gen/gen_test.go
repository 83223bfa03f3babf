package main

import (
	"encoding/json"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseTableAndCompare(t *testing.T) {
	table := func(key string, names ...string) []byte {
		var b strings.Builder
		b.WriteString("package symbols\n\nimport \"reflect\"\n\nfunc init() {\n\tSymbols[\"" + key + "\"] = map[string]reflect.Value{\n")
		for _, n := range names {
			b.WriteString("\t\t\"" + n + "\": reflect.ValueOf(nil),\n")
		}
		b.WriteString("\t}\n}\n")
		return []byte(b.String())
	}
	committed, fresh := symbolSet{}, symbolSet{}
	for _, tc := range []struct {
		set   symbolSet
		key   string
		names []string
	}{
		{committed, "a/a", []string{"X", "Old"}},
		{committed, "gone/gone", []string{"Y"}},
		{fresh, "a/a", []string{"X", "New"}},
		{fresh, "b/b", []string{"Z"}},
	} {
		if err := parseTable("t.go", table(tc.key, tc.names...), tc.set); err != nil {
			t.Fatal(err)
		}
	}
	if !committed["a/a"]["Old"] || len(fresh["b/b"]) != 1 {
		t.Fatalf("parsed %v and %v", committed, fresh)
	}
	want := []string{"a/a: Old no longer exists", "a/a: missing New", "missing table: b/b", "table of a package no longer carried: gone/gone"}
	if got := compare(committed, fresh); !slices.Equal(got, want) {
		t.Errorf("compare:\n%q\nwant\n%q", got, want)
	}
	if d := compare(fresh, fresh); len(d) != 0 {
		t.Errorf("a set differs from itself: %q", d)
	}
	if err := parseTable("bad.go", []byte("not go"), symbolSet{}); err == nil {
		t.Error("a table that is not Go parsed")
	}
}

const testSource = `package sample

import "io"

// Answer is a constant.
const Answer = 42

var Count int

type Reader interface{ Read(p []byte) (int, error) }

type Float interface{ ~float32 | ~float64 }

type Box[T any] struct{ V T }

type Plain struct{ io.Writer }

func Sum[T Float](xs []T) T { return 0 }

func Sum32(xs []float32) float32 { return 0 }

func Max[T Float](a, b T) T { return a }

func Hello() string { return "hi" }
`

func TestTableContent(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "sample.go", testSource, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("example.com/sample", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	content, err := tableContent("symbols", pkg)
	if err != nil {
		t.Fatal(err)
	}
	set := symbolSet{}
	if err := parseTable("sample.go", content, set); err != nil {
		t.Fatalf("%v\n%s", err, content)
	}
	var names []string
	for n := range set["example.com/sample/sample"] {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"Answer", "Count", "Hello", "Plain", "Reader", "Sum32", "_Reader"}
	if !slices.Equal(names, want) {
		t.Errorf("symbols %v, want %v (no generics, no constraint, a wrapper for the interface)", names, want)
	}
	for _, s := range []string{`constant.MakeFromLiteral("42", token.INT, 0)`, "reflect.ValueOf(&sample.Count).Elem()", "func (W _example_com_sample_Reader) Read(p []byte) (int, error)"} {
		if !strings.Contains(string(content), s) {
			t.Errorf("table lacks %q:\n%s", s, content)
		}
	}
	if !strings.HasPrefix(string(content), generatedHeader) {
		t.Errorf("table does not start with %q", generatedHeader)
	}
	if got := genericNames([]*ast.File{f}, nil); !slices.Equal(got, []string{"Box", "Max"}) {
		t.Errorf("generics without an entry point: %v, want [Box Max] (Sum has Sum32)", got)
	}
}

func TestCarried(t *testing.T) {
	for path, want := range map[string]bool{
		"github.com/aim-go/aim/graph":           true,
		"github.com/aim-go/aim/internal/sysmem": false,
		"github.com/aim-go/aim/kernel":          false,
		"github.com/aim-go/aim/kernel/symbols":  false,
		"github.com/aim-go/aim/cmd/aim":         false,
		"github.com/aim-go/aim/examples/x":      false,
		"gorgonia.org/gorgonia":                 true,
		"example.com/lib/internal":              false,
	} {
		name := path[strings.LastIndex(path, "/")+1:]
		if got := carried(pkgInfo{ImportPath: path, Name: name}); got != want {
			t.Errorf("carried(%s) = %v", path, got)
		}
	}
	if carried(pkgInfo{ImportPath: "github.com/aim-go/aim/tool", Name: "main"}) {
		t.Error("a command is carried")
	}
}

// instances.go's keys name what a notebook reaches of the generic API, so
// gen does not report those names as unreachable.
func TestInstanceNames(t *testing.T) {
	names, err := instanceNames(filepath.Join("..", "instances.go"))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"github.com/aim-go/aim/optim":      "NewAdamW32",
		"github.com/aim-go/aim/blas":       "Gemm32",
		"github.com/aim-go/aim/objectives": "Loss32",
	} {
		if !names[path][want] {
			t.Errorf("instances of %s: %v, want %s among them", path, names[path], want)
		}
	}
	src := "package optim\nfunc NewAdamW[T any]() {}\nfunc Keep[T any]() {}\n"
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := genericNames([]*ast.File{f}, names["github.com/aim-go/aim/optim"]); !slices.Equal(got, []string{"Keep"}) {
		t.Errorf("generics without an entry point: %v, want [Keep] (NewAdamW is instantiated)", got)
	}
}

// TestCheckDocsFindsStaleEntries: docs.json written from fresh doc
// comments passes the check; a changed or a vanished project entry fails
// it, naming the entry.
func TestCheckDocsFindsStaleEntries(t *testing.T) {
	pkgs, err := list("github.com/aim-go/aim/masks")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(edit func(map[string]string)) {
		docs, err := collectDocs(pkgs)
		if err != nil {
			t.Fatal(err)
		}
		edit(docs)
		b, _ := json.Marshal(docs)
		if err := os.WriteFile(filepath.Join(dir, docsFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(func(map[string]string) {})
	if err := checkDocs(dir, pkgs); err != nil {
		t.Fatalf("fresh docs.json: %v", err)
	}
	write(func(d map[string]string) { d["github.com/aim-go/aim/masks"] += " (edited)" })
	if err := checkDocs(dir, pkgs); err == nil || !strings.Contains(err.Error(), "github.com/aim-go/aim/masks)") {
		t.Errorf("changed package doc: err = %v, want one naming github.com/aim-go/aim/masks", err)
	}
	write(func(d map[string]string) { d["github.com/aim-go/aim/masks.Gone"] = "func Gone()" })
	if err := checkDocs(dir, pkgs); err == nil || !strings.Contains(err.Error(), "masks.Gone") {
		t.Errorf("entry of a removed name: err = %v, want one naming masks.Gone", err)
	}
}
