package kernel

import (
	"bytes"
	"context"
	"reflect"
	"runtime"
	"sync"
	"time"

	"github.com/traefik/yaegi/interp"
)

// cellContext is the ctx every cell sees: a context.Context that stands
// for the context of the cell running now (or that ran last), so it is
// cancelled when that cell is interrupted. Code that captured ctx in an
// earlier cell sees the current cell's context.
type cellContext struct {
	mu    sync.Mutex
	cur   context.Context
	start chan struct{} // closed by the next startHook call
}

func newCellContext() *cellContext { return &cellContext{cur: context.Background()} }

func (c *cellContext) set(ctx context.Context) {
	c.mu.Lock()
	c.cur = ctx
	c.mu.Unlock()
}

func (c *cellContext) current() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// Deadline, Done, Err and Value are those of the current cell's context.
func (c *cellContext) Deadline() (time.Time, bool) { return c.current().Deadline() }
func (c *cellContext) Done() <-chan struct{}       { return c.current().Done() }
func (c *cellContext) Err() error                  { return c.current().Err() }
func (c *cellContext) Value(key any) any           { return c.current().Value(key) }
func (c *cellContext) String() string              { return "aim-kernel cell context" }

// startHook is the call the session puts before every statement chunk:
// it says that yaegi has started to run the chunk (see Session.gate). It
// sits on the chunk's first line, which for a chunk after the first line
// of a cell holds only padding.
const startHook = "aimkernel.Started();"

// expectStart returns a channel that the next startHook call closes.
func (c *cellContext) expectStart() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start = make(chan struct{})
	return c.start
}

// started is what startHook calls.
func (c *cellContext) started() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.start != nil {
		close(c.start)
		c.start = nil
	}
}

// exports is the prelude package: Context returns the cell context;
// Started is the start hook; the helpers of builtins.go.
func (c *cellContext) exports() interp.Exports {
	syms := builtinExports()
	syms["Context"] = reflect.ValueOf(func() context.Context { return c })
	syms["Started"] = reflect.ValueOf(c.started)
	return interp.Exports{preludeImport + "/prelude": syms}
}

// The interrupted cell's compiled call: yaegi runs a program in a
// goroutine of its own and, when the context is cancelled, returns at once
// while that goroutine may still be inside a compiled call (which cannot be
// stopped from outside). The interpreter must not run the next cell before
// that goroutine ends, and yaegi gives no handle on it, so the kernel looks
// for it among the goroutines.
const yaegiGoroutine = "github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext.func"

// yaegiBusy reports whether a goroutine of EvalWithContext is running.
func yaegiBusy() bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte(yaegiGoroutine))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// waitYaegi waits until no such goroutine runs, or ctx is done.
func waitYaegi(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for yaegiBusy() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// interruptGrace is how long an interrupted cell waits for its compiled
// call to return before it is reported as still running.
const interruptGrace = 2 * time.Second

func afterGrace() <-chan time.Time { return time.After(interruptGrace) }
