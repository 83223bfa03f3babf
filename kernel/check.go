package kernel

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"go/version"
	"runtime"
	"sort"
	"strings"
)

// A cell is type-checked as a whole, with go/types and the Go version the
// kernel reports, before any of it runs: a cell with an error anywhere
// runs nothing, and its errors are the compiler's. The check also gives the
// types that the rewriting of cells needs (rewritecheck.go): the
// constructs yaegi runs differently from compiled Go are rewritten into
// ones it runs the same, or refused with a message that names the
// construct and what to write instead.
//
// The cell is checked as a file of package main: its declarations at the
// top level, its statements in order in one function (line directives keep
// the cell's lines and columns), and the imports of earlier cells. The
// names that earlier cells declared are objects of earlier checks,
// inserted into the package's scope (the checker compares packages by
// path, so unexported fields of earlier types stay accessible). A
// variable a statement defines at the top level is a global of the
// notebook: "declared and not used" does not apply to it, and a
// declaration of the same cell may use it.

// cellFunc is the function that holds a cell's statements when checked.
const cellFunc = "_aimCell"

// hiddenPrefix starts every name the kernel adds to cells.
const hiddenPrefix = "_aim"

// notebookTypes is what the checker knows across cells.
type notebookTypes struct {
	im      *tableImporter
	state   map[string]types.Object // top-level names of earlier cells
	goLang  string                  // "go1.26"
	pkgName map[string][]string     // package name → carried import paths (for "add import")
}

func newNotebookTypes(im *tableImporter, pkgNames map[string]string) *notebookTypes {
	nt := &notebookTypes{im: im, state: map[string]types.Object{}, goLang: version.Lang(runtime.Version()), pkgName: map[string][]string{}}
	if nt.goLang == "" {
		nt.goLang = "go1.26"
	}
	for path, name := range pkgNames {
		if !strings.Contains(path, "internal") && !strings.Contains(path, "vendor/") {
			nt.pkgName[name] = append(nt.pkgName[name], path)
		}
	}
	for _, paths := range nt.pkgName {
		sort.Slice(paths, func(i, j int) bool {
			return len(paths[i]) < len(paths[j]) || len(paths[i]) == len(paths[j]) && paths[i] < paths[j]
		})
	}
	return nt
}

// checkFile is a cell laid out as a Go file for the checker.
type checkFile struct {
	src   string
	spans []span // where each segment of the cell sits in src
	fset  *token.FileSet
	file  *ast.File
	body  *ast.BlockStmt // the body of cellFunc
}

// span maps a segment of the cell to its place in the check file.
type span struct{ fileOff, cellOff, size int }

// cellOffset maps a position of the check file to an offset in the cell
// (-1 outside the cell's text).
func (cf *checkFile) cellOffset(pos token.Pos) int {
	off := cf.fset.PositionFor(pos, false).Offset
	for _, s := range cf.spans {
		if off >= s.fileOff && off <= s.fileOff+s.size {
			return s.cellOff + off - s.fileOff
		}
	}
	return -1
}

// layout makes the check file of code: imports of earlier cells (those
// the cell does not import again), declarations, then cellFunc.
func layout(code string, segs []segment, imported map[string]string) (*checkFile, error) {
	cellImports := map[string]bool{}
	var decls, stmts []segment
	for _, s := range segs {
		if s.kind == declSegment {
			decls = append(decls, s)
			for _, n := range importNames(code[s.start:s.end]) {
				cellImports[n] = true
			}
		} else {
			stmts = append(stmts, s)
		}
	}
	var b strings.Builder
	b.WriteString("package main\n")
	names := make([]string, 0, len(imported))
	for n := range imported {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !cellImports[n] {
			fmt.Fprintf(&b, "import %s %q\n", n, imported[n])
		}
	}
	cf := &checkFile{fset: token.NewFileSet()}
	put := func(s segment) {
		line := 1 + strings.Count(code[:s.start], "\n")
		col := 1 + s.start - (strings.LastIndex(code[:s.start], "\n") + 1)
		fmt.Fprintf(&b, "/*line cell:%d:%d*/", line, col)
		cf.spans = append(cf.spans, span{fileOff: b.Len(), cellOff: s.start, size: s.end - s.start})
		b.WriteString(code[s.start:s.end])
		b.WriteString("\n")
	}
	for _, s := range decls {
		put(s)
	}
	b.WriteString("func " + cellFunc + "() {\n")
	for _, s := range stmts {
		put(s)
	}
	b.WriteString("}\n")
	cf.src = b.String()
	f, err := parser.ParseFile(cf.fset, "cell", cf.src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	cf.file = f
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == cellFunc {
			cf.body = fd.Body
		}
	}
	return cf, nil
}

// importNames are the names an import declaration binds.
func importNames(src string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+src, parser.ImportsOnly)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range f.Imports {
		if s.Name != nil {
			out = append(out, s.Name.Name)
			continue
		}
		p := strings.Trim(s.Path.Value, "\"`")
		out = append(out, p[strings.LastIndex(p, "/")+1:])
	}
	return out
}

// checkResult is a checked cell.
type checkResult struct {
	cf     *checkFile
	pkg    *types.Package
	info   *types.Info
	errs   []types.Error // errors that stand
	topVar map[string]types.Object
}

// check type-checks a laid-out cell; extra are variables to declare at
// the package level (the cell's own top-level variables used by its
// declarations).
func (nt *notebookTypes) check(cf *checkFile, declared map[string]bool, extra map[string]types.Type) *checkResult {
	pkg := types.NewPackage("main", "main")
	for name, obj := range nt.state {
		if !declared[name] {
			pkg.Scope().Insert(obj)
		}
	}
	for name, t := range extra {
		if pkg.Scope().Lookup(name) == nil || !declared[name] {
			pkg.Scope().Insert(types.NewVar(token.NoPos, pkg, name, t))
		}
	}
	r := &checkResult{cf: cf, pkg: pkg, topVar: map[string]types.Object{}, info: &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}, Scopes: map[ast.Node]*types.Scope{},
	}}
	var all []types.Error
	conf := types.Config{Importer: nt.im, GoVersion: nt.goLang, Error: func(err error) {
		if e, ok := err.(types.Error); ok {
			all = append(all, e)
		}
	}}
	_ = types.NewChecker(&conf, cf.fset, pkg, r.info).Files([]*ast.File{cf.file})
	scope := r.funcScope()
	for id, obj := range r.info.Defs {
		if obj != nil && scope != nil && obj.Parent() == scope && id.Name != "_" {
			r.topVar[id.Name] = obj
		}
	}
	for _, e := range all {
		if !r.excused(e) {
			r.errs = append(r.errs, e)
		}
	}
	return r
}

// funcScope is the scope of cellFunc's body.
func (r *checkResult) funcScope() *types.Scope {
	for _, d := range r.cf.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == cellFunc {
			return r.info.Scopes[fd.Type]
		}
	}
	return nil
}

// excused reports whether an error does not apply to a notebook: unused
// imports, unused top-level variables (globals of the notebook), a final
// expression that is not used (it is the cell's value), and methods on a
// type of an earlier cell.
func (r *checkResult) excused(e types.Error) bool {
	switch {
	case strings.Contains(e.Msg, " imported ") && strings.HasSuffix(e.Msg, "not used"):
		return true
	case strings.HasPrefix(e.Msg, "declared and not used"):
		name := strings.TrimSpace(strings.TrimPrefix(e.Msg, "declared and not used:"))
		obj, ok := r.topVar[name]
		return ok && obj.Pos() == e.Pos
	case strings.Contains(e.Msg, "is not used"):
		last := r.lastExpr()
		return last != nil && e.Pos >= last.Pos() && e.Pos < last.End()
	case strings.HasPrefix(e.Msg, "cannot define new methods on non-local type"):
		return true
	}
	return false
}

// lastExpr is the cell's final statement when it is an expression.
func (r *checkResult) lastExpr() ast.Expr {
	if r.cf.body == nil || len(r.cf.body.List) == 0 {
		return nil
	}
	if es, ok := r.cf.body.List[len(r.cf.body.List)-1].(*ast.ExprStmt); ok {
		return es.X
	}
	return nil
}

// lastValues is the number of values of the final expression (0 when
// there is none to show).
func (r *checkResult) lastValues() int {
	x := r.lastExpr()
	if x == nil {
		return 0
	}
	tv, ok := r.info.Types[x]
	if !ok {
		return 0
	}
	switch {
	case tv.IsVoid(), tv.IsType(), tv.IsBuiltin():
		return 0
	}
	if t, ok := tv.Type.(*types.Tuple); ok {
		return t.Len()
	}
	return 1
}

// message is the errors that stand, one a line, at cell positions, with
// a hint for an undefined package name or standard library symbol.
func (nt *notebookTypes) message(r *checkResult) string {
	var lines []string
	for _, e := range r.errs {
		p := e.Fset.Position(e.Pos)
		lines = append(lines, fmt.Sprintf("line %d:%d: %s%s", p.Line, p.Column, e.Msg, nt.hint(e.Msg)))
		if len(lines) == 10 {
			break
		}
	}
	return strings.Join(lines, "\n")
}

// hint says how to fix an undefined name the kernel can help with.
func (nt *notebookTypes) hint(msg string) string {
	name, ok := strings.CutPrefix(msg, "undefined: ")
	if !ok {
		return ""
	}
	if pkg, sym, ok := strings.Cut(name, "."); ok {
		if path, found := nt.onlyPath(pkg); found && !strings.Contains(path, ".") && sym != "" {
			return " (the interpreter carries the standard library of Go 1.22, and " + name + " is not in it)"
		}
		return ""
	}
	if paths := nt.pkgName[name]; len(paths) > 0 {
		q := make([]string, len(paths))
		for i, p := range paths {
			q[i] = fmt.Sprintf("%q", p)
		}
		return " (add import " + strings.Join(q, " or ") + ")"
	}
	return ""
}

func (nt *notebookTypes) onlyPath(name string) (string, bool) {
	if paths := nt.pkgName[name]; len(paths) > 0 {
		return paths[0], true
	}
	return "", false
}

// remember records the top-level names a cell that ran declared.
func (nt *notebookTypes) remember(r *checkResult) {
	for _, name := range r.pkg.Scope().Names() {
		obj := r.pkg.Scope().Lookup(name)
		if obj.Pkg() == r.pkg && !strings.HasPrefix(name, hiddenPrefix) && name != cellFunc && name != "_" {
			nt.state[name] = obj
		}
	}
	for name, obj := range r.topVar {
		if !strings.HasPrefix(name, hiddenPrefix) {
			nt.state[name] = types.NewVar(token.NoPos, r.pkg, name, obj.Type())
		}
	}
}
