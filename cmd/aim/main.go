// Command aim pre-trains AIM (Autoregressive Image Models) on image
// datasets and uses the trained trunk downstream.
//
//	aim pretrain --data mnist --preset tiny --steps 300 --out runs/mnist-tiny
//	aim features --checkpoint runs/mnist-tiny/checkpoint.safetensors --images x.npy --out f.npy
//	aim loss     --checkpoint runs/mnist-tiny/checkpoint.safetensors --images x.npy --prefix 5
//
// Run "aim help" for every command and "aim COMMAND -h" for its flags.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/aim-go/aim/blas"
)

// command is one subcommand of aim.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"pretrain": {"pre-train a model on a dataset", runPretrain},
	"features": {"write frozen-trunk features of images (photos or .npy) to .npy", runFeatures},
	"classify": {"print the top classes of images (photos or .npy) under a trunk and its probe head", runClassify},
	"loss":     {"print the pre-training loss of images (.npy) at a prefix length", runLoss},
	"probe":    {"train a probe on a frozen trunk and report its test accuracy", runProbe},
	"suite":    {"probe a frozen trunk on every installed downstream dataset", runSuite},
	"version":  {"print the BLAS backend and build information", runVersion},
	"bench":    {"measure training and inference throughput, GFLOP/s and peak memory", runBench},
	"scaling":  {"reproduce the paper's model and data ladders and ablations, with figures", runScaling},
	"plot":     {"redraw the figures of a scaling results.json", runPlot},
}

// usageError is a bad command line: exit status 2 instead of 1.
type usageError struct{ error }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if isHelp(args[0]) {
		return help(args[1:], stdout, stderr)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "aim: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := blas.Init(); err != nil {
		fmt.Fprintf(stderr, "aim: %v\n", err)
		return 1
	}
	G.Use(blas.GorgoniaImpl())
	if notice := slowBLASNotice(args[0]); notice != "" {
		noticeAfterParse = func() { fmt.Fprint(stderr, notice) }
		defer func() { noticeAfterParse = nil }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return report(args[0], cmd.run(ctx, args[1:], stdout, stderr), stdout, stderr)
}

// isHelp reports whether arg asks for help instead of naming a command.
func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "-help" || arg == "--help"
}

// help prints the list of commands, or with a command name that command's
// usage, to stdout.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	if _, ok := commands[args[0]]; !ok || len(args) > 1 {
		fmt.Fprintf(stderr, "aim help: expected one command name, got %q\n\n", args)
		usage(stderr)
		return 2
	}
	return run([]string{args[0], "-h"}, stdout, stderr)
}

// report turns the error of the command name into its exit status: 0
// after success or help (printed to stdout), 2 after a usage error and 1
// after any other error, both printed to stderr.
func report(name string, err error, stdout, stderr io.Writer) int {
	var h helpRequested
	var u usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &h):
		h.printUsage(stdout, commands[name].summary)
		return 0
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "aim %s: %v\nRun \"aim %s -h\" for its flags.\n", name, err, name)
		return 2
	}
	fmt.Fprintf(stderr, "aim %s: %v\n", name, err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: aim COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"aim COMMAND -h\" for the flags of a command.")
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if err := parse(newFlags("version"), args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "{\"blas\": %q, \"blas_info\": %q}\n", blas.Backend(), blas.Info())
	return nil
}
