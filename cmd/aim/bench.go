package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime/pprof"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/bench"
)

func runBench(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench")
	preset := fs.String("preset", "bench", "model preset")
	batch := fs.Int("batch", 64, "images per step, at least 1")
	steps := fs.Int("steps", 10, "timed steps, at least 1 (after 2 warm-up steps); the median is reported")
	profile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkRanges([]intRule{{flag: "batch", value: *batch, min: 1}, {flag: "steps", value: *steps, min: 1}}, nil); err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return errors.Wrap(err, "--cpuprofile")
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return errors.Wrap(err, "--cpuprofile")
		}
		defer pprof.StopCPUProfile()
	}
	r, err := bench.Run(bench.Options{Preset: *preset, Batch: *batch, Steps: *steps})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
