"""Throughput and memory of the AIM reference model in PyTorch.

Trains the same model as `aim bench` (the `bench` preset by default: 28x28x1
images, patch 4, width 192, depth 6, 3 heads, head width 256, head depth 2)
with the same recipe -- float32, batch 64, a random prefix length per image,
AdamW (beta2 0.95, weight decay 0.05 on matrices only), global gradient-norm
clipping at 1.0 -- and times the training step and the frozen-trunk feature
pass. Each thread setting runs in a fresh process so that its peak resident
memory is its own; the best setting is reported.

    /usr/bin/python3 bench/pytorch/bench.py [--batch 64] [--steps 20] [--threads 1,2]

Prints one JSON object.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reference"))  # aim_ref, aimv2_ref
from aim_ref import AIM, AIMConfig  # noqa: E402

PRESETS = {
    "tiny": dict(width=64, depth=4, heads=2, head_width=64, head_depth=1),
    "small": dict(width=128, depth=6, heads=4, head_width=128, head_depth=2),
    "bench": dict(width=192, depth=6, heads=3, head_width=256, head_depth=2),
    "base": dict(width=256, depth=8, heads=4, head_width=256, head_depth=2),
}


def make_model(preset):
    cfg = AIMConfig(img_h=28, img_w=28, channels=1, patch=4, mlp_ratio=4, **PRESETS[preset])
    return AIM(cfg).float(), cfg


def make_optimizer(model):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-4, betas=(0.9, 0.95), eps=1e-8)


def timed(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def worker(args):
    torch.set_num_threads(args.worker)
    torch.manual_seed(0)
    model, cfg = make_model(args.preset)
    opt = make_optimizer(model)
    images = torch.randn(args.batch, 1, 28, 28)
    k = cfg.num_patches
    gen = torch.Generator().manual_seed(1)

    def train_step():
        prefix = torch.randint(1, k, (args.batch,), generator=gen)
        loss = model.pretrain_loss(images, prefix)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    def features():
        with torch.no_grad():
            model.features(images)

    train = timed(train_step, 3, args.steps)
    infer = timed(features, 3, args.steps)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"threads": args.worker, "train_images_per_s": args.batch / train,
            "infer_images_per_s": args.batch / infer, "peak_rss_mb": rss_mb}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="bench", choices=sorted(PRESETS))
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    runs = []
    for t in [int(x) for x in args.threads.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--preset", args.preset, "--batch", str(args.batch),
                              "--steps", str(args.steps), "--worker", str(t)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    best_train = max(runs, key=lambda r: r["train_images_per_s"])
    best_infer = max(runs, key=lambda r: r["infer_images_per_s"])
    print(json.dumps({
        "framework": f"pytorch {torch.__version__}", "preset": args.preset, "batch": args.batch,
        "train_images_per_s": best_train["train_images_per_s"], "train_threads": best_train["threads"],
        "infer_images_per_s": best_infer["infer_images_per_s"], "infer_threads": best_infer["threads"],
        "peak_rss_mb": best_train["peak_rss_mb"], "runs": runs,
        "blas": torch.__config__.show().split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in torch.__config__.show() else "unknown",
    }, indent=2))


if __name__ == "__main__":
    main()
