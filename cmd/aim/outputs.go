package main

import (
	"context"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/checkpoint"
	"github.com/aim-go/aim/data"
)

// outputError is a failed write of a command's output (a full disk): the
// error names the output file, and no input is at fault.
type outputError struct{ error }

func (e outputError) Unwrap() error { return e.error }

// appendOutput appends rows to an output array, marking a failure as an
// outputError.
func appendOutput(w *data.NpyWriter, rows []float32) error {
	if err := w.Append(rows); err != nil {
		return outputError{err}
	}
	return nil
}

// chunkError is the error of a chunk of images whose features or classes
// could not be computed: after the name of the images (first) when they
// may be at fault, and as it is when they are not — an interruption, the
// checkpoint changing under the model, a failed write of the output. out
// is the output an interruption leaves unwritten ("" for none).
func chunkError(ctx context.Context, err error, first, out string) error {
	var changed *checkpoint.ChangedError
	var write outputError
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return interrupted(out)
	case errors.As(err, &changed), errors.As(err, &write):
		return err
	}
	return errors.Wrap(err, first)
}

// interrupted is the error of a command stopped by Ctrl-C or SIGTERM
// before it wrote out ("" for no output file).
func interrupted(out string) error {
	if out == "" {
		return errors.New("interrupted")
	}
	return errors.Errorf("interrupted: %s was not written", out)
}
