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
// Around yaegi's quirks, a cell is cut into runs of declarations and of
// statements (yaegi parses a source as one or the other), an import made
// again is dropped, and a `_` assigned at the top level becomes a fresh
// hidden variable (yaegi's `_` keeps the type of its first use).
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
