package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/pkg/errors"
)

// symbolSet maps a table key ("import/path/name") to its exported names.
type symbolSet map[string]map[string]bool

// checkTables compares the committed tables in dir with fresh ones.
func checkTables(dir string, pkgs []pkgInfo) error {
	tables, err := extractAll(pkgs)
	if err != nil {
		return err
	}
	fresh := symbolSet{}
	for name, content := range tables {
		if err := parseTable(name, content, fresh); err != nil {
			return err
		}
	}
	committed := symbolSet{}
	files, err := generatedFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range files {
		content, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return errors.Wrap(err, "reading a symbol table")
		}
		if err := parseTable(name, content, committed); err != nil {
			return err
		}
	}
	if diff := compare(committed, fresh); len(diff) > 0 {
		for _, d := range diff {
			fmt.Fprintln(os.Stderr, d)
		}
		return errors.Errorf("%d differences: the symbol tables are stale; run `go generate ./kernel/...` and commit kernel/symbols", len(diff))
	}
	fmt.Printf("gen: the symbol tables of %d packages are current\n", len(fresh))
	return nil
}

// parseTable adds the keys of the Symbols assignments in a table to set.
func parseTable(name string, content []byte, set symbolSet) error {
	f, err := parser.ParseFile(token.NewFileSet(), name, content, 0)
	if err != nil {
		return errors.Wrapf(err, "parsing %s", name)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		key, ok := tableKey(as.Lhs[0])
		lit, isLit := as.Rhs[0].(*ast.CompositeLit)
		if !ok || !isLit {
			return true
		}
		names := map[string]bool{}
		for _, e := range lit.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if s, ok := stringLit(kv.Key); ok {
					names[s] = true
				}
			}
		}
		set[key] = names
		return false
	})
	return nil
}

// tableKey returns "k" for the expression Symbols["k"].
func tableKey(e ast.Expr) (string, bool) {
	ix, ok := e.(*ast.IndexExpr)
	if !ok {
		return "", false
	}
	if id, ok := ix.X.(*ast.Ident); !ok || id.Name != "Symbols" {
		return "", false
	}
	return stringLit(ix.Index)
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// compare lists what differs between the committed and the fresh sets.
func compare(committed, fresh symbolSet) []string {
	var diff []string
	for key, names := range fresh {
		old, ok := committed[key]
		if !ok {
			diff = append(diff, fmt.Sprintf("missing table: %s", key))
			continue
		}
		for n := range names {
			if !old[n] {
				diff = append(diff, fmt.Sprintf("%s: missing %s", key, n))
			}
		}
		for n := range old {
			if !names[n] {
				diff = append(diff, fmt.Sprintf("%s: %s no longer exists", key, n))
			}
		}
	}
	for key := range committed {
		if _, ok := fresh[key]; !ok {
			diff = append(diff, fmt.Sprintf("table of a package no longer carried: %s", key))
		}
	}
	sort.Strings(diff)
	return diff
}
