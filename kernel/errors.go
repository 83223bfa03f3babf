package kernel

import (
	"bytes"
	"context"
	"fmt"
	"go/scanner"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"
	"github.com/traefik/yaegi/interp"
)

// CellError is why a cell failed, as the error reply and the error output
// carry it: a name ("compile error", "panic", "interrupted", "import
// error", "error"), the message with the cell line, and a traceback.
type CellError struct {
	Name      string
	Value     string
	Traceback []string
}

func (e *CellError) Error() string { return e.Name + ": " + e.Value }

// errStillRunning ends an interrupted cell whose compiled call goes on.
var errStillRunning = errors.New("interrupted; a compiled call that does not take ctx is still running in the background, " +
	"and the next cell waits for it to return (restart the kernel to stop it)")

// position matches the positions in yaegi's and the parser's messages:
// "_.go:3:5: " or "3:5: ".
var position = regexp.MustCompile(`(?m)(?:^|\s)(?:_\.go:)?(\d+):(\d+): `)

// cellPositions rewrites "3:5: msg" into "line 3:5: msg", taking off the
// width of yaegi's wrapper and of the start hook on a chunk's first line.
func cellPositions(msg string, decl bool) string {
	wrapper := len(stmtPrefix) + len(startHook)
	if decl {
		wrapper = len(declPrefix)
	}
	return position.ReplaceAllStringFunc(msg, func(m string) string {
		sub := position.FindStringSubmatch(m)
		line, _ := strconv.Atoi(sub[1])
		col, _ := strconv.Atoi(sub[2])
		if line == 1 && col > wrapper {
			col -= wrapper
		}
		lead := m[:len(m)-len(strings.TrimLeft(m, " \t\n"))]
		return fmt.Sprintf("%sline %d:%d: ", lead, line, col)
	})
}

// compileError is a cell that did not parse, type-check or import.
func compileError(err error, decl bool) *CellError {
	var nc notCarriedError
	if errors.As(err, &nc) {
		return &CellError{Name: "import error", Value: err.Error(), Traceback: []string{"import error: " + err.Error()}}
	}
	var list scanner.ErrorList
	name := "compile error"
	if errors.As(err, &list) {
		name = "syntax error"
	}
	msg := cellPositions(err.Error(), decl)
	return &CellError{Name: name, Value: msg, Traceback: []string{name + ": " + msg}}
}

// runError is a cell that failed while running: interrupted, or a panic
// in the interpreted code or in the compiled code it called. lines are
// yaegi's panic lines, innermost frame first.
func runError(err error, lines []string) *CellError {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &CellError{Name: "interrupted", Value: "the cell was interrupted", Traceback: []string{"interrupted"}}
	}
	if errors.Is(err, errStillRunning) {
		return &CellError{Name: "interrupted", Value: err.Error(), Traceback: []string{"interrupted: " + err.Error()}}
	}
	var p interp.Panic
	if !errors.As(err, &p) {
		msg := cellPositions(err.Error(), false)
		return &CellError{Name: "error", Value: msg, Traceback: []string{"error: " + msg}}
	}
	e := &CellError{Name: "panic", Value: fmt.Sprint(p.Value)}
	frames := panicFrames(lines)
	if len(frames) > 0 {
		e.Value += " (" + frames[0] + ")"
	}
	e.Traceback = append([]string{"panic: " + fmt.Sprint(p.Value)}, indent(frames)...)
	if compiled := compiledFrames(p.Stack); len(compiled) > 0 {
		e.Traceback = append(e.Traceback, "in compiled code:")
		e.Traceback = append(e.Traceback, indent(compiled)...)
	}
	return e
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "    " + l
	}
	return out
}

// panicLine reads yaegi's "12:5: panic: main.f(...)".
var panicLine = regexp.MustCompile(`^(\d+):(\d+): panic: (.*)\(\.\.\.\)\s*$`)

// panicFrames turns yaegi's panic lines into "line 12 in main.f".
func panicFrames(lines []string) []string {
	var out []string
	for _, l := range lines {
		if m := panicLine.FindStringSubmatch(l); m != nil {
			out = append(out, fmt.Sprintf("at line %s in %s", m[1], m[3]))
		}
	}
	return out
}

// maxCompiledFrames caps the compiled frames a panic's traceback lists.
const maxCompiledFrames = 8

// compiledFrames picks the compiled functions a panic went through from
// its stack, innermost first: the frames below the panic call, leaving out
// the runtime, reflection, the interpreter and the kernel.
func compiledFrames(stack []byte) []string {
	lines := strings.Split(string(stack), "\n")
	start := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			start = i + 1
		}
	}
	var out []string
	for i := start; i+1 < len(lines) && len(out) < maxCompiledFrames; i++ {
		fn := lines[i]
		if fn == "" || strings.HasPrefix(fn, "\t") || strings.HasPrefix(fn, "created by ") || skipFrame(fn) {
			continue
		}
		out = append(out, frameText(fn, lines[i+1]))
	}
	return out
}

// frameText is "pkg.Func at file.go:12" for a function line and its
// position line of a stack.
func frameText(fn, pos string) string {
	if i := strings.LastIndex(fn, "("); i > 0 {
		fn = fn[:i]
	}
	pos = strings.TrimSpace(pos)
	if i := strings.LastIndex(pos, " +0x"); i > 0 {
		pos = pos[:i]
	}
	return fn + " at " + pos
}

func skipFrame(fn string) bool {
	for _, p := range []string{"runtime.", "runtime/debug.", "reflect.", "panic(", "github.com/traefik/yaegi/", "github.com/aim-go/aim/kernel."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// panicWriter is the interpreter's stderr: it keeps yaegi's panic lines
// (one write each) for the traceback and passes everything else on.
type panicWriter struct {
	mu    sync.Mutex
	next  interface{ Write([]byte) (int, error) }
	lines []string
}

func (w *panicWriter) Write(b []byte) (int, error) {
	if panicLine.Match(bytes.TrimRight(b, "\n")) {
		w.mu.Lock()
		w.lines = append(w.lines, strings.TrimSpace(string(b)))
		w.mu.Unlock()
		return len(b), nil
	}
	return w.next.Write(b)
}

// take returns and forgets the panic lines seen.
func (w *panicWriter) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.lines
	w.lines = nil
	return l
}
