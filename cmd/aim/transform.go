package main

import (
	"fmt"
	"io"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data"
	"github.com/aim-go/aim/graph"
)

// Values of --transform.
const (
	transformAuto  = "auto"   // ml-aim's for AIM v1, the hub's for AIMv2
	transformMLAim = "ml-aim" // ml-aim's evaluation transform
	transformHub   = "hub"    // the hub's: preprocessor_config.json, else CLIP at the model's size
)

// photoTransform chooses the transform photos go through for the model of
// checkpoint ckpt, and says which and why.
func photoTransform(choice, ckpt string, cfg graph.Config) (data.Transform, string, error) {
	switch choice {
	case transformMLAim:
		return data.EvalTransform(), "ml-aim's evaluation transform (--transform ml-aim)", nil
	case transformHub:
		return hubTransform(ckpt, cfg)
	case transformAuto, "":
		if cfg.IsV2() {
			return hubTransform(ckpt, cfg)
		}
		return data.EvalTransform(), "ml-aim's evaluation transform", nil
	}
	return data.Transform{}, "", usageError{errors.Errorf("--transform %q: expected %s, %s or %s", choice, transformAuto, transformMLAim, transformHub)}
}

// hubTransform is the preprocessor_config.json beside the checkpoint, else
// the hub's defaults at the model's image size.
func hubTransform(ckpt string, cfg graph.Config) (data.Transform, string, error) {
	return data.HubTransformFor(ckpt, cfg.ImageHeight)
}

// reportTransform prints the transform photos go through, when inputs
// include photos.
func reportTransform(w io.Writer, command string, paths []string, t data.Transform, why string) {
	for _, p := range paths {
		if !isNpy(p) {
			fmt.Fprintf(w, "%s: photos through %s: %v\n", command, why, t)
			return
		}
	}
}
