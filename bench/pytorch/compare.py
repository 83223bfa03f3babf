"""Runs `aim bench` and bench.py in turns and prints the ratios.

    go build -o /tmp/aim ./cmd/aim
    /usr/bin/python3 bench/pytorch/compare.py --aim /tmp/aim [--rounds 3] [--steps 10]

Each round runs the Go benchmark, then the PyTorch one (every thread setting
in its own process, the best kept), so that both see the same machine load;
the medians over the rounds are compared. Prints one JSON object.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aim", required=True, help="path to the aim binary")
    ap.add_argument("--preset", default="bench")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2", help="PyTorch thread settings to try")
    args = ap.parse_args()

    go, torch = [], []
    for r in range(args.rounds):
        go.append(run_json([args.aim, "bench", "--preset", args.preset, "--batch", str(args.batch),
                            "--steps", str(args.steps)]))
        torch.append(run_json([sys.executable, os.path.join(HERE, "bench.py"), "--preset", args.preset,
                               "--batch", str(args.batch), "--steps", str(args.steps),
                               "--threads", args.threads]))
        print(f"round {r + 1}: go train {go[-1]['train_images_per_s']:.1f} infer {go[-1]['infer_images_per_s']:.1f} "
              f"| pytorch train {torch[-1]['train_images_per_s']:.1f} infer {torch[-1]['infer_images_per_s']:.1f}",
              file=sys.stderr)

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    result = {
        "preset": args.preset, "batch": args.batch, "rounds": args.rounds,
        "go": {k: med(go, k) for k in ["train_images_per_s", "infer_images_per_s", "peak_rss_mb",
                                         "train_gflops", "infer_gflops", "sgemm_gflops"]},
        "pytorch": {k: med(torch, k) for k in ["train_images_per_s", "infer_images_per_s", "peak_rss_mb"]},
        "blas": go[-1]["blas_info"], "pytorch_framework": torch[-1]["framework"],
        "pytorch_best_threads": {"train": torch[-1]["train_threads"], "infer": torch[-1]["infer_threads"]},
    }
    g, t = result["go"], result["pytorch"]
    result["ratios"] = {
        "train": g["train_images_per_s"] / t["train_images_per_s"],
        "infer": g["infer_images_per_s"] / t["infer_images_per_s"],
        "peak_rss": g["peak_rss_mb"] / t["peak_rss_mb"],
        "train_gflops_over_sgemm": g["train_gflops"] / g["sgemm_gflops"],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
