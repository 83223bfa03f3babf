package kernel

import (
	"context"
	_ "embed"
	"fmt"
	"go/token"
	"go/types"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/pkg/errors"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/generic"

	"github.com/aim-go/aim/kernel/symbols"
)

// Session is one notebook's interpreter: cells evaluated in it keep their
// declarations, imports and variables, like gophernotes. It is not safe
// for concurrent use; the kernel runs one cell at a time.
type Session struct {
	interp   *interp.Interpreter
	rw       rewriter
	declared map[string]bool // names the cells declared at the top level
	cellCtx  *cellContext
	stderr   *panicWriter
	types    *notebookTypes
}

// Outcome is what a cell produced: a value to show, or an error.
type Outcome struct {
	Value    any  // the cell's final expression
	HasValue bool // whether Value is to be shown
	Err      *CellError
}

// slicesSortSource declares, for the checker only, the functions of
// package slices that yaegi leaves out (Sort, Max, BinarySearch...), so that
// a cell that calls them is refused by name rather than "undefined".
//
//go:embed slices_sort.go.txt
var slicesSortSource string

// preludeImport is the package that gives cells their ctx.
const preludeImport = "github.com/aim-go/aim/kernel/prelude"

// NewSession makes an interpreter with the standard library and the
// packages of kernel/symbols. stdout and stderr are the interpreter's
// os.Stdout and os.Stderr (nil: the process's own).
func NewSession(stdout, stderr io.Writer) (*Session, error) {
	if stderr == nil {
		stderr = os.Stderr
	}
	s := &Session{declared: map[string]bool{}, cellCtx: newCellContext(), stderr: &panicWriter{next: stderr}}
	// Cells cannot ask for input: fmt.Scan and friends read an empty stream.
	s.interp = interp.New(interp.Options{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: s.stderr, Unrestricted: true})
	tables := []interp.Exports{stdlib.Symbols, symbols.Symbols, s.cellCtx.exports()}
	s.rw = rewriter{imported: map[string]string{}, pkgNames: map[string]string{}}
	for _, t := range tables {
		if err := s.interp.Use(t); err != nil {
			return nil, errors.Wrap(err, "loading the symbol tables")
		}
		for key := range t {
			if i := strings.LastIndex(key, "/"); i > 0 {
				s.rw.pkgNames[key[:i]] = key[i+1:]
			}
		}
	}
	src := "import aimkernel \"" + preludeImport + "\"\nvar ctx = aimkernel.Context()"
	if _, err := s.interp.Eval(src); err != nil {
		return nil, errors.Wrap(err, "declaring ctx")
	}
	s.rw.imported["aimkernel"] = preludeImport
	if err := s.initTypes(tables); err != nil {
		return nil, err
	}
	return s, nil
}

// use adds a table of compiled packages to the interpreter and the checker.
func (s *Session) use(t interp.Exports) error {
	if err := s.interp.Use(t); err != nil {
		return errors.Wrap(err, "loading a symbol table")
	}
	s.types.im.add(t)
	for key := range t {
		if i := strings.LastIndex(key, "/"); i > 0 {
			s.rw.pkgNames[key[:i]] = key[i+1:]
		}
	}
	return nil
}

// initTypes prepares the checker: the packages yaegi carries and the
// predeclared ctx.
func (s *Session) initTypes(tables []interp.Exports) error {
	sources := append(generic.Sources[:], slicesSortSource)
	s.types = newNotebookTypes(newTableImporter(tables, sources), s.rw.pkgNames)
	ctxPkg, err := s.types.im.Import("context")
	if err != nil {
		return errors.Wrap(err, "the types of package context")
	}
	main := types.NewPackage("main", "main")
	s.types.state["ctx"] = types.NewVar(token.NoPos, main, "ctx", ctxPkg.Scope().Lookup("Context").Type())
	return nil
}

// Execute evaluates a cell. ctx is the cell's context: cancelling it
// interrupts the cell (busy interpreted loops stop at once; compiled calls
// that take the cell's ctx return) and cancels the ctx the cell sees.
func (s *Session) Execute(ctx context.Context, code string) Outcome {
	if err := s.waitPending(ctx); err != nil {
		return Outcome{Err: err}
	}
	s.cellCtx.set(ctx)
	checked, cerr := s.checkCell(code)
	if cerr != nil {
		return Outcome{Err: cerr}
	}
	defer s.types.remember(checked.result)
	var out Outcome
	chunks := splitCell(checked.code)
	for i, c := range chunks {
		if ctx.Err() != nil { // interrupted before this chunk
			return Outcome{Err: runError(ctx.Err(), nil)}
		}
		if out = s.executeChunk(ctx, c, i == len(chunks)-1 && checked.values > 0); out.Err != nil {
			if out.Err.Name == "compile error" {
				out.Err = unsupported(out.Err, i > 0)
			}
			return out
		}
	}
	return out
}

// unsupported is a yaegi compile error in a cell that passed the Go
// checker: a construct the interpreter cannot run.
func unsupported(e *CellError, ranBefore bool) *CellError {
	msg := "the interpreter cannot run this valid Go: " + e.Value
	if ranBefore {
		msg += " (the cell's statements before this line have run)"
	}
	return &CellError{Name: "not supported", Value: msg, Traceback: []string{"not supported: " + msg}}
}

// executeChunk prepares, compiles and runs one chunk.
func (s *Session) executeChunk(ctx context.Context, c chunk, show bool) Outcome {
	p, err := s.rw.prepare(c)
	if err != nil {
		return Outcome{Err: compileError(err, c.decl)}
	}
	defer s.clearBlanks(p.blanks)
	if strings.TrimSpace(strings.TrimLeft(p.src, ";")) == "" {
		s.learn(p)
		return Outcome{}
	}
	s.stderr.take()
	v, err := s.run(ctx, p.src, c.decl)
	var panicked interp.Panic
	switch {
	case err == nil:
	case errors.As(err, &panicked) || errors.Is(err, errStillRunning) || ctx.Err() != nil:
		return Outcome{Err: runError(err, topLevelLine(s.stderr.take(), c.line))}
	default:
		return Outcome{Err: compileError(err, c.decl)}
	}
	s.learn(p)
	if !show {
		return Outcome{}
	}
	return s.outcome(v)
}

// run compiles and executes src, a chunk (declarations when decl), under
// ctx. When ctx is cancelled while a compiled call is running, the call
// goes on in the background (it cannot be stopped from outside); the next
// cell waits for it (waitPending). (EvalWithContext, not
// ExecuteWithContext, which races on its results when cancelled.)
func (s *Session) run(ctx context.Context, src string, decl bool) (reflect.Value, error) {
	type result struct {
		v   reflect.Value
		err error
	}
	g := s.gate(ctx, decl)
	if !decl {
		src = startHook + src
	}
	done := make(chan result, 1)
	go func() {
		v, err := s.interp.EvalWithContext(g.ctx, src)
		stopped := g.ctx.Err() != nil
		close(g.returned)
		if stopped {
			// yaegi returned at the cancellation; its own goroutine may
			// still be inside a compiled call.
			waitYaegi(context.Background())
		}
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
	}
	select {
	case r := <-done:
		if r.err == nil {
			r.err = ctx.Err()
		}
		return r.v, r.err
	case <-afterGrace():
		return reflect.Value{}, errStillRunning
	}
}

// gate is the context yaegi runs a chunk under. yaegi loses a
// cancellation that comes before the chunk has started to run (while it
// compiles it): the chunk then runs to its end, a loop forever. So a
// statement chunk begins with startHook, and the cancellation of the
// cell's context reaches yaegi only once the chunk has called it, or
// yaegi has returned. A declaration chunk runs no statement first; its
// cancellation is passed on at once.
type gate struct {
	ctx      context.Context
	returned chan struct{} // closed by run when yaegi has returned
}

func (s *Session) gate(cell context.Context, decl bool) gate {
	ctx, cancel := context.WithCancel(context.Background())
	g := gate{ctx: ctx, returned: make(chan struct{})}
	var started <-chan struct{}
	if !decl {
		started = s.cellCtx.expectStart()
	}
	go func() {
		defer cancel()
		select {
		case <-cell.Done():
		case <-g.returned:
			return
		}
		if started != nil {
			select {
			case <-started:
			case <-g.returned:
			}
		}
	}()
	return g
}

// learn records what a chunk that ran declared and imported.
func (s *Session) learn(p *prepared) {
	for name, path := range p.imports {
		s.rw.imported[name] = path
	}
	for _, n := range p.declared {
		s.declared[n] = true
	}
}

// outcome is the value of a cell's final expression: a Tuple of several
// values shows each, or the last when it is a non-nil error.
func (s *Session) outcome(v reflect.Value) Outcome {
	if !v.IsValid() || !v.CanInterface() || v.Type() == noValue {
		return Outcome{}
	}
	if t, ok := v.Interface().(Tuple); ok {
		if len(t) == 0 {
			return Outcome{}
		}
		if err, ok := t[len(t)-1].(error); ok && err != nil {
			msg := err.Error()
			return Outcome{Err: &CellError{Name: "error", Value: msg, Traceback: []string{"error: " + msg}}}
		}
	}
	return Outcome{Value: v.Interface(), HasValue: true}
}

// noValue is the type of what yaegi returns for a declaration or a call
// without results.
var noValue = reflect.TypeOf((*any)(nil))

// topLevelLine puts yaegi's panic line for a chunk's top-level code
// ("1:28: panic: main(...)": the first line of the source yaegi was given)
// on the line of the chunk's statement.
func topLevelLine(lines []string, line int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if m := panicLine.FindStringSubmatch(l); m != nil && m[1] == "1" && m[3] == "main" {
			l = fmt.Sprintf("%d:%s: panic: main(...)", line, m[2])
		}
		out[i] = l
	}
	return out
}

// clearBlanks lets go of what the hidden `_` variables hold.
func (s *Session) clearBlanks(names []string) {
	for _, n := range names {
		v, err := s.eval("&" + n)
		if err != nil || v.Kind() != reflect.Pointer || v.IsNil() {
			continue
		}
		if e := v.Elem(); e.CanSet() {
			e.Set(reflect.Zero(e.Type()))
		}
	}
}

// waitPending waits for a compiled call left running by an interrupted
// cell, saying so on stderr; interrupting the wait is an error.
func (s *Session) waitPending(ctx context.Context) *CellError {
	if !yaegiBusy() {
		return nil
	}
	if err := waitYaegi(ctx); err != nil {
		msg := "interrupted while waiting for the previous cell's compiled call to return; " +
			"it does not take ctx and cannot be stopped: restart the kernel to stop it"
		return &CellError{Name: "interrupted", Value: msg, Traceback: []string{"interrupted: " + msg}}
	}
	return nil
}

// names lists the top-level names in scope: declared by cells, imported,
// and the interpreter's globals, without the kernel's hidden ones.
func (s *Session) names() []string {
	seen := map[string]bool{}
	for n := range s.declared {
		seen[n] = true
	}
	for n := range s.rw.imported {
		seen[n] = true
	}
	for n := range s.interp.Globals() {
		seen[n] = true
	}
	var out []string
	for n := range seen {
		if !strings.HasPrefix(n, hiddenPrefix) && n != "aimkernel" && n != "_" && n != "." {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// errBusy refuses an evaluation while an interrupted cell's compiled call
// is still running.
var errBusy = errors.New("an interrupted cell's compiled call is still running")

// eval evaluates an expression outside a cell (for completion, inspection,
// the kernel's own bookkeeping). Never while an interrupted cell's
// goroutine is alive: any evaluation re-arms the interpreter's frame, and
// that goroutine would run on with the rest of its cell.
func (s *Session) eval(expr string) (reflect.Value, error) {
	if yaegiBusy() {
		return reflect.Value{}, errBusy
	}
	return s.interp.Eval(expr)
}
