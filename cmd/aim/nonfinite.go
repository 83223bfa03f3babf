package main

import (
	"flag"
	"fmt"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/aim-go/aim/blas"
	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/graph"
	"github.com/aim-go/aim/layers"
)

// registerAllowNonFinite adds --allow-nonfinite to the flags of a command
// that loads a checkpoint; pass its value to loadOptions.
func registerAllowNonFinite(fs *flag.FlagSet) *bool {
	return fs.Bool("allow-nonfinite", false, "load a checkpoint even if tensors hold NaN or infinite values (to inspect a diverged run)")
}

// loadOptions are the graph.LoadCheckpoint options of the commands that
// run a trunk for inference (features, classify, loss, probe, suite):
// BF16 and F16 linear weights used in place (graph.KeepHalf), --precision
// and --allow-nonfinite.
func loadOptions(allowNonFinite bool, prec blas.Precision) []graph.LoadOption {
	opts := []graph.LoadOption{graph.KeepHalf(), graph.InPrecision(prec)}
	if allowNonFinite {
		opts = append(opts, graph.AllowNonFinite())
	}
	return opts
}

// withNonFiniteHint adds to the error of a checkpoint with NaN or infinite
// values how to load it anyway; other errors are returned as they are.
func withNonFiniteHint(err error) error {
	var nf *checkpoint.NonFiniteError
	if errors.As(err, &nf) {
		return fmt.Errorf("%w; pass --allow-nonfinite to load it anyway", err)
	}
	return err
}

// loadCheckpoint loads the float32 model of a checkpoint for inference
// (loadOptions), refusing NaN and infinite values unless allowNonFinite
// (the flag of registerAllowNonFinite).
func loadCheckpoint(path string, allowNonFinite bool, prec blas.Precision) (*graph.Model, *checkpoint.Mapped, error) {
	m, f, err := graph.LoadCheckpoint(path, tensor.Float32, loadOptions(allowNonFinite, prec)...)
	return m, f, withNonFiniteHint(err)
}

// describeHalf says which weights a model loaded with graph.KeepHalf uses
// in place as 16-bit values ("; 96 weight matrices used in place as
// BF16"), or nothing.
func describeHalf(p *layers.Params) string {
	out, counts := "", p.HalfCounts()
	for _, h := range []blas.Half{blas.BF16, blas.F16} {
		if n := counts[h]; n > 0 {
			out += fmt.Sprintf("; %d weight matrices used in place as %v", n, h)
		}
	}
	return out
}
