package kernel

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Before yaegi sees a chunk, the kernel rewrites around three of its quirks
// and learns what the chunk declares:
//
//   - importing a package already imported under the same name is an error
//     in yaegi ("fmt/_.go redeclared in this block"); a notebook re-runs
//     import cells all the time, so such imports are dropped;
//   - the blank identifier at the top level is a variable to yaegi that
//     keeps the type of its first use (`a, _ := 1, err` then
//     `_ = G.NewGraph()` panics in reflect.Set); each top-level `_` that is
//     assigned becomes a fresh hidden variable, cleared after the cell;
//   - yaegi silently drops an assignment of a composite literal or of a
//     call's result to a variable of a compiled package
//     (`plot.DefaultFont = font.Font{...}` leaves it unchanged), though it
//     makes one from a variable; such an assignment goes through a
//     temporary: `{ t := font.Font{...}; plot.DefaultFont = t }`.

// blankPrefix starts the hidden variables that stand for `_`, tempPrefix
// the temporaries of assignments to package variables.
const (
	blankPrefix = hiddenPrefix + "Blank"
	tempPrefix  = hiddenPrefix + "Temp"
)

// Prefixes yaegi puts before a chunk it parses as a file or as statements.
const (
	declPrefix = "package main;"
	stmtPrefix = "package main; func main() {"
)

// prepared is a chunk ready for yaegi, with what it declares.
type prepared struct {
	src      string
	imports  map[string]string // local name → import path
	blanks   []string          // hidden variables standing for `_`
	declared []string          // top-level names
}

// notCarriedError is an import of a package the kernel does not carry.
type notCarriedError struct{ path string }

func (e notCarriedError) Error() string {
	return fmt.Sprintf("package %q is not compiled into aim-kernel, and the interpreter cannot load packages from source: "+
		"the kernel carries the standard library, the project's public packages (github.com/aim-go/aim/...), gorgonia, tensor, "+
		"gonum/plot, gonum's mat and stat, and github.com/pkg/errors (docs/notebooks.md says how to add one)", e.path)
}

// edit replaces src[off:off+del] with ins, or with spaces where blank.
type edit struct {
	off, del int
	ins      string
	blank    bool
}

// rewriter holds what the session knows across cells.
type rewriter struct {
	imported map[string]string // local name → path, of earlier cells
	pkgNames map[string]string // import path → package name, of every carried package
	blanks   int
	temps    int
	hidden   int // names of the rewrites that need types
}

// prepare parses c and rewrites it. A chunk that does not parse is
// returned unchanged, for yaegi to report its error.
func (rw *rewriter) prepare(c chunk) (*prepared, error) {
	p := &prepared{src: c.src, imports: map[string]string{}}
	prefix, suffix := stmtPrefix, "\n}"
	if c.decl {
		prefix, suffix = declPrefix, ""
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", prefix+c.src+suffix, 0)
	if err != nil {
		return p, nil
	}
	offset := func(pos token.Pos) int { return fset.Position(pos).Offset - len(prefix) }
	var edits []edit
	if c.decl {
		edits, err = rw.declEdits(f.Decls, p, offset)
	} else {
		body := f.Decls[0].(*ast.FuncDecl).Body.List
		edits, err = rw.stmtEdits(body, p, offset)
	}
	if err != nil {
		return nil, err
	}
	edits = append(edits, rw.packageVarEdits(f, p, offset)...)
	p.src = apply(c.src, edits)
	return p, nil
}

// packageVarEdits routes each assignment to a package's variable (pkg.V =
// x, a statement of its own) through a temporary variable.
func (rw *rewriter) packageVarEdits(f *ast.File, p *prepared, offset func(token.Pos) int) []edit {
	var edits []edit
	ast.Inspect(f, func(n ast.Node) bool {
		var list []ast.Stmt
		switch n := n.(type) {
		case *ast.BlockStmt:
			list = n.List
		case *ast.CaseClause:
			list = n.Body
		case *ast.CommClause:
			list = n.Body
		}
		for _, st := range list {
			if as, ok := st.(*ast.AssignStmt); ok && rw.isPackageVar(as, p) {
				rw.temps++
				t := fmt.Sprintf("%s%d", tempPrefix, rw.temps)
				lhs := as.Lhs[0].(*ast.SelectorExpr)
				edits = append(edits,
					edit{off: offset(as.Pos()), del: offset(as.Rhs[0].Pos()) - offset(as.Pos()), ins: "{ " + t + " := "},
					edit{off: offset(as.End()), ins: "; " + lhs.X.(*ast.Ident).Name + "." + lhs.Sel.Name + " = " + t + " }"})
			}
		}
		return true
	})
	return edits
}

// isPackageVar reports whether as is `pkg.V = x` for an imported pkg.
func (rw *rewriter) isPackageVar(as *ast.AssignStmt, p *prepared) bool {
	if as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	sel, ok := as.Lhs[0].(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	_, before := rw.imported[id.Name]
	_, now := p.imports[id.Name]
	return before || now
}

// declEdits rewrites the imports and blank variables of declarations.
func (rw *rewriter) declEdits(decls []ast.Decl, p *prepared, offset func(token.Pos) int) ([]edit, error) {
	var edits []edit
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				p.declared = append(p.declared, d.Name.Name)
			}
		case *ast.GenDecl:
			e, err := rw.genDeclEdits(d, p, offset)
			if err != nil {
				return nil, err
			}
			edits = append(edits, e...)
		}
	}
	return edits, nil
}

func (rw *rewriter) genDeclEdits(d *ast.GenDecl, p *prepared, offset func(token.Pos) int) ([]edit, error) {
	if d.Tok == token.IMPORT {
		return rw.importEdits(d, p, offset)
	}
	var edits []edit
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if n.Name == "_" && d.Tok == token.VAR {
					edits = append(edits, rw.blank(n, p, offset))
				} else if n.Name != "_" {
					p.declared = append(p.declared, n.Name)
				}
			}
		case *ast.TypeSpec:
			p.declared = append(p.declared, s.Name.Name)
		}
	}
	return edits, nil
}

// importEdits drops imports already made and refuses packages not carried.
func (rw *rewriter) importEdits(d *ast.GenDecl, p *prepared, offset func(token.Pos) int) ([]edit, error) {
	var edits []edit
	kept := 0
	for _, s := range d.Specs {
		spec := s.(*ast.ImportSpec)
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return nil, errors.Wrapf(err, "import path %s", spec.Path.Value)
		}
		name, ok := rw.pkgNames[path]
		if !ok {
			return nil, notCarriedError{path}
		}
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if rw.imported[name] == path && name != "_" {
			edits = append(edits, blankOut(offset(spec.Pos()), offset(spec.End())))
			continue
		}
		kept++
		p.imports[name] = path
	}
	if kept == 0 && !d.Lparen.IsValid() {
		return []edit{blankOut(offset(d.Pos()), offset(d.End()))}, nil
	}
	return edits, nil
}

// blankOut is an edit that blanks src[from:to].
func blankOut(from, to int) edit { return edit{off: from, del: to - from, blank: true} }

// stmtEdits rewrites the blank identifiers of top-level statements.
func (rw *rewriter) stmtEdits(stmts []ast.Stmt, p *prepared, offset func(token.Pos) int) ([]edit, error) {
	var edits []edit
	for _, s := range stmts {
		switch s := s.(type) {
		case *ast.AssignStmt:
			edits = append(edits, rw.assignEdits(s, p, offset)...)
		case *ast.DeclStmt:
			e, err := rw.genDeclEdits(s.Decl.(*ast.GenDecl), p, offset)
			if err != nil {
				return nil, err
			}
			edits = append(edits, e...)
		}
	}
	return edits, nil
}

// assignEdits turns the `_` of `a, _ := f()` and of `a, _ = f()` (plain
// identifiers only) into hidden variables, making the latter a definition.
func (rw *rewriter) assignEdits(s *ast.AssignStmt, p *prepared, offset func(token.Pos) int) []edit {
	if s.Tok != token.DEFINE && s.Tok != token.ASSIGN {
		return nil
	}
	var edits []edit
	for _, e := range s.Lhs {
		id, ok := e.(*ast.Ident)
		if !ok {
			return nil // m[k], _ = f(): left alone
		}
		if id.Name == "_" {
			edits = append(edits, rw.blank(id, p, offset))
		} else if s.Tok == token.DEFINE {
			p.declared = append(p.declared, id.Name)
		}
	}
	if len(edits) > 0 && s.Tok == token.ASSIGN {
		edits = append(edits, edit{off: offset(s.TokPos), ins: ":"})
	}
	return edits
}

// blank replaces one `_` by a fresh hidden variable.
func (rw *rewriter) blank(id *ast.Ident, p *prepared, offset func(token.Pos) int) edit {
	rw.blanks++
	name := fmt.Sprintf("%s%d", blankPrefix, rw.blanks)
	p.blanks = append(p.blanks, name)
	return edit{off: offset(id.Pos()), del: 1, ins: name}
}

// apply makes the edits (at distinct offsets) on src. A blanking edit
// turns its bytes into spaces, keeping newlines so that lines stay put.
func apply(src string, edits []edit) string {
	sort.Slice(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	for _, e := range edits {
		ins := e.ins
		if e.blank {
			ins = strings.Map(func(r rune) rune {
				if r == '\n' {
					return r
				}
				return ' '
			}, src[e.off:e.off+e.del])
		}
		src = src[:e.off] + ins + src[e.off+e.del:]
	}
	return src
}
