package kernel

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// checkedCell is a cell that passed the check, rewritten for yaegi.
type checkedCell struct {
	code   string
	result *checkResult
	values int // of the final expression: 0 (nothing to show), 1, or several (a Tuple)
}

// checkCell checks a whole cell and rewrites it (check.go,
// rewritecheck.go); an error means that nothing of the cell may run.
func (s *Session) checkCell(code string) (*checkedCell, *CellError) {
	code = wrapValueList(code)
	segs, ok := segments(code)
	if !ok || len(segs) == 0 {
		segs = []segment{{start: 0, end: len(code), kind: stmtSegment}}
	}
	resolveEither(segs)
	cf, err := layout(code, segs, s.rw.imported)
	if err != nil {
		return nil, syntaxError(err)
	}
	if e := s.importError(cf); e != nil {
		return nil, e
	}
	declared := declaredNames(cf)
	r := s.types.check(cf, declared, nil)
	if extra := s.types.fixes(r, declared); extra != nil {
		r = s.types.check(cf, declared, extra)
	}
	if len(r.errs) > 0 {
		msg := s.types.message(r)
		return nil, &CellError{Name: "compile error", Value: msg, Traceback: []string{"compile error: " + msg}}
	}
	edits, imports, refused := s.types.rewrites(r, code, &s.rw.hidden)
	if len(refused) > 0 {
		var lines []string
		for _, f := range refused {
			p := cf.fset.Position(f.pos)
			lines = append(lines, fmt.Sprintf("line %d:%d: %s", p.Line, p.Column, f.msg))
		}
		msg := strings.Join(lines, "\n")
		return nil, &CellError{Name: "not supported", Value: msg, Traceback: []string{"not supported: " + msg}}
	}
	return &checkedCell{code: imports + apply(code, edits), result: r, values: r.lastValues()}, nil
}

// syntaxError is a cell the Go parser refuses, at cell positions.
func syntaxError(err error) *CellError {
	var list scanner.ErrorList
	var lines []string
	if errors.As(err, &list) {
		for _, e := range list {
			lines = append(lines, fmt.Sprintf("line %d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg))
			if len(lines) == 10 {
				break
			}
		}
	} else {
		lines = append(lines, err.Error())
	}
	msg := strings.Join(lines, "\n")
	return &CellError{Name: "syntax error", Value: msg, Traceback: []string{"syntax error: " + msg}}
}

// importError refuses an import of a package the kernel does not carry.
func (s *Session) importError(cf *checkFile) *CellError {
	for _, spec := range cf.file.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err == nil && !s.types.im.carries(path) {
			return compileError(notCarriedError{path}, true)
		}
	}
	return nil
}

// declaredNames are the names the cell's declarations declare at the top
// level (they replace those of earlier cells).
func declaredNames(cf *checkFile) map[string]bool {
	out := map[string]bool{}
	for _, d := range cf.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name != cellFunc {
				out[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					out[sp.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						out[n.Name] = true
					}
				}
			}
		}
	}
	return out
}

// fixes are what a second check needs, or nil: the cell's top-level
// variables that its declarations use, and the methods the cell declares
// on types of earlier cells (added to those types).
func (nt *notebookTypes) fixes(r *checkResult, declared map[string]bool) map[string]types.Type {
	var extra map[string]types.Type
	for _, e := range r.errs {
		name, ok := strings.CutPrefix(e.Msg, "undefined: ")
		if obj := r.topVar[name]; ok && obj != nil {
			if extra == nil {
				extra = map[string]types.Type{}
			}
			extra[name] = obj.Type()
		}
	}
	added := false
	for _, d := range r.cf.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil {
			continue
		}
		m, ok := r.info.Defs[fd.Name].(*types.Func)
		if !ok {
			continue
		}
		t := m.Type().(*types.Signature).Recv().Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if named, ok := t.(*types.Named); ok && named.Obj().Pkg() != nil && named.Obj().Pkg() != r.pkg && named.Obj().Pkg().Path() == "main" {
			named.AddMethod(m)
			added = true
		}
	}
	if added && extra == nil && len(r.errs) > 0 {
		extra = map[string]types.Type{}
	}
	return extra
}

// wrapValueList makes a final statement that is a list of expressions
// (`a, b`, not Go) a call of aimkernel.Values, so that the cell shows each.
func wrapValueList(code string) string {
	segs, ok := segments(code)
	if !ok || len(segs) == 0 {
		return code
	}
	last := segs[len(segs)-1]
	text := code[last.start:last.end]
	x, err := parser.ParseExpr("f(" + text + ",\n)")
	if err != nil {
		return code
	}
	if call, ok := x.(*ast.CallExpr); !ok || len(call.Args) < 2 || call.Ellipsis != token.NoPos {
		return code
	}
	return code[:last.start] + "aimkernel.Values(" + text + ")" + code[last.end:]
}
