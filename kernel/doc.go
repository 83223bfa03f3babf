// Package kernel is aim-kernel's Jupyter kernel: it speaks the Jupyter
// messaging protocol 5.3 over ZeroMQ (github.com/go-zeromq/zmq4, pure Go)
// with HMAC-SHA256 signed messages, and runs Go cells with the yaegi
// interpreter (github.com/traefik/yaegi).
//
// # Cells
//
// A Session keeps one interpreter for the notebook, so declarations,
// imports and variables carry over from cell to cell. The project's public
// packages and the libraries a notebook needs (gorgonia, tensor,
// gonum/plot, errors) are compiled in as yaegi symbol tables
// (kernel/symbols): importing them runs compiled code; yaegi interprets only
// the cells. The value of a cell's final expression is shown through
// display.Render: plots and images inline, results as tables. Every cell
// sees a predeclared ctx, cancelled when the cell is interrupted; pass it to
// the project's long calls (train.Pretrain, probe.Run, scaling.Run,
// graph.Extractor.Extract) so they stop.
//
// A cell runs only if it is valid Go: it is type-checked as a whole with
// go/types, against the packages the interpreter carries, before any of it
// runs, and its errors are the compiler's (with a hint for a missing
// import). It then runs as a sequence of chunks, one per top-level
// statement and one per run of declarations, so that an error or a panic
// is reported on its line of the cell.
// Where yaegi runs a construct differently from compiled Go, the kernel
// rewrites the cell first (rewrite.go, rewritecheck.go): a repeated import
// is dropped; a top-level `_` becomes a fresh hidden variable; an
// assignment to a compiled package's variable goes through a temporary;
// loop variables that a closure captures get one copy per iteration, as
// in Go 1.22; range over an integer becomes a three-clause loop; min, max
// and clear call compiled helpers; top-level definitions from an index, a
// call's several results or a comma-ok form are declared with their
// types; a method value binds a copy of its receiver; and a final
// expression of several values shows each. Constructs it cannot run
// faithfully are refused with a message saying what to write instead:
// range over a function, defer in a loop, an Error method on a cell's
// type, fmt printing a cell's type that yaegi would print differently, and
// the generic functions of slices, maps and cmp that yaegi cannot compile.
//
// # Requests
//
// The kernel answers kernel_info, execute (stream output as it is
// printed, execute_result, error with the cell line and a traceback),
// complete (names in scope, package members, fields and methods),
// inspect (declarations and doc comments from kernel/symbols/docs.json),
// is_complete, interrupt (also SIGINT), shutdown, comm_info and history
// requests, and echoes heartbeats. A message with a wrong signature, or
// one that does not parse, is logged and dropped; a handler's panic becomes
// an error reply. A panic in a cell's own goroutine is the cell's error; a
// panic in another goroutine or a fatal error ends the process, and
// Jupyter's restarter starts a new kernel.
package kernel
