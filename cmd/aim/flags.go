package main

import (
	"flag"
	"io"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// newFlags returns a flag set whose parse errors are usage errors and whose
// help goes to w.
func newFlags(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("aim "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// parse parses args and turns errors into usage errors; extra positional
// arguments are refused.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{errors.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
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
