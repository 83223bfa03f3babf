package optim

import (
	"bytes"
	"encoding/json"
	"github.com/aim-go/aim/internal/testing/pytorch"
	"os/exec"
	"testing"
)

// torchScript runs torch.optim.AdamW with a decayed and a non-decayed
// parameter group and clip_grad_norm_ over a problem read as JSON from
// stdin, in float64, and writes the parameters after each step and the
// pre-clip norms as JSON to stdout.
const torchScript = `
import json, sys, torch
cfg = json.load(sys.stdin)
results = []
for case in cfg["cases"]:
    ps = [torch.tensor(d, dtype=torch.float64, requires_grad=True) for d in cfg["init"]]
    groups = [
        {"params": [p for p, d in zip(ps, cfg["decay"]) if d], "weight_decay": case["wd"]},
        {"params": [p for p, d in zip(ps, cfg["decay"]) if not d], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=1.0, betas=(0.9, 0.95), eps=1e-8)
    out = {"after": [], "norms": []}
    for grads, lr in zip(cfg["grads"], cfg["lrs"]):
        for p, g in zip(ps, grads):
            p.grad = torch.tensor(g, dtype=torch.float64)
        if case["clip"] > 0:
            norm = torch.nn.utils.clip_grad_norm_(ps, case["clip"])
        else:
            norm = torch.norm(torch.stack([torch.norm(p.grad) for p in ps]))
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        out["norms"].append(norm.item())
        out["after"].append([p.detach().tolist() for p in ps])
    results.append(out)
json.dump(results, sys.stdout)
`

// torchCase is one configuration of the PyTorch comparison.
type torchCase struct {
	Name string  `json:"-"`
	WD   float64 `json:"wd"`
	Clip float64 `json:"clip"`
}

// torchResult is what torchScript reports for one case.
type torchResult struct {
	After [][][]float64
	Norms []float64
}

// runTorch runs torchScript over pr for every case, in one interpreter.
func runTorch(t *testing.T, py string, pr problem, cases []torchCase) []torchResult {
	t.Helper()
	in, err := json.Marshal(map[string]any{
		"init": pr.init, "decay": pr.decay, "grads": pr.grads, "lrs": pr.lrs, "cases": cases,
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", torchScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.String())
	}
	var results []torchResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("torch output: %v\n%s", err, out)
	}
	if len(results) != len(cases) {
		t.Fatalf("torch ran %d cases, want %d", len(results), len(cases))
	}
	for i, r := range results {
		if len(r.After) != len(pr.grads) || len(r.Norms) != len(pr.grads) {
			t.Fatalf("case %s: torch ran %d steps, want %d", cases[i].Name, len(r.After), len(pr.grads))
		}
	}
	return results
}

// TestAgainstPyTorch compares Step with torch.optim.AdamW and
// clip_grad_norm_ in float64, to 1e-12 relative, over runs where clipping is
// active on some steps and not on others.
func TestAgainstPyTorch(t *testing.T) {
	py := pytorch.Python(t)
	pr := newProblem(11)
	cases := []torchCase{
		{Name: "AIM defaults", WD: DefaultWeightDecay, Clip: DefaultClipNorm},
		{Name: "no clipping", WD: DefaultWeightDecay, Clip: 0},
		{Name: "strong decay", WD: 0.5, Clip: 2},
	}
	results := runTorch(t, py, pr, cases)
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			checkClipMix(t, results[i].Norms, c.Clip)
			got, norms := run[float64](t, pr, c.WD, c.Clip)
			worst := compare(t, pr, got, results[i].After, norms, results[i].Norms, 1e-12)
			t.Logf("largest relative error against PyTorch %.3g", worst)
		})
	}
}
