package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime/pprof"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/bench"
	"github.com/aim-go/aim/graph"
)

// encoderOnly reports whether a preset has no prediction head to train
// (AIMv2): its bench times the feature pass alone.
func encoderOnly(preset string) bool {
	cfg, err := graph.Preset(preset)
	return err == nil && cfg.IsV2()
}

func runBench(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench")
	preset := fs.String("preset", "bench", "model preset")
	batchList := fs.String("batch", "64", "images per step, at least 1; with --infer-only a comma-separated list of batch sizes (e.g. 1,8)")
	inferOnly := fs.Bool("infer-only", false, "time only the feature pass of the trunk (no prediction head, no training), at each --batch; always for the AIMv2 presets, which have no prediction head")
	weights := fs.String("weights", "f32", "with --infer-only: f32, or bf16/f16 to hold the linear layers' weights as 16-bit values, as from a BF16 or F16 checkpoint")
	steps := fs.Int("steps", 10, "timed steps, at least 1 (after 2 warm-up steps); the median is reported")
	profile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	prec := registerPrecision(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := prec.check(); err != nil {
		return err
	}
	*inferOnly = *inferOnly || encoderOnly(*preset)
	batches, err := parseCounts("--batch", *batchList)
	if err != nil {
		return err
	}
	if _, ok := bench.InferWeights[*weights]; !ok {
		return usageError{errors.Errorf("--weights %s: expected f32, bf16 or f16", *weights)}
	}
	if *weights != "f32" && !*inferOnly {
		return usageError{errors.Errorf("--weights %s: 16-bit weights serve inference only; add --infer-only", *weights)}
	}
	if len(batches) > 1 && !*inferOnly {
		return usageError{errors.Errorf("--batch %s: several batch sizes need --infer-only", *batchList)}
	}
	rules := []intRule{{flag: "steps", value: *steps, min: 1}}
	for _, b := range batches {
		rules = append(rules, intRule{flag: "batch", value: b, min: 1})
	}
	if err := checkRanges(rules, nil); err != nil {
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
	var r any
	if *inferOnly {
		r, err = bench.Infer(*preset, batches, *steps, *weights, prec.p)
	} else {
		r, err = bench.Run(bench.Options{Preset: *preset, Batch: batches[0], Steps: *steps, Precision: prec.p})
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
