package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/blas/onednn"
	"github.com/aim-go/aim/internal/buildinfo"
	"github.com/aim-go/aim/internal/isa"
	"github.com/aim-go/aim/mpi"
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
	"version":  {"print the build (module version, VCS revision, Go), the BLAS backend and the CPU routes as JSON (also aim --version)", runVersion},
	"bench":    {"measure training and inference throughput, GFLOP/s and peak memory", runBench},
	"scaling":  {"reproduce the paper's model and data ladders and ablations, with figures", runScaling},
	"plot":     {"redraw the figures of a scaling results.json, or draw one run's loss curves from its metrics.jsonl", runPlot},
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
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
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
	notice := slowBLASNotice(args[0])
	noticeAfterParse = func(fs *flag.FlagSet) { fmt.Fprint(stderr, notice+precisionHint(fs)) }
	defer func() { noticeAfterParse = nil }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, args[1:], stdout, stderr)
	return finish(args[0], err, stdout, stderr)
}

// jobComm is the communicator a command started with startDist (nil
// before): finish ends it.
var jobComm mpi.Comm

// finish reports the outcome of the command name and ends the MPI job, if
// the command started one. In a job of several ranks only rank 0 reports
// what every rank returns alike (success, a usage error or an error marked
// mpi.Everywhere); a rank's own failure is reported with its rank, and
// when the other ranks do not know of it (it is not a *mpi.Failure) the
// rank aborts the whole job, so that none is left waiting for it.
func finish(name string, err error, stdout, stderr io.Writer) int {
	c := jobComm
	jobComm = nil
	if c == nil || c.Size() == 1 {
		if l, ok, _ := mpi.Launched(); c == nil && ok && l.Rank > 0 && flagError(err) {
			stdout, stderr = io.Discard, io.Discard // every rank meets the same flag errors
		}
		code := report(name, err, stdout, stderr)
		if c != nil {
			c.Close()
		}
		return code
	}
	code := finishRank(name, err, c, stdout, stderr)
	if cerr := c.Close(); cerr != nil && code == 0 {
		fmt.Fprintf(stderr, "aim %s: %v\n", name, cerr)
		return 1
	}
	return code
}

// flagError reports whether err is a usage error or a request for help:
// under mpirun, every rank meets those alike before MPI starts, and rank 0
// speaks for all.
func flagError(err error) bool {
	var u usageError
	var h helpRequested
	return errors.As(err, &u) || errors.As(err, &h)
}

// finishRank reports err on rank c.Rank() of a job of several ranks and
// returns the exit status, or aborts the job.
func finishRank(name string, err error, c mpi.Comm, stdout, stderr io.Writer) int {
	quiet := io.Discard
	var f *mpi.Failure
	switch {
	case err == nil || mpi.IsEverywhere(err):
		if c.Rank() != 0 {
			stdout, stderr = quiet, quiet
		}
		return report(name, err, stdout, stderr)
	case errors.As(err, &f):
		return reportFailure(name, f, c, stderr)
	}
	code := report(name, errors.Wrapf(err, "rank %d of %d", c.Rank(), c.Size()), stdout, stderr)
	c.Abort(code)
	return code
}

// reportFailure reports a failure the ranks agreed on (mpi.Agree): once,
// on rank 0, when every rank failed with the same error; otherwise each
// failed rank reports its error, naming itself, and rank 0 names the
// ranks that failed.
func reportFailure(name string, f *mpi.Failure, c mpi.Comm, stderr io.Writer) int {
	var own string
	if f.Err != nil {
		own = f.Err.Error()
	}
	same, serr := mpi.SameOnAll(c, own)
	switch {
	case serr == nil && same && len(f.Ranks) == c.Size():
		if c.Rank() != 0 {
			stderr = io.Discard
		}
		return report(name, f.Err, io.Discard, stderr)
	case f.Err != nil:
		return report(name, errors.Wrapf(f.Err, "rank %d of %d", c.Rank(), c.Size()), io.Discard, stderr)
	case c.Rank() == 0:
		fmt.Fprintf(stderr, "aim %s: %v\n", name, f)
	}
	return 1
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
	levels := []string{}
	for _, l := range isa.Available() {
		levels = append(levels, l.String())
	}
	b := buildinfo.Read()
	out, err := json.Marshal(struct {
		buildinfo.Info
		BLAS      string     `json:"blas"`
		BLASInfo  string     `json:"blas_info"`
		Routes    string     `json:"routes"`
		ISA       string     `json:"isa"`
		ISALevels []string   `json:"isa_available"`
		OneDNN    oneDNNInfo `json:"onednn"`
	}{b, blas.Backend(), blas.Info(), blas.Routes(), isa.Active().String(), levels, oneDNNStatus()})
	if err != nil {
		return errors.Wrap(err, "version")
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return nil
}

// oneDNNInfo is what aim version says of oneDNN, the library of bf16
// products.
type oneDNNInfo struct {
	Version   string `json:"version,omitempty"`
	Path      string `json:"path,omitempty"`
	ISA       string `json:"isa,omitempty"`   // the instruction set it dispatches to
	BF16      string `json:"bf16"`            // "native", "emulated" or why it cannot run
	LoadError string `json:"error,omitempty"` // why it did not load
}

// oneDNNStatus loads oneDNN and describes it.
func oneDNNStatus() oneDNNInfo {
	if err := onednn.Load(); err != nil {
		return oneDNNInfo{BF16: "unavailable", LoadError: err.Error()}
	}
	info := oneDNNInfo{Version: onednn.Version(), Path: onednn.Path(), ISA: onednn.ISA(), BF16: "native"}
	switch err := onednn.CheckBF16(); {
	case err != nil:
		info.BF16 = err.Error()
	case !onednn.NativeBF16():
		info.BF16 = "emulated (slow)"
	}
	return info
}
