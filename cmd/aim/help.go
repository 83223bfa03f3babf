package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagGroups sorts every command's flags into groups, in the order help
// lists them; a flag missing from the table is listed under "Other".
var flagGroups = []struct {
	title string
	names []string
}{
	{"Data", []string{"data", "data-dir", "datasets", "images", "size", "transform", "exif", "skip-bad",
		"train-images", "val-images", "test-images", "data-sizes", "augment", "metrics", "results", "suite"}},
	{"Model", []string{"checkpoint", "preset", "head", "labels", "layers", "head-depth", "mask", "order",
		"target", "probe", "linear-bias", "random-init", "prefix", "allow-nonfinite"}},
	{"Training", []string{"steps", "epochs", "batch", "feature-batch", "lr", "min-lr", "warmup",
		"weight-decay", "min-steps", "eval-every", "seed", "seeds", "resume", "quick", "part", "sweep"}},
	{"Computation", []string{"precision", "dist", "infer-only", "weights", "cpuprofile"}},
	{"Output", []string{"out", "runs", "estimate", "summarize", "pool", "top", "json", "logits"}},
}

// commandExamples are the example lines help prints for each command.
var commandExamples = map[string][]string{
	"pretrain": {
		"aim pretrain --data mnist --preset tiny --steps 1000 --out runs/mnist-tiny",
		"aim pretrain --data fashion-mnist --preset small --epochs 5 --out runs/fm-small   # --resume continues",
		"aim pretrain --data folder:photos --size 64,64 --preset small --precision bf16 --out runs/photos",
	},
	"features": {
		"aim features --checkpoint runs/fm-small/checkpoint.safetensors --images x.npy --out feats.npy --layers 4,5",
		"aim features --checkpoint aim-600m.safetensors --pool mean --out emb.npy photos/",
	},
	"classify": {
		"aim classify --checkpoint aim-600m.safetensors --top 5 cat.jpg photos/",
		"aim classify --checkpoint aim-600m.safetensors --json --logits logits.npy photos/",
	},
	"loss": {"aim loss --checkpoint runs/fm-small/checkpoint.safetensors --images x.npy --prefix 10"},
	"probe": {
		"aim probe --checkpoint runs/fm-small/checkpoint.safetensors --data mnist --out runs/fm-small/probe-mnist",
		"aim probe --checkpoint runs/fm-small/checkpoint.safetensors --data mnist --random-init --out runs/baseline",
	},
	"suite":   {"aim suite --checkpoint runs/fm-small/checkpoint.safetensors --out runs/fm-small/suite --random-init"},
	"version": {"aim version", "aim --version"},
	"bench": {
		"aim bench",
		"aim bench --preset aim-600m --infer-only --batch 1,8 --precision bf16",
	},
	"scaling": {
		"aim scaling --out runs/scaling --quick",
		"aim scaling --estimate --seeds 3",
		"aim scaling --part models --seeds 3 --out docs/results --runs runs/study   # then the other parts, same --out",
		"aim scaling --summarize --out docs/results   # tables and figures again from results.json, nothing run",
	},
	"plot": {
		"aim plot --results runs/scaling/results.json --out figures",
		"aim plot --metrics runs/mnist-tiny --out figures",
		"aim plot --suite runs/fm-small/suite/suite.json --out figures",
	},
}

// valueKinds name what the flags of custom types take.
var valueKinds = map[string]string{"size": "H,W", "precision": "f32|bf16"}

// printFlags writes fs's flags to w in their groups, spelled --name as
// the rest of the help spells them.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	listed := map[string]bool{}
	for _, g := range flagGroups {
		var flags []*flag.Flag
		for _, name := range g.names {
			if f := fs.Lookup(name); f != nil {
				flags = append(flags, f)
				listed[name] = true
			}
		}
		printGroup(w, g.title, flags)
	}
	var other []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if !listed[f.Name] {
			other = append(other, f)
		}
	})
	printGroup(w, "Other", other)
}

// printGroup writes one group of flags, if it has any.
func printGroup(w io.Writer, title string, flags []*flag.Flag) {
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	for _, f := range flags {
		kind, usage := flag.UnquoteUsage(f)
		if kind == "value" {
			kind = valueKinds[f.Name]
		}
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" && !strings.Contains(usage, "(default") {
			usage += fmt.Sprintf(" (default %s)", def)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, usage)
	}
}

// printExamples writes the command's example lines.
func printExamples(w io.Writer, command string) {
	lines := commandExamples[command]
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\nExamples:")
	for _, l := range lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
}
