package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// maxDeclLines caps the declaration shown for a name (a long const block,
// a struct with many fields).
const maxDeclLines = 30

// docsFile is where the doc comments go, beside the tables.
const docsFile = "docs.json"

// writeDocs writes docs.json: for each exported name of the carried
// packages and of docOnly, keyed "import/path.Name" (methods
// "import/path.Type.Method", the package itself "import/path"), its
// declaration and doc comment as text.
func writeDocs(dir string, pkgs []pkgInfo) error {
	std, err := list(docOnly...)
	if err != nil {
		return err
	}
	docs, err := collectDocs(append(pkgs, std...))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("{\n")
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(docs[k])
		sep := ","
		if i == len(keys)-1 {
			sep = ""
		}
		fmt.Fprintf(&buf, "%s: %s%s\n", kb, vb, sep)
	}
	buf.WriteString("}\n")
	return errors.Wrap(os.WriteFile(filepath.Join(dir, docsFile), buf.Bytes(), 0o644), "writing docs.json")
}

// collectDocs returns the doc entries of pkgs, keyed as in docs.json.
func collectDocs(pkgs []pkgInfo) (map[string]string, error) {
	docs := map[string]string{}
	for _, p := range pkgs {
		if err := addDocs(docs, p); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// checkDocs compares the committed docs.json with fresh doc comments of
// the project's packages (the standard library's entries depend on the Go
// release and are left out).
func checkDocs(dir string, pkgs []pkgInfo) error {
	b, err := os.ReadFile(filepath.Join(dir, docsFile))
	if err != nil {
		return errors.Wrap(err, "reading docs.json")
	}
	var committed map[string]string
	if err := json.Unmarshal(b, &committed); err != nil {
		return errors.Wrap(err, "reading docs.json")
	}
	fresh, err := collectDocs(pkgs)
	if err != nil {
		return err
	}
	var stale []string
	for k, v := range fresh {
		if committed[k] != v {
			stale = append(stale, k)
		}
	}
	for k := range committed {
		if _, ok := fresh[k]; !ok && strings.HasPrefix(k, projectPrefix) {
			stale = append(stale, k)
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		return errors.Errorf("docs.json is stale for %d names (%s): run `go generate ./kernel/...` and commit kernel/symbols", len(stale), strings.Join(stale[:min(5, len(stale))], ", "))
	}
	return nil
}

// parsePackage parses the Go files of p with their comments.
func parsePackage(p pkgInfo) (*token.FileSet, []*ast.File, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "parsing %s", p.ImportPath)
		}
		files = append(files, f)
	}
	return fset, files, nil
}

func addDocs(docs map[string]string, p pkgInfo) error {
	fset, files, err := parsePackage(p)
	if err != nil {
		return err
	}
	d, err := doc.NewFromFiles(fset, files, p.ImportPath)
	if err != nil {
		return errors.Wrapf(err, "reading the docs of %s", p.ImportPath)
	}
	path := p.ImportPath
	docs[path] = fmt.Sprintf("package %s // import %q\n\n%s", d.Name, path, d.Doc)
	addValues(docs, fset, path, d.Consts)
	addValues(docs, fset, path, d.Vars)
	addFuncs(docs, fset, path, "", d.Funcs)
	for _, t := range d.Types {
		docs[path+"."+t.Name] = entry(fset, t.Decl, t.Doc)
		addValues(docs, fset, path, t.Consts)
		addValues(docs, fset, path, t.Vars)
		addFuncs(docs, fset, path, "", t.Funcs)
		addFuncs(docs, fset, path, t.Name+".", t.Methods)
	}
	return nil
}

func addValues(docs map[string]string, fset *token.FileSet, path string, values []*doc.Value) {
	for _, v := range values {
		text := entry(fset, v.Decl, v.Doc)
		for _, name := range v.Names {
			if ast.IsExported(name) {
				docs[path+"."+name] = text
			}
		}
	}
}

func addFuncs(docs map[string]string, fset *token.FileSet, path, prefix string, funcs []*doc.Func) {
	for _, f := range funcs {
		if ast.IsExported(f.Name) {
			docs[path+"."+prefix+f.Name] = entry(fset, f.Decl, f.Doc)
		}
	}
}

// entry is a declaration (without body or doc comment) and its doc.
func entry(fset *token.FileSet, decl ast.Decl, comment string) string {
	var buf bytes.Buffer
	switch d := decl.(type) {
	case *ast.FuncDecl:
		c := *d
		c.Body, c.Doc = nil, nil
		printer.Fprint(&buf, fset, &c)
	case *ast.GenDecl:
		c := *d
		c.Doc = nil
		printer.Fprint(&buf, fset, &c)
	}
	lines := strings.Split(buf.String(), "\n")
	if len(lines) > maxDeclLines {
		lines = append(lines[:maxDeclLines], "\t...")
	}
	return strings.Join(lines, "\n") + "\n\n" + strings.TrimSpace(comment)
}

// reportGenerics names the generic functions and types of the project's
// packages that yaegi cannot bind and instances.go does not instantiate.
func reportGenerics(dir string, pkgs []pkgInfo) {
	inst, err := instanceNames(filepath.Join(dir, "instances.go"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: note:", err)
	}
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, strings.TrimSuffix(projectPattern, "/...")) {
			continue
		}
		_, files, err := parsePackage(p)
		if err != nil {
			continue
		}
		for _, name := range genericNames(files, inst[p.ImportPath]) {
			fmt.Fprintf(os.Stderr, "gen: note: %s.%s is generic, so notebooks cannot call it: give it a non-generic entry point\n", p.ImportPath, name)
		}
	}
}

// genericNames lists the exported generic functions and types of files
// that have no non-generic entry point named like them with a 32 suffix
// (optim.NewAdamW32 for optim.NewAdamW), in the files or in instances.
func genericNames(files []*ast.File, instances map[string]bool) []string {
	var generic []string
	exported := map[string]bool{}
	note := func(name *ast.Ident, params *ast.FieldList) {
		if !name.IsExported() {
			return
		}
		exported[name.Name] = true
		if params != nil {
			generic = append(generic, name.Name)
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					note(d.Name, d.Type.TypeParams)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						note(ts.Name, ts.TypeParams)
					}
				}
			}
		}
	}
	var out []string
	for _, n := range generic {
		if !exported[n+"32"] && !instances[n+"32"] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// instanceNames reads the names kernel/symbols/instances.go adds to each
// package's table: import path → name → true.
func instanceNames(file string) (map[string]map[string]bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, errors.Wrap(err, "reading the instantiated generics")
	}
	names := map[string]map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		key, ok := kv.Key.(*ast.BasicLit)
		table, isTable := kv.Value.(*ast.CompositeLit)
		if !ok || !isTable || key.Kind != token.STRING {
			return true
		}
		importPath := path.Dir(strings.Trim(key.Value, `"`))
		names[importPath] = map[string]bool{}
		for _, e := range table.Elts {
			if name, ok := e.(*ast.KeyValueExpr).Key.(*ast.BasicLit); ok {
				names[importPath][strings.Trim(name.Value, `"`)] = true
			}
		}
		return false
	})
	return names, nil
}
