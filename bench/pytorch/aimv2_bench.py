"""Feature-pass speed of AIMv2-L/224 in Go against the PyTorch reference.

Runs `aim bench --preset aimv2-large-patch14-224 --batch 1,8` and, in fresh
processes at each --threads setting, the hand-written PyTorch AIMv2
(aimv2_ref.py) in float32 on random weights and images under torch.no_grad,
and prints one JSON object with the images per second of both and their
ratio at each batch (PyTorch's best thread setting).

With --precision bf16, `aim bench` runs with --precision bf16 and PyTorch
with the model and images in bfloat16 (`model.to(torch.bfloat16)`: oneDNN's
bf16 kernels inside PyTorch), the comparison docs/performance.md makes for
AIM v1.

    /usr/bin/python3 bench/pytorch/aimv2_bench.py --aim /tmp/aim [--steps 3] [--threads 1,2] [--precision bf16]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reference"))  # aim_ref, aimv2_ref
import aimv2_ref as ref  # noqa: E402

PRESET = "aimv2-large-patch14-224"


def worker(threads, batches, steps, precision):
    torch.set_num_threads(threads)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    model = ref.Encoder(ref.V2Config()).to(dtype).eval()
    out = {}
    with torch.no_grad():
        for b in batches:
            x = torch.randn(b, 3, 224, 224).to(dtype)
            model(x)  # warm-up
            times = []
            for _ in range(steps):
                t0 = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - t0)
            out[str(b)] = b / statistics.median(times)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aim", help="the Go aim binary")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--precision", default="f32", choices=["f32", "bf16"])
    ap.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    if args.worker_threads:
        print(json.dumps(worker(args.worker_threads, batches, args.steps, args.precision)))
        return
    go = json.loads(subprocess.run([args.aim, "bench", "--preset", PRESET, "--batch", args.batches, "--steps",
                                    str(args.steps), "--precision", args.precision],
                                   capture_output=True, text=True, check=True).stdout)
    go_rate = {str(b["batch"]): b["images_per_s"] for b in go["batches"]}
    torch_rates = {}
    for t in args.threads.split(","):
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker-threads", t, "--batches",
                            args.batches, "--steps", str(args.steps), "--precision", args.precision],
                           capture_output=True, text=True, check=True)
        torch_rates[t] = json.loads(r.stdout)
    result = {"preset": PRESET, "precision": args.precision, "blas": go["blas_info"], "go_images_per_s": go_rate, "torch_images_per_s": torch_rates}
    result["ratio"] = {b: go_rate[b] / max(r[b] for r in torch_rates.values()) for b in go_rate}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
