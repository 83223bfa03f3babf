package kernel

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traefik/yaegi/interp"
	"gonum.org/v1/plot"
)

func newTestSession(t *testing.T) *Session {
	t.Helper()
	s, err := NewSession(io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func execute(s *Session, code string) Outcome {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.Execute(ctx, code)
}

// TestCells runs cells in one session, in order: state carries over, errors
// say what and where, and later cells still run.
func TestCells(t *testing.T) {
	s := newTestSession(t)
	for _, tc := range []struct {
		code  string
		value string // fmt %v of the value shown; "" for none
		err   string // substring of "name: value"; "" for success
	}{
		{code: `import "fmt"`},
		{code: `import "fmt"`}, // imported again: not an error
		{code: "x := 40"},
		{code: "x + 2", value: "42"},
		{code: `fmt.Println("not shown")`},
		{code: `fmt.Sprint("shown")`, value: "shown"},
		{code: "func f() int { return x + 1 }; f()", value: "41"},
		{code: "var s []int; len(s)", value: "0"},
		{code: "type T struct{ A int }\nfunc (t T) Twice() int { return 2 * t.A }\nT{A: 4}.Twice()", value: "8"},
		{code: "undefinedName + 1", err: "compile error: line 1:1: undefined: undefinedName"},
		{code: "x", value: "40"},
		{code: "y := 1\n\nz := )", err: "syntax error: line 3"},
		{code: "q := []int{1}\n\nq[5]", err: "panic: "},
		{code: "func g() { panic(\"boom\") }\n\ng()", err: "panic: boom (at line 1 in main.g)"},
		{code: `import "example.com/nope"`, err: `import error: package "example.com/nope" is not compiled into aim-kernel`},
		{code: "import (\n\t\"errors\"\n\tG \"gorgonia.org/gorgonia\"\n)"},
		{code: `G.Must(nil, errors.New("compiled boom"))`, err: "panic: compiled boom (at line 1 in main)"},
		{code: "e := errors.New(\"e\")\na, _ := 1, e\n_ = G.NewGraph()\na", value: "1"}, // yaegi's typed `_`
		{code: "_, b := G.NewGraph(), 2\nb", value: "2"},
		{code: `import "github.com/aim-go/aim/optim"`},
		{code: "optim.NewAdamW32().Steps()", value: "0"},
		{code: "ctx.Err()", value: "<nil>"},
		{code: "import \"strconv\"\nvar sum int\nfor _, s := range []string{\"1\", \"2\"} {\n\tn, err := strconv.Atoi(s)\n\t_ = err\n\tsum += n\n}\nsum", value: "3"},
		{code: "if n, err := strconv.Atoi(\"7\"); err == nil {\n\tm, _ := strconv.Atoi(\"8\")\n\tsum = n + m\n}\nsum", value: "15"},
		{code: "func() { sum++ }()\nsum", value: "16"},
		{code: "sum", value: "16"}, // the function literal did not run again
		{code: "func() int { return 5 }()", value: "5"},
		{code: "import \"gonum.org/v1/plot\"\nimport \"gonum.org/v1/plot/font\"\nplot.DefaultFont = font.Font{Typeface: \"Liberation\", Variant: \"Sans\"}\nplot.New().Title.TextStyle.Font.Variant", value: "Sans"},
		{code: "func() {\n\tplot.DefaultFont = font.Font{Typeface: \"Liberation\", Variant: \"Mono\"}\n}()\nplot.DefaultFont.Variant", value: "Mono"},
		{code: "plot.DefaultFont.Variant = \"Serif\"\nplot.DefaultFont.Variant", value: "Serif"},
		{code: "float64(sum) / 2", value: "8"},
		{code: "float64(sum)", value: "16"},
		{code: "for i := 0; i < 2; i++ {\n\tsum++\n}"}, // no value shown for a statement
		{code: "func() (int, int) { return 1, 2 }()", value: "[1 2]"},
		{code: "import (\n\t\"gonum.org/v1/gonum/mat\"\n\t\"gonum.org/v1/gonum/stat\"\n)\nm := mat.NewDense(2, 2, []float64{1, 2, 3, 4})\nvar svd mat.SVD\nsvd.Factorize(m, mat.SVDThin)\nmat.Det(m) + stat.Mean([]float64{1, 2, 6}, nil)", value: "1"},
		{code: "func two() (int, int) { return 1, 2 }\nq1, q2 := two()"},
		// yaegi alone: q2 for q1
		{code: "func readQ() int { return 10*q1 + q2 }\nfunc() int { return readQ() }()", value: "12"},
		// *plot.Plot named through a hidden import
		{code: "import \"github.com/aim-go/aim/plots\"\nlp, lerr := plots.Line(\"t\", \"x\", \"y\", plots.Series{Y: []float64{1, 2}})\nfunc() string { _ = lerr; return lp.Title.Text }()", value: "t"},
		// yaegi alone: "constant definition loop"
		{code: "import \"github.com/aim-go/aim/model\"\nmt := &model.Tensor{Shape: []int{2, 3}}\nmn := mt.Shape[0]\nmn2, md := mt.Shape[0], mt.Shape[1]\nmn*100 + mn2*10 + md", value: "223"},
		{code: "x", value: "40"},
	} {
		out := execute(s, tc.code)
		switch {
		case tc.err != "":
			if out.Err == nil || !strings.Contains(out.Err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.code, out.Err, tc.err)
			}
		case out.Err != nil:
			t.Errorf("%q: %v %q", tc.code, out.Err, out.Err.Traceback)
		case tc.value == "" && out.HasValue:
			t.Errorf("%q: shows %v, want nothing", tc.code, out.Value)
		case tc.value != "" && (!out.HasValue || fmt.Sprint(out.Value) != tc.value):
			t.Errorf("%q: shows %v (%v), want %s", tc.code, out.Value, out.HasValue, tc.value)
		}
	}
}

func TestPanicTraceback(t *testing.T) {
	s := newTestSession(t)
	execute(s, "import (\n\t\"errors\"\n\tG \"gorgonia.org/gorgonia\"\n)")
	out := execute(s, "func h() {\n\tG.Must(nil, errors.New(\"deep\"))\n}\n\nh()")
	if out.Err == nil {
		t.Fatal("no error")
	}
	tb := strings.Join(out.Err.Traceback, "\n")
	for _, want := range []string{"panic: deep", "at line 2 in main.h", "at line 5 in main", "gorgonia.org/gorgonia.Must at"} {
		if !strings.Contains(tb, want) {
			t.Errorf("traceback lacks %q:\n%s", want, tb)
		}
	}
}

func TestInterrupt(t *testing.T) {
	s := newTestSession(t)
	for _, code := range []string{
		"for {}",                      // a busy interpreted loop
		"<-ctx.Done()\npanic(\"no\")", // a cell waiting on its ctx
	} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		out := s.Execute(ctx, code)
		if out.Err == nil || out.Err.Name != "interrupted" {
			t.Errorf("%q: %v, want interrupted", code, out.Err)
		}
		if d := time.Since(start); d > time.Minute { // stopped, not left running (however busy the machine)
			t.Errorf("%q: took %v to stop", code, d)
		}
		if out := execute(s, "1 + 1"); out.Err != nil || fmt.Sprint(out.Value) != "2" {
			t.Errorf("after interrupting %q: %v %v", code, out.Value, out.Err)
		}
	}
}

// blocker is a compiled call that ignores ctx, for the tests of
// interrupted cells: a cell's blockertest.Block() says it has started and
// returns only when the test releases it; Released tells a later cell
// whether it has returned; Interrupt calls the interrupt function the
// test sets.
type blocker struct {
	started, release chan struct{}
	returned         atomic.Bool
	interrupt        context.CancelFunc // what blockertest.Interrupt() calls
}

// useBlocker makes package "blockertest" importable in s.
func useBlocker(t *testing.T, s *Session) *blocker {
	t.Helper()
	b := &blocker{started: make(chan struct{}, 1), release: make(chan struct{})}
	const path = "blockertest"
	err := s.use(interp.Exports{path + "/blockertest": {
		"Block": reflect.ValueOf(func() {
			b.started <- struct{}{}
			<-b.release
			b.returned.Store(true)
		}),
		"Released":  reflect.ValueOf(func() bool { return b.returned.Load() }),
		"Interrupt": reflect.ValueOf(func() { b.interrupt() }),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out := execute(s, `import "blockertest"`); out.Err != nil {
		t.Fatal(out.Err)
	}
	t.Cleanup(b.unblock)
	return b
}

// unblock lets Block return (once).
func (b *blocker) unblock() {
	select {
	case <-b.release:
	default:
		close(b.release)
	}
}

// interruptBlocked runs a cell that blocks in a compiled call, interrupts
// it once the call has started, and returns its outcome.
func interruptBlocked(s *Session, b *blocker) Outcome {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-b.started
		cancel()
	}()
	return s.Execute(ctx, "blockertest.Block()\nafter := 1")
}

// TestInterruptCompiledCall: a compiled call that ignores ctx keeps
// running; the cell is reported interrupted and the next cell waits for it.
func TestInterruptCompiledCall(t *testing.T) {
	s := newTestSession(t)
	b := useBlocker(t, s)
	out := interruptBlocked(s, b)
	if out.Err == nil || !strings.Contains(out.Err.Value, "still running") {
		t.Fatalf("%v, want still running", out.Err)
	}
	next := make(chan Outcome, 1)
	go func() { next <- execute(s, "blockertest.Released()") }()
	b.unblock()
	if out := <-next; out.Err != nil || fmt.Sprint(out.Value) != "true" {
		t.Errorf("next cell: %v %v; want it to run after the compiled call returned", out.Value, out.Err)
	}
	if out := execute(s, "after"); out.Err == nil && fmt.Sprint(out.Value) != "0" {
		t.Errorf("the interrupted cell ran on after its compiled call: after = %v", out.Value)
	}
}

// TestInterruptBeforeRun: a cell interrupted before it runs, or between
// two of its statements, stops there: yaegi must not be left running the
// rest (here a loop without end) in the background.
func TestInterruptBeforeRun(t *testing.T) {
	s := newTestSession(t)
	b := useBlocker(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if out := s.Execute(ctx, "for {}"); out.Err == nil || out.Err.Name != "interrupted" {
		t.Errorf("a cell interrupted before it ran: %v, want interrupted", out.Err)
	}
	bound, cancelBound := context.WithTimeout(context.Background(), time.Minute) // should it wait for the first loop
	defer cancelBound()
	ctx, b.interrupt = context.WithCancel(bound)
	if out := s.Execute(ctx, "blockertest.Interrupt()\nfor {}"); out.Err == nil || out.Err.Name != "interrupted" {
		t.Errorf("a cell interrupted by its first statement: %v, want interrupted", out.Err)
	}
	if out := execute(s, "1 + 1"); out.Err != nil || fmt.Sprint(out.Value) != "2" {
		t.Errorf("the next cell: %v %v; want it to run", out.Value, out.Err)
	}
}

// TestInterruptWhileWaiting: a cell interrupted while it waits for an
// earlier cell's compiled call fails with a traceback, like every error
// (Jupyter clients iterate over it).
func TestInterruptWhileWaiting(t *testing.T) {
	s := newTestSession(t)
	b := useBlocker(t, s)
	interruptBlocked(s, b)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := s.Execute(ctx, "1 + 1")
	if out.Err == nil || out.Err.Name != "interrupted" || len(out.Err.Traceback) == 0 {
		t.Fatalf("a cell interrupted while waiting: %+v, want an interruption with a traceback", out.Err)
	}
	b.unblock()
	if out := execute(s, "1 + 1"); out.Err != nil || fmt.Sprint(out.Value) != "2" {
		t.Errorf("after the compiled call returned: %v %v", out.Value, out.Err)
	}
}

func TestShowsPlot(t *testing.T) {
	s := newTestSession(t)
	out := execute(s, "import \"gonum.org/v1/plot\"\np := plot.New()\np.Title.Text = \"t\"\np")
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if _, ok := out.Value.(*plot.Plot); !ok {
		t.Errorf("value %T, want the compiled *plot.Plot", out.Value)
	}
}

func TestComplete(t *testing.T) {
	s := newTestSession(t)
	execute(s, "import (\n\t\"fmt\"\n\tG \"gorgonia.org/gorgonia\"\n\t\"github.com/aim-go/aim/graph\"\n)\nmyValue := 3\ncfg, _ := graph.Preset(\"tiny\")")
	for _, tc := range []struct {
		code       string
		cursor     int
		want       []string
		start, end int
	}{
		{"myV", 3, []string{"myValue"}, 0, 3},
		{"fmt.Prin", 8, []string{"Print", "Printf", "Println"}, 4, 8},
		{"x := G.NewGr", 12, []string{"NewGraph"}, 7, 12},
		{"graph.Pre", 9, []string{"Preset", "PresetNames"}, 6, 9},
		{"cfg.Wid", 7, []string{"Width"}, 4, 7},
		{"é := fm", 7, []string{"fmt"}, 5, 7}, // cursor in code points
		{"ret", 3, []string{"return"}, 0, 3},
	} {
		c := s.Complete(tc.code, tc.cursor)
		if !slices.Equal(c.Matches, tc.want) || c.Start != tc.start || c.End != tc.end {
			t.Errorf("Complete(%q, %d) = %v [%d, %d], want %v [%d, %d]", tc.code, tc.cursor, c.Matches, c.Start, c.End, tc.want, tc.start, tc.end)
		}
	}
	for _, n := range s.Complete("_", 1).Matches {
		if strings.HasPrefix(n, blankPrefix) {
			t.Errorf("completion offers the hidden %s", n)
		}
	}
}

func TestInspect(t *testing.T) {
	s := newTestSession(t)
	execute(s, "import (\n\t\"github.com/aim-go/aim/graph\"\n\t\"github.com/aim-go/aim/optim\"\n)\nopt := optim.NewAdamW32()\nn := 7")
	for _, tc := range []struct {
		code string
		want string
	}{
		{"graph.Preset", "func Preset(name string) (Config, error)"},
		{"graph", "package graph"},
		{"opt.Step", "func (o *AdamW[T]) Step("},
		{"n", "n: int = 7"},
	} {
		got, ok := s.Inspect(tc.code, len(tc.code))
		if !ok || !strings.Contains(got, tc.want) {
			t.Errorf("Inspect(%q) = %q, %v; want %q", tc.code, got, ok, tc.want)
		}
	}
	if _, ok := s.Inspect("nothingHere", 3); ok {
		t.Error("an unknown name was found")
	}
}
