package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/masks"
	"github.com/aim-go/aim/mpi"
)

// newFlags returns the flag set of the command name. The flag package
// prints nothing itself: parse turns -h into a helpRequested, which run
// prints to standard output, and other parse errors into usage errors,
// which run prints to standard error.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("aim "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// helpRequested is the "error" of -h, -help or --help: run prints the
// command's usage to standard output and exits 0.
type helpRequested struct{ fs *flag.FlagSet }

func (h helpRequested) Error() string { return "help requested" }

// printUsage writes the command's usage line, summary and flags to w.
func (h helpRequested) printUsage(w io.Writer, summary string) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s.\n", h.fs.Name(), capitalize(summary))
	if hasFlags(h.fs) {
		printFlags(w, h.fs)
	}
	printExamples(w, strings.TrimPrefix(h.fs.Name(), "aim "))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func hasFlags(fs *flag.FlagSet) bool {
	found := false
	fs.VisitAll(func(*flag.Flag) { found = true })
	return found
}

// parse parses args and turns errors into usage errors; extra positional
// arguments are refused. -h returns a helpRequested. After a successful
// parse it prints the pending notice, if any (see noticeAfterParse).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return helpRequested{fs}
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{errors.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if noticeAfterParse != nil {
		noticeAfterParse(fs)
		noticeAfterParse = nil
	}
	return nil
}

// parseWithArgs is parse for a command that takes positional arguments
// (interleaved with flags, as the user may write them), which it returns.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := parse(fs, args); err != nil {
			if _, extra := err.(usageError); !extra || fs.NArg() == 0 || !strings.HasPrefix(err.Error(), "unexpected argument") {
				return nil, err
			}
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// required fails when a string flag is empty.
func required(pairs ...string) error {
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return usageError{errors.Errorf("flag --%s is required", pairs[i])}
		}
	}
	return nil
}

// intRule is the range of an integer flag: at least min, where min may
// stand for a default or a special meaning (minMeans, "" for none).
type intRule struct {
	flag       string
	value, min int
	minMeans   string
}

func (r intRule) check() error {
	switch {
	case r.value >= r.min:
		return nil
	case r.minMeans == "":
		return usageError{errors.Errorf("--%s %d: expected at least %d", r.flag, r.value, r.min)}
	}
	return usageError{errors.Errorf("--%s %d: expected %d (%s) or more", r.flag, r.value, r.min, r.minMeans)}
}

// floatRule is the range of a float flag: finite, and above 0 (positive)
// or at least 0.
type floatRule struct {
	flag     string
	value    float64
	positive bool
}

func (r floatRule) check() error {
	switch {
	case math.IsNaN(r.value) || math.IsInf(r.value, 0):
		return usageError{errors.Errorf("--%s %g: expected a finite number", r.flag, r.value)}
	case r.positive && r.value <= 0:
		return usageError{errors.Errorf("--%s %g: expected a number above 0", r.flag, r.value)}
	case r.value < 0:
		return usageError{errors.Errorf("--%s %g: expected 0 or more", r.flag, r.value)}
	}
	return nil
}

// checkRanges returns the error of the first flag out of its range.
func checkRanges(ints []intRule, floats []floatRule) error {
	for _, r := range ints {
		if err := r.check(); err != nil {
			return err
		}
	}
	for _, r := range floats {
		if err := r.check(); err != nil {
			return err
		}
	}
	return nil
}

// parseLayers reads a comma-separated list of 0-based block indices; an
// empty string means the default (nil).
func parseLayers(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, usageError{errors.Errorf("--layers %q: %q is not a block index", s, part)}
		}
		out = append(out, v)
	}
	return out, nil
}

// parseCounts reads a comma-separated list of non-negative integers.
func parseCounts(flagName, s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v < 0 {
			return nil, usageError{errors.Errorf("%s %q: %q is not a non-negative count", flagName, s, part)}
		}
		out = append(out, v)
	}
	return out, nil
}

// registerDist adds --dist to a command that can spread its work over the
// processes mpirun starts.
func registerDist(fs *flag.FlagSet) *string {
	return fs.String("dist", string(mpi.Auto), "auto: when started by Open MPI's mpirun (mpirun -np N aim ...), spread the work over its processes; off: run as a single process")
}

// startDist starts the communicator --dist asks for (see package mpi)
// and keeps it for finish to end. On ranks other than 0, stdout and stderr
// are replaced by io.Discard: rank 0 speaks for the job, and finish
// reports a rank's own errors on the real stderr.
func startDist(mode string, stdout, stderr *io.Writer) (mpi.Comm, error) {
	m, err := mpi.ParseMode(mode)
	if err != nil {
		return nil, usageError{errors.Wrap(err, "--dist")}
	}
	c, err := mpi.Start(m)
	if err != nil {
		if m == mpi.Off {
			return nil, usageError{errors.Wrap(err, "--dist off")}
		}
		return nil, err
	}
	jobComm = c
	if c.Rank() != 0 {
		*stdout, *stderr = io.Discard, io.Discard
	}
	return c, nil
}

// parsePretrainMask reads --mask of pre-training: prefix or causal. The
// bidirectional mask (package masks) is for feature extraction: under it
// every patch would see the patches it is to predict.
func parsePretrainMask(s string) (masks.Kind, error) {
	k, err := masks.ParseKind(s)
	if err != nil || (k != masks.PrefixCausal && k != masks.Causal) {
		return 0, usageError{errors.Errorf("--mask %q: expected prefix or causal", s)}
	}
	return k, nil
}

// sizeFlag is the value of a --size flag: an image size in pixels, "H,W"
// or "S" for S×S; zero when the flag is not given.
type sizeFlag struct{ H, W int }

func (s *sizeFlag) String() string {
	if s == nil || s.H == 0 {
		return ""
	}
	return fmt.Sprintf("%d,%d", s.H, s.W)
}

// Set reads "H,W" or "S": positive pixel counts.
func (s *sizeFlag) Set(v string) error {
	parts := strings.Split(v, ",")
	if len(parts) > 2 {
		return errors.New("expected H,W or S (pixels)")
	}
	var dims [2]int
	for i, part := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return errors.Errorf("%q is not a positive pixel count: expected H,W or S", part)
		}
		dims[i] = n
	}
	if len(parts) == 1 {
		dims[1] = dims[0]
	}
	s.H, s.W = dims[0], dims[1]
	return nil
}

// registerSize adds --size to a command that reads folder: datasets
// (--data): every image of the folder is resized to it.
func registerSize(fs *flag.FlagSet) *sizeFlag {
	s := &sizeFlag{}
	fs.Var(s, "size", "resize every image of a folder: dataset to H,W pixels (S for S×S); without it they must all have the size of the first")
	return s
}

// folderOptions are the data.FolderOptions of --size.
func (s *sizeFlag) folderOptions() data.FolderOptions {
	return data.FolderOptions{H: s.H, W: s.W}
}

// withSizeHint makes the error of a folder: dataset of mixed image sizes
// tell the command-line user of --size rather than of the Go fields.
func withSizeHint(err error) error {
	var mixed *data.ImageSizeError
	if errors.As(err, &mixed) {
		mixed.Hint = "pass --size H,W to resize every image"
	}
	return err
}

// precisionFlag is --precision: how matrix products compute.
type precisionFlag struct{ p blas.Precision }

func (f *precisionFlag) String() string { return f.p.String() }

func (f *precisionFlag) Set(v string) error {
	p, err := blas.ParsePrecision(v)
	if err != nil {
		return err
	}
	f.p = p
	return nil
}

// precisionUsage is the help of --precision.
const precisionUsage = "how matrix products compute: f32 (exact, the same on every CPU) or bf16 (inputs rounded to bfloat16, float32 accumulation, on oneDNN's kernels for the CPU's bf16 units: AMX or AVX512-BF16; needs Debian's libdnnl2)"

// registerPrecision adds --precision to a command's flags.
func registerPrecision(fs *flag.FlagSet) *precisionFlag {
	f := &precisionFlag{}
	fs.Var(f, "precision", precisionUsage)
	return f
}

// check returns why the chosen precision cannot run here, naming the flag.
func (f *precisionFlag) check() error {
	return errors.Wrapf(blas.CheckPrecision(f.p), "--precision %v", f.p)
}
