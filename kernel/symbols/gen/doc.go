// Command gen writes the yaegi symbol tables of the packages aim-kernel
// carries (see packages.go) into the current directory, which must be
// kernel/symbols, and docs.json, the doc comments of their exported names.
// `go generate ./kernel/...` runs it there.
//
//	go run ./gen          # from kernel/symbols: regenerate
//	go run ./kernel/symbols/gen -check   # from anywhere in the module: are they current?
//
// With -check it extracts into a temporary directory and compares the
// exported symbol sets with the committed tables (not the bytes: yaegi's
// extractor does not always spell an alias the same way), printing the
// differences and exiting with status 1 when they differ.
//
// yaegi cannot bind generic functions and types; gen names the ones it
// leaves out of the project's packages, which need a non-generic entry
// point (such as optim.NewAdamW32) to be usable from a notebook.
package main
