package kernel

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// Rewrites that need the checker's types, made on the cell's text before
// it is cut into chunks (no line is added or removed), for the constructs
// yaegi v0.16.1 runs differently from Go 1.22 and later:
//
//   - a loop variable that a closure (or &v) captures is shared by all
//     iterations in yaegi; Go gives each iteration its own. The body gets
//     a copy, `v := v`; in a three-clause loop the copy goes back to the
//     loop's (renamed) variable before the post statement;
//   - range over an integer (`for i := range n`) fails ("nil type"): it
//     becomes a three-clause loop over a copy of n, with the body's copy of i;
//   - min, max and clear are undefined: calls go to compiled helpers of
//     the argument's kind (a constant min or max is its value);
//   - `v := s[i]` at the top level fails in yaegi when s is a field of a
//     compiled struct ("constant definition loop"): it becomes
//     `var v T = s[i]` (one declaration per variable of `a, b := s[0], s[1]`);
//   - a definition of several values from one expression at the top level:
//     a comma-ok form (`v, ok := m[k]`, `x.(T)`, `<-ch`) fails ("nil
//     type"), and the variables of a call's results (`a, err := f()`) are
//     misplaced when a function reads them from inside a closure (it gets
//     err for a): a call's results go to hidden variables first, then to
//     the cell's (`r1, r2 := f(); a, err := r1, r2`), and the variables of
//     a comma-ok form are declared first, then assigned;
//   - a final expression with several values shows them all
//     (aimkernel.Values), or only a non-nil error for the count and error
//     of fmt.Println, a Write, io.Copy and the like (aimkernel.Failure).
//
// Refused, as yaegi runs them differently or fails at run time: range over
// a function (an iterator); defer in a loop (yaegi runs every deferred call
// with the last iteration's values, arguments included); an Error method
// on a type of a cell (fmt and errors do not see it); fmt printing a
// slice, array or map of a cell's type with a String method (the elements
// print as their fields), or %T and %#v of a cell's type (yaegi keeps no
// name for it); the standard library's generic functions that yaegi's
// interpreted slices, maps and cmp cannot compile.
//
// A method value with a value receiver (f := v.M) binds a copy of v in Go
// and v itself in yaegi: v is copied through a function literal.

// refusal is a construct the kernel will not run, at a cell position.
type refusal struct {
	pos token.Pos
	msg string
}

// rewriting collects the edits of one checked cell.
type rewriting struct {
	r       *checkResult
	code    string
	edits   []edit
	refused []refusal
	names   map[string]string // import path → name in the cell's file
	hidden  *int
	done    map[*ast.ForStmt]bool // labelled loops, rewritten with their label
	imports []string              // hidden imports the rewrites need, put before the cell
	carries func(path string) bool
	calls   map[*ast.SelectorExpr]bool // selectors that are called
}

func (nt *notebookTypes) rewrites(r *checkResult, code string, hidden *int) ([]edit, string, []refusal) {
	w := &rewriting{r: r, code: code, names: map[string]string{}, hidden: hidden, done: map[*ast.ForStmt]bool{}, carries: nt.im.carries}
	for _, s := range r.cf.file.Imports {
		path, _ := strconv.Unquote(s.Path.Value)
		if s.Name != nil {
			if s.Name.Name != "_" && s.Name.Name != "." {
				w.names[path] = s.Name.Name
			}
		} else {
			w.names[path] = nt.packageName(path)
		}
	}
	w.calls = map[*ast.SelectorExpr]bool{}
	ast.Inspect(r.cf.file, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if sel, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr); ok {
				w.calls[sel] = true
			}
		}
		return true
	})
	ast.Inspect(r.cf.file, w.visit)
	if r.cf.body != nil {
		for _, st := range r.cf.body.List {
			w.multiValue(st)
		}
	}
	if r.lastValues() > 1 {
		x := r.lastExpr()
		helper := "aimkernel.Values("
		if isCountAndError(r.info.Types[x].Type) && countsBytes(x) {
			helper = "aimkernel.Failure("
		}
		w.insert(x.Pos(), helper)
		w.insert(x.End(), ")")
	}
	return w.edits, strings.Join(w.imports, ""), w.refused
}

// byteCounters are the functions and methods whose results are a count of
// bytes or items and an error: their count is not worth showing.
var byteCounters = map[string]bool{
	"Print": true, "Println": true, "Printf": true, "Fprint": true, "Fprintln": true, "Fprintf": true,
	"Write": true, "WriteString": true, "WriteRune": true, "WriteTo": true, "ReadFrom": true,
	"Copy": true, "CopyN": true, "CopyBuffer": true, "Scan": true, "Scanf": true, "Scanln": true,
	"Sscan": true, "Sscanf": true, "Sscanln": true, "Fscan": true, "Fscanf": true, "Fscanln": true,
}

// countsBytes reports whether x calls one of byteCounters.
func countsBytes(x ast.Expr) bool {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return false
	}
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		return byteCounters[f.Sel.Name]
	case *ast.Ident:
		return byteCounters[f.Name]
	}
	return false
}

// isCountAndError reports whether t is (int, error) or (int64, error),
// the results of fmt.Println and of a Write.
func isCountAndError(t types.Type) bool {
	tu, ok := t.(*types.Tuple)
	if !ok || tu.Len() != 2 || !types.Identical(tu.At(1).Type(), types.Universe.Lookup("error").Type()) {
		return false
	}
	return types.Identical(tu.At(0).Type(), types.Typ[types.Int]) || types.Identical(tu.At(0).Type(), types.Typ[types.Int64])
}

func (nt *notebookTypes) packageName(path string) string {
	if p, err := nt.im.Import(path); err == nil {
		return p.Name()
	}
	return path[strings.LastIndex(path, "/")+1:]
}

func (w *rewriting) insert(pos token.Pos, s string) {
	if off := w.r.cf.cellOffset(pos); off >= 0 {
		w.edits = append(w.edits, edit{off: off, ins: s})
	}
}

func (w *rewriting) replace(from, to token.Pos, s string) {
	a, b := w.r.cf.cellOffset(from), w.r.cf.cellOffset(to)
	if a < 0 || b < a {
		return
	}
	// Keep the lines: the newlines of the replaced text come after s.
	s += strings.Repeat("\n", strings.Count(w.code[a:b], "\n"))
	w.edits = append(w.edits, edit{off: a, del: b - a, ins: s})
}

func (w *rewriting) refuse(pos token.Pos, format string, args ...any) {
	w.refused = append(w.refused, refusal{pos: pos, msg: fmt.Sprintf(format, args...)})
}

func (w *rewriting) hiddenName(what string) string {
	*w.hidden++
	return fmt.Sprintf("%s%s%d", hiddenPrefix, what, *w.hidden)
}

// typeExpr writes t as the cell can name it, importing its packages under
// hidden names where the cell has not imported them; ok is false for a
// type the cell cannot name (an unexported one, or one of a package the
// kernel does not carry).
func (w *rewriting) typeExpr(t types.Type) (string, bool) {
	ok := true
	s := types.TypeString(t, func(p *types.Package) string {
		if p.Path() == "main" {
			return ""
		}
		if n, found := w.names[p.Path()]; found {
			return n
		}
		if !w.carries(p.Path()) {
			ok = false
			return p.Name()
		}
		n := w.hiddenName("Pkg")
		w.names[p.Path()] = n
		w.imports = append(w.imports, fmt.Sprintf("import %s %q; ", n, p.Path()))
		return n
	})
	if ok && hasUnexported(t) {
		ok = false
	}
	return s, ok
}

// hasUnexported reports whether t names an unexported type of another
// package.
func hasUnexported(t types.Type) bool {
	found := false
	var walk func(t types.Type)
	walk = func(t types.Type) {
		switch t := t.(type) {
		case *types.Named:
			if o := t.Obj(); o.Pkg() != nil && o.Pkg().Path() != "main" && !o.Exported() {
				found = true
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		}
	}
	walk(t)
	return found
}

func (w *rewriting) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.LabeledStmt:
		if f, ok := n.Stmt.(*ast.ForStmt); ok {
			w.forLoop(f, n.Label.Name)
			w.done[f] = true
		}
	case *ast.ForStmt:
		if !w.done[n] {
			w.forLoop(n, "")
		}
	case *ast.RangeStmt:
		w.rangeLoop(n)
	case *ast.CallExpr:
		w.builtinCall(n)
		w.genericStd(n)
		w.printed(n)
	case *ast.SelectorExpr:
		w.methodValue(n)
	case *ast.FuncDecl:
		w.errorMethod(n)
	case *ast.DeferStmt:
		w.deferInLoop(n)
	}
	return true
}

// loopVars are the objects a loop header defines.
func (w *rewriting) loopVars(ids ...ast.Expr) []*ast.Ident {
	var out []*ast.Ident
	for _, e := range ids {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" && w.r.info.Defs[id] != nil {
			out = append(out, id)
		}
	}
	return out
}

// forLoop gives each iteration of a three-clause loop its own variables
// when the body captures them, as Go 1.22 does: the header's variable
// becomes a hidden one, the body starts with a copy under the variable's
// name, and the copy goes back to the hidden variable at the end of the
// body and before each continue of this loop, so that the post statement
// sees what the iteration made of it.
func (w *rewriting) forLoop(n *ast.ForStmt, label string) {
	as, ok := n.Init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE {
		return
	}
	vars := w.captured(n.Body, w.loopVars(as.Lhs...))
	if len(vars) == 0 {
		return
	}
	hidden := map[types.Object]string{}
	var names, outer []string
	for _, v := range vars {
		h := w.hiddenName("Loop")
		hidden[w.r.info.Defs[v]] = h
		names = append(names, v.Name)
		outer = append(outer, h)
	}
	for _, part := range []ast.Node{n.Init, n.Cond, n.Post} {
		if part == nil {
			continue
		}
		ast.Inspect(part, func(m ast.Node) bool {
			if id, ok := m.(*ast.Ident); ok {
				obj := w.r.info.Defs[id]
				if obj == nil {
					obj = w.r.info.Uses[id]
				}
				if h, ok := hidden[obj]; ok {
					w.replace(id.Pos(), id.End(), h)
				}
			}
			return true
		})
	}
	in, back := strings.Join(names, ", "), strings.Join(outer, ", ")
	w.insert(n.Body.Lbrace+1, " "+in+" := "+back+";")
	copyBack := back + " = " + in + ";"
	w.insert(n.Body.Rbrace, "; "+copyBack+" ")
	for _, c := range continuesOf(n.Body, label) {
		w.replace(c.Pos(), c.End(), "{ "+copyBack+" "+w.source(c)+" }")
	}
}

// source is the cell's text of a node.
func (w *rewriting) source(n ast.Node) string {
	return w.code[w.r.cf.cellOffset(n.Pos()):w.r.cf.cellOffset(n.End())]
}

// continuesOf are the continue statements in body that continue the loop
// of body (labelled label, or "").
func continuesOf(body *ast.BlockStmt, label string) []*ast.BranchStmt {
	var out []*ast.BranchStmt
	var walk func(n ast.Node, nested bool)
	walk = func(n ast.Node, nested bool) {
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt:
				if m.Body != n {
					walk(m.Body, true)
					return false
				}
			case *ast.RangeStmt:
				if m.Body != n {
					walk(m.Body, true)
					return false
				}
			case *ast.BranchStmt:
				if m.Tok == token.CONTINUE && (m.Label == nil && !nested || m.Label != nil && m.Label.Name == label && label != "") {
					out = append(out, m)
				}
			}
			return true
		})
	}
	walk(body, false)
	return out
}

// copyVars starts a body with `a, b := a, b`.
func (w *rewriting) copyVars(body *ast.BlockStmt, vars []*ast.Ident) {
	if len(vars) == 0 {
		return
	}
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	list := strings.Join(names, ", ")
	w.insert(body.Lbrace+1, " "+list+" := "+list+";")
}

// rangeLoop copies captured range variables, rewrites range over an
// integer and refuses range over a function.
func (w *rewriting) rangeLoop(n *ast.RangeStmt) {
	tv := w.r.info.Types[n.X]
	if tv.Type == nil {
		return
	}
	switch u := tv.Type.Underlying().(type) {
	case *types.Signature:
		w.refuse(n.For, "range over a function (an iterator) is not supported by the interpreter: "+
			"call the function with the loop body as its yield function, e.g. seq(func(v T) bool { ...; return true }), "+
			"or collect its values into a slice first")
		return
	case *types.Basic:
		if u.Info()&types.IsInteger != 0 {
			w.rangeInt(n, tv)
			return
		}
	}
	if n.Tok == token.DEFINE {
		vars := w.loopVars(n.Key, n.Value)
		if len(w.captured(n.Body, vars)) > 0 {
			w.copyVars(n.Body, vars)
		}
	}
}

// rangeInt turns `for i := range n {` into
// `for i, end := T(0), T(n); i < end; i++ { i := i;`.
func (w *rewriting) rangeInt(n *ast.RangeStmt, tv types.TypeAndValue) {
	t := tv.Type
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		t = types.Typ[types.Int]
	}
	name, ok := w.typeExpr(t)
	if !ok {
		w.refuse(n.For, "range over a value of type %s: the interpreter cannot range over integers; write for i := 0; i < int(n); i++", t)
		return
	}
	x := w.code[w.r.cf.cellOffset(n.X.Pos()):w.r.cf.cellOffset(n.X.End())]
	end := w.hiddenName("End")
	key, body := "", ""
	switch id, _ := n.Key.(*ast.Ident); {
	case id != nil && id.Name != "_" && n.Tok == token.DEFINE:
		key, body = id.Name, " "+id.Name+" := "+id.Name+";"
	case n.Key != nil && n.Tok == token.ASSIGN:
		key = w.hiddenName("I")
		body = " " + w.code[w.r.cf.cellOffset(n.Key.Pos()):w.r.cf.cellOffset(n.Key.End())] + " = " + key + ";"
	default:
		key = w.hiddenName("I")
	}
	header := fmt.Sprintf("for %s, %s := %s(0), %s(%s); %s < %s; %s++ {%s", key, end, name, name, x, key, end, key, body)
	w.replace(n.For, n.Body.Lbrace+1, header)
}

// builtinCall rewrites min, max and clear.
func (w *rewriting) builtinCall(call *ast.CallExpr) {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return
	}
	if _, ok := w.r.info.Uses[id].(*types.Builtin); !ok {
		return
	}
	switch id.Name {
	case "clear":
		w.replace(id.Pos(), id.End(), "aimkernel.Clear")
	case "min", "max":
		w.minMax(call, id)
	}
}

func (w *rewriting) minMax(call *ast.CallExpr, id *ast.Ident) {
	tv := w.r.info.Types[call]
	if tv.Value != nil {
		w.replace(call.Pos(), call.End(), w.constant(tv))
		return
	}
	basic, ok := tv.Type.Underlying().(*types.Basic)
	if !ok {
		return
	}
	kind := strings.ToUpper(basic.Name()[:1]) + basic.Name()[1:]
	if _, ok := minMaxKinds[kind]; !ok {
		w.refuse(call.Pos(), "%s of %s values is not supported by the interpreter: compare them with < or >", id.Name, tv.Type)
		return
	}
	helper := "aimkernel." + strings.ToUpper(id.Name[:1]) + id.Name[1:] + kind
	if tv.Type == types.Typ[basic.Kind()] {
		w.replace(id.Pos(), id.End(), helper)
		return
	}
	name, ok := w.typeExpr(tv.Type)
	if !ok {
		w.refuse(call.Pos(), "%s of values of type %s is not supported by the interpreter: convert them to %s first", id.Name, tv.Type, basic.Name())
		return
	}
	w.replace(call.Pos(), call.Lparen+1, name+"("+helper+"(")
	for _, a := range call.Args {
		w.insert(a.Pos(), basic.Name()+"(")
		w.insert(a.End(), ")")
	}
	w.insert(call.Rparen+1, ")")
}

// constant writes a constant's value as Go source of the same type.
func (w *rewriting) constant(tv types.TypeAndValue) string {
	v := tv.Value
	var lit string
	basic, _ := tv.Type.Underlying().(*types.Basic)
	switch {
	case v.Kind() == constant.String:
		lit = strconv.Quote(constant.StringVal(v))
	case basic != nil && basic.Info()&types.IsFloat != 0:
		lit = constant.ToFloat(v).ExactString()
		if num, den, ok := strings.Cut(lit, "/"); ok {
			lit = "(" + num + ".0/" + den + ")"
		} else if !strings.ContainsAny(lit, ".eE") {
			lit += ".0"
		}
	default:
		lit = v.ExactString()
	}
	if b, ok := tv.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return "(" + lit + ")"
	}
	if name, ok := w.typeExpr(tv.Type); ok {
		return name + "(" + lit + ")"
	}
	return "(" + lit + ")"
}

// callResults writes `a, err := f()` at the top level as
// `r1, r2 := f(); a, err := r1, r2` with hidden r1, r2: the variables of
// the cell are then defined from variables, which yaegi places right.
func (w *rewriting) callResults(as *ast.AssignStmt) {
	lhs, hidden := make([]string, len(as.Lhs)), make([]string, len(as.Lhs))
	for i, e := range as.Lhs {
		lhs[i] = w.source(e)
		hidden[i] = w.hiddenName("R")
	}
	w.replace(as.Pos(), as.TokPos+2, strings.Join(hidden, ", ")+" :=")
	w.insert(as.End(), "; "+strings.Join(lhs, ", ")+" := "+strings.Join(hidden, ", "))
}

// hasIndex reports whether x indexes a slice, array, map or string.
func hasIndex(x ast.Expr) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.IndexExpr:
			found = true
		}
		return !found
	})
	return found
}

// typedDefinition writes `v := s[i]` at the top level as `var v T = s[i]`
// (and `a, b := s[0], s[1]` as one such declaration per variable): yaegi
// cannot type the first ("constant definition loop") when s comes from a
// field of a compiled struct. Left alone: definitions without an index,
// and those whose values use one of the names they define.
func (w *rewriting) typedDefinition(as *ast.AssignStmt) {
	indexed := false
	for _, x := range as.Rhs {
		indexed = indexed || hasIndex(x)
	}
	if !indexed {
		return
	}
	defined := map[string]bool{}
	var decls []string
	for i, l := range as.Lhs {
		id, _ := l.(*ast.Ident)
		if id == nil || id.Name == "_" || w.r.info.Defs[id] == nil {
			return
		}
		name, ok := w.typeExpr(w.r.info.Defs[id].Type())
		if !ok {
			return
		}
		defined[id.Name] = true
		decls = append(decls, "var "+id.Name+" "+name+" = "+w.source(as.Rhs[i]))
	}
	for _, x := range as.Rhs {
		if usesAny(x, defined) {
			return
		}
	}
	w.replace(as.Pos(), as.End(), strings.Join(decls, "; "))
}

// usesAny reports whether x names one of names (which in Go is the
// variable before the definition, in the declarations after it the new one).
func usesAny(x ast.Expr, names map[string]bool) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] {
			found = true
		}
		return !found
	})
	return found
}

// multiValue declares the variables of a top-level definition of several
// values from one expression — a call, or a comma-ok form — before
// assigning them: `var v T; var ok bool; v, ok = m[k]`.
func (w *rewriting) multiValue(st ast.Stmt) {
	as, ok := st.(*ast.AssignStmt)
	if ok && as.Tok == token.DEFINE && len(as.Lhs) == len(as.Rhs) {
		w.typedDefinition(as)
		return
	}
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) < 2 || len(as.Rhs) != 1 {
		return
	}
	if _, call := ast.Unparen(as.Rhs[0]).(*ast.CallExpr); call {
		w.callResults(as)
		return
	}
	var decl []string
	lhs := make([]string, len(as.Lhs))
	for i, e := range as.Lhs {
		id := e.(*ast.Ident)
		lhs[i] = id.Name
		obj := w.r.info.Defs[id]
		var t types.Type
		switch {
		case id.Name == "_":
			tu, ok := w.r.info.Types[as.Rhs[0]].Type.(*types.Tuple)
			if !ok || tu.Len() != len(lhs) {
				return
			}
			t = tu.At(i).Type()
			lhs[i] = w.hiddenName("Ok")
		case obj == nil:
			continue // an earlier variable, assigned
		default:
			t = obj.Type()
		}
		name, ok := w.typeExpr(t)
		if !ok {
			w.refuse(as.Pos(), "a definition of several values of which one is a %s, at the top level of a cell, is not "+
				"supported by the interpreter: declare the variables first (var %s T; %s, … = …) or write it inside a function",
				t, lhs[0], lhs[0])
			return
		}
		decl = append(decl, "var "+lhs[i]+" "+name+"; ")
	}
	w.replace(as.Pos(), as.TokPos+2, strings.Join(decl, "")+strings.Join(lhs, ", ")+" =")
}

// captured are the variables of vars that a closure in body uses, or
// whose address it takes.
func (w *rewriting) captured(body ast.Node, vars []*ast.Ident) []*ast.Ident {
	objs := map[types.Object]*ast.Ident{}
	for _, v := range vars {
		objs[w.r.info.Defs[v]] = v
	}
	found := map[*ast.Ident]bool{}
	var walk func(n ast.Node, inClosure bool)
	walk = func(n ast.Node, inClosure bool) {
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.FuncLit:
				if !inClosure {
					walk(m.Body, true)
					return false
				}
			case *ast.UnaryExpr:
				if m.Op == token.AND {
					if v := objs[w.r.info.Uses[rootIdent(m.X)]]; v != nil {
						found[v] = true
					}
				}
			case *ast.Ident:
				if v := objs[w.r.info.Uses[m]]; v != nil && inClosure {
					found[v] = true
				}
			}
			return true
		})
	}
	walk(body, false)
	var out []*ast.Ident
	for _, v := range vars {
		if found[v] {
			out = append(out, v)
		}
	}
	return out
}

// rootIdent is the variable at the root of x.f[i].g.
func rootIdent(x ast.Expr) *ast.Ident {
	for {
		switch e := x.(type) {
		case *ast.Ident:
			return e
		case *ast.SelectorExpr:
			x = e.X
		case *ast.IndexExpr:
			x = e.X
		case *ast.ParenExpr:
			x = e.X
		default:
			return nil
		}
	}
}

// interpretedGeneric are the generic functions of the interpreted standard
// packages that yaegi v0.16.1 compiles and runs correctly.
var interpretedGeneric = map[string]bool{
	"slices.Contains": true, "slices.ContainsFunc": true, "slices.Index": true, "slices.IndexFunc": true, "cmp.Compare": true,
}

// genericStd refuses a call of a generic function of slices, maps or cmp
// that yaegi cannot run.
func (w *rewriting) genericStd(call *ast.CallExpr) {
	fun := ast.Unparen(call.Fun)
	if ix, ok := fun.(*ast.IndexExpr); ok {
		fun = ix.X
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return
	}
	pn, ok := w.r.info.Uses[pkg].(*types.PkgName)
	if !ok || w.r.cf == nil {
		return
	}
	path := pn.Imported().Path()
	if path != "slices" && path != "maps" && path != "cmp" {
		return
	}
	name := path + "." + sel.Sel.Name
	if interpretedGeneric[name] {
		return
	}
	w.refuse(call.Pos(), "%s is not supported by the interpreter, which runs only a few of the standard library's generic functions "+
		"(slices.Contains, ContainsFunc, Index, IndexFunc, cmp.Compare): use sort.Slice(s, func(i, j int) bool { return s[i] < s[j] }), "+
		"sort.Ints, sort.Float64s, sort.Search, or a loop", name)
}

// inLoop reports whether n sits in a loop of its own function (not of an
// enclosing function literal's caller).
func (w *rewriting) inLoop(target ast.Node) bool {
	found := false
	var walk func(n ast.Node, loop bool)
	walk = func(n ast.Node, loop bool) {
		ast.Inspect(n, func(m ast.Node) bool {
			if found || m == nil {
				return false
			}
			if m == target {
				found = loop
				return false
			}
			switch m := m.(type) {
			case *ast.FuncLit:
				walk(m.Body, false)
				return false
			case *ast.ForStmt:
				walk(m.Body, true)
				return false
			case *ast.RangeStmt:
				walk(m.Body, true)
				return false
			}
			return true
		})
	}
	for _, d := range w.r.cf.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			walk(fd.Body, false)
		}
	}
	return found
}

// deferInLoop refuses a defer statement in a loop.
func (w *rewriting) deferInLoop(d *ast.DeferStmt) {
	if w.inLoop(d) {
		w.refuse(d.Defer, "defer in a loop is not supported by the interpreter, which runs every call deferred in a loop "+
			"with the last iteration's values: move the loop's body into a function (defer runs when it returns), "+
			"or collect what to do in a slice and run it after the loop")
	}
}

// cellType is the named type of the notebook that t is, or points to.
func cellType(t types.Type) *types.Named {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "main" {
		return n
	}
	return nil
}

// hasMethod reports whether t or *t has a method name.
func hasMethod(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(t), true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}

// errorMethod refuses an Error method on a type of the notebook.
func (w *rewriting) errorMethod(fd *ast.FuncDecl) {
	if fd.Recv == nil || fd.Name.Name != "Error" {
		return
	}
	w.refuse(fd.Name.Pos(), "an Error method on a type declared in a cell is not supported: the interpreter's fmt and errors "+
		"do not see it (an error of this type prints as its fields); make errors with errors.New or fmt.Errorf, "+
		"wrapping a cause with %%w")
}

// printFuncs are the fmt functions that format their arguments.
var printFuncs = map[string]bool{
	"Print": true, "Println": true, "Printf": true, "Sprint": true, "Sprintln": true, "Sprintf": true,
	"Fprint": true, "Fprintln": true, "Fprintf": true, "Errorf": true, "Appendf": true, "Append": true, "Appendln": true,
}

// printed refuses the fmt calls that would print a notebook type
// differently from compiled Go.
func (w *rewriting) printed(call *ast.CallExpr) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return
	}
	fn, ok := w.r.info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "fmt" || !printFuncs[fn.Name()] {
		return
	}
	format := ""
	for _, a := range call.Args {
		tv := w.r.info.Types[a]
		if tv.Value != nil && tv.Value.Kind() == constant.String && format == "" {
			format = constant.StringVal(tv.Value)
		}
	}
	for _, a := range call.Args {
		t := w.r.info.Types[a].Type
		if t == nil {
			continue
		}
		if n := cellType(t); n != nil && (strings.Contains(format, "%T") || strings.Contains(format, "%#v")) {
			w.refuse(a.Pos(), "%%T and %%#v of %s, a type declared in a cell, are not supported: the interpreter keeps no name "+
				"for it (it prints the underlying type); print the name yourself, or use %%v or %%+v", n.Obj().Name())
			return
		}
		if n := stringerElem(t); n != nil {
			w.refuse(a.Pos(), "printing a %s of %s, whose String method the interpreter's fmt does not call for elements: "+
				"print the elements one by one, or build the text with their String()", kindName(t), n.Obj().Name())
			return
		}
	}
}

// stringerElem is the notebook type with a String method that t holds
// as elements (slice, array, map), if any.
func stringerElem(t types.Type) *types.Named {
	var elems []types.Type
	switch u := t.Underlying().(type) {
	case *types.Slice:
		elems = []types.Type{u.Elem()}
	case *types.Array:
		elems = []types.Type{u.Elem()}
	case *types.Map:
		elems = []types.Type{u.Key(), u.Elem()}
	}
	for _, e := range elems {
		if n := cellType(e); n != nil && hasMethod(n, "String") {
			return n
		}
	}
	return nil
}

func kindName(t types.Type) string {
	switch t.Underlying().(type) {
	case *types.Slice:
		return "slice"
	case *types.Array:
		return "array"
	}
	return "map"
}

// methodValue makes v.M, a method value with a value receiver on a
// variable, bind a copy of v as Go does: func() T { return v }().M.
func (w *rewriting) methodValue(sel *ast.SelectorExpr) {
	s := w.r.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal || w.isCalled(sel) {
		return
	}
	if _, ptr := s.Obj().Type().(*types.Signature).Recv().Type().(*types.Pointer); ptr {
		return
	}
	switch ast.Unparen(sel.X).(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr:
	default:
		return
	}
	if _, isPkg := w.r.info.Uses[rootIdent(sel.X)].(*types.PkgName); isPkg {
		return
	}
	xt := w.r.info.Types[sel.X].Type
	if xt == nil {
		return
	}
	if _, isIface := xt.Underlying().(*types.Interface); isIface {
		return
	}
	name, ok := w.typeExpr(xt)
	if !ok {
		w.refuse(sel.Pos(), "the method value %s: the interpreter would bind the variable rather than a copy of it; "+
			"copy it first (c := %s) and take c.%s", w.source(sel), w.source(sel.X), sel.Sel.Name)
		return
	}
	w.insert(sel.X.Pos(), "func() "+name+" { return ")
	w.insert(sel.X.End(), " }()")
}

// isCalled reports whether sel is the function of a call.
func (w *rewriting) isCalled(sel *ast.SelectorExpr) bool {
	return w.calls[sel]
}
