package main

import (
	"fmt"
	"io"
	"os"

	G "gorgonia.org/gorgonia"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/kernel"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "install":
		return report(stderr, install(args[1:], stdout))
	case "version":
		fmt.Fprintf(stdout, "aim-kernel %s (Jupyter protocol %s)\n", kernel.Version, kernel.ProtocolVersion)
		return 0
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "run":
		args = args[1:]
	}
	if len(args) != 1 {
		usage(stderr)
		return 2
	}
	return report(stderr, serve(args[0]))
}

// serve runs the kernel on a connection file, with OpenBLAS as cmd/aim
// uses it.
func serve(connectionFile string) error {
	if err := blas.Init(); err != nil {
		return err
	}
	G.Use(blas.GorgoniaImpl())
	return kernel.Serve(connectionFile)
}

func report(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	if _, ok := err.(usageError); ok {
		fmt.Fprintf(stderr, "aim-kernel: %v\n\n", err)
		usage(stderr)
		return 2
	}
	fmt.Fprintf(stderr, "aim-kernel: %v\n", err)
	return 1
}

// usageError is a bad command line.
type usageError struct{ error }

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  aim-kernel install [--user | --prefix DIR] [--name NAME]
                             write the "Go (AIM)" kernelspec where Jupyter finds it
  aim-kernel CONNECTION_FILE run the kernel (Jupyter does this)
  aim-kernel version         print the version

install writes NAME/kernel.json (NAME is aim-go by default) under the user's
Jupyter data directory (--user, the default) or under DIR/share/jupyter/kernels
(--prefix; "jupyter kernelspec list" finds /usr/local and /usr, or any DIR
listed in JUPYTER_PATH). See docs/notebooks.md.
`)
}
