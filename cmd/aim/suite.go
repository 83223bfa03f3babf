package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/mpi"
	"github.com/aim-go/aim/probe"
)

func runSuite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f probeFlags
	fs := newFlags("suite")
	f.register(fs)
	datasets := fs.String("datasets", "", "comma-separated datasets to probe (default: "+strings.Join(probe.SuiteDatasets(), ",")+")")
	dataDir := fs.String("data-dir", "", "folder searched for datasets not installed by default: DIR/NAME, then DIR (CIFAR)")
	fs.BoolVar(&f.randomInit, "random-init", false, "also probe an untrained trunk of the same architecture, initialised from --seed, next to the pre-trained one")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required("checkpoint", f.checkpoint, "out", f.out); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	inputs := map[string]string{"--checkpoint": f.checkpoint, "--data-dir": *dataDir}
	if err := checkOutputFiles("--out", f.out, []string{probe.SuiteJSON, probe.SuiteMarkdown}, inputs); err != nil {
		return err
	}
	so := probe.SuiteOptions{Options: o, DataDir: *dataDir, Baseline: f.randomInit}
	if *datasets != "" {
		for _, n := range strings.Split(*datasets, ",") {
			so.Datasets = append(so.Datasets, strings.TrimSpace(n))
		}
	}
	comm, err := f.startDist(&so.Options, &stdout, &stderr)
	if err != nil {
		return err
	}
	if err := checkSameInputs(comm, f.sharedInputs("")...); err != nil {
		return err
	}
	t, err := probe.LoadTrunk(f.checkpoint, loadOptions(*f.allowNonFinite, f.precision.p)...)
	if err != nil {
		err = errors.Wrap(withNonFiniteHint(err), "--checkpoint")
	}
	if err = mpi.Agree(comm, err); err != nil { // every rank reads the trunk
		return err
	}
	if comm.Rank() == 0 {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return errors.Wrap(err, "--out")
		}
	}
	s, err := probe.Suite(ctx, t, so, probe.NewBar(stderr))
	if err != nil || comm.Rank() != 0 {
		return err
	}
	if err := s.Write(f.out); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, s.Markdown())
	return err
}
