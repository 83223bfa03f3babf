package main

import (
	"fmt"
	"io"

	"github.com/pkg/errors"

	"github.com/aim-go/aim/data/photo"
	"github.com/aim-go/aim/graph"
)

// Values of --transform.
const (
	transformAuto  = "auto"   // ml-aim's for AIM v1, the hub's for AIMv2
	transformMLAim = "ml-aim" // ml-aim's evaluation transform
	transformHub   = "hub"    // the hub's: preprocessor_config.json, else CLIP at the model's size
)

// photoTransform chooses the transform photos go through for the model of
// checkpoint ckpt (--transform, --size), and says which and why. With
// perPhoto, AIMv2's native model takes every photo at its own size through
// the hub's transform (nativeSizes) unless --size gives one.
func photoTransform(f imageFlags, ckpt string, cfg graph.Config, perPhoto bool) (photo.Transform, string, error) {
	t, why, err := chooseTransform(f.transform, ckpt, cfg)
	if err != nil {
		return t, why, err
	}
	if f.size.H == 0 {
		if perPhoto && isNative(cfg) && f.transform != transformMLAim {
			t.Patch, t.MaxPatches = cfg.Patch, graph.MaxV2Patches
		}
		return t, why, nil
	}
	if err := cfg.WithImage(cfg.Channels, f.size.H, f.size.W).Validate(); err != nil {
		return t, why, usageError{errors.Wrapf(err, "--size %s", f.size.String())}
	}
	t.Height, t.Width = f.size.H, f.size.W
	return t, why + " at --size " + f.size.String(), nil
}

// isNative reports whether cfg is AIMv2's native model: sin-cos positions,
// any image size.
func isNative(cfg graph.Config) bool { return cfg.IsV2() && cfg.PosEmbed == graph.PosSinCos }

// chooseTransform is the transform --transform names.
func chooseTransform(choice, ckpt string, cfg graph.Config) (photo.Transform, string, error) {
	switch choice {
	case transformMLAim:
		return photo.EvalTransform(), "ml-aim's evaluation transform (--transform ml-aim)", nil
	case transformHub:
		return hubTransform(ckpt, cfg)
	case transformAuto, "":
		if cfg.IsV2() {
			return hubTransform(ckpt, cfg)
		}
		return photo.EvalTransform(), "ml-aim's evaluation transform", nil
	}
	return photo.Transform{}, "", usageError{errors.Errorf("--transform %q: expected %s, %s or %s", choice, transformAuto, transformMLAim, transformHub)}
}

// hubTransform is the preprocessor_config.json beside the checkpoint, else
// the hub's defaults at the model's image size.
func hubTransform(ckpt string, cfg graph.Config) (photo.Transform, string, error) {
	return photo.HubTransformFor(ckpt, cfg.ImageHeight)
}

// reportTransform prints the transform photos go through, when inputs
// include photos.
func reportTransform(w io.Writer, command string, paths []string, t photo.Transform, why string) {
	for _, p := range paths {
		if !isNpy(p) {
			fmt.Fprintf(w, "%s: photos through %s: %v\n", command, why, t)
			return
		}
	}
}
