// Package symbols holds the yaegi symbol tables of the packages aim-kernel
// carries compiled in: the project's public packages, gorgonia, tensor,
// gonum/plot and its drawing sub-packages, and github.com/pkg/errors. A
// notebook's `import "github.com/aim-go/aim/graph"` then runs compiled code
// at full speed; yaegi interprets only the cells themselves.
//
// The tables (the *.go files named after import paths) and docs.json (the
// doc comments that the kernel's inspect request shows) are generated; the
// list of packages is in gen/packages.go. After an API change, regenerate
// with
//
//	go generate ./kernel/...
//
// and check that the committed tables are current (as CI does) with
//
//	go run ./kernel/symbols/gen -check
//
// which compares the exported symbol sets, not the bytes: yaegi's extractor
// may spell an alias differently from one run to the next.
package symbols
