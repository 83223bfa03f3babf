"""Speed and memory of a released-size AIM trunk: Go (`aim`) next to PyTorch.

Makes (once) a random-weight checkpoint in exactly the layout of Apple's released
classifiers for a paper model (aim-600m by default: width 1536, depth 24, 224 px,
patch 14, ImageNet head) and 8 random images, then in one run:

  forward  `aim bench --preset P --infer-only --batch 1,8` against the reference
           trunk's feature pass in PyTorch at batch 1 and 8, each thread setting in
           a fresh process, the best kept (images/s, median of --steps passes);
  e2e      `aim features --checkpoint CK --images X.npy --out F.npy --batch 8`
           against PyTorch reading the same file (one read, tensors viewed, no
           initial weights drawn), loading the weights and running the 8 images
           (at once, or one at a time), each in a fresh process, the best kept:
           wall time and peak resident memory of the whole process;
  load     the time `aim features` reports for opening the checkpoint, with the
           file in the page cache.

    /usr/bin/python3 bench/pytorch/released_bench.py --aim ./aim [--preset aim-600m]
        [--dtype f32|bf16|f16] [--precision f32|bf16] [--rounds 3] [--steps 3]
        [--threads 1,2] [--workdir DIR]

With --precision bf16, `aim` runs with --precision bf16 and PyTorch in both of its
bf16 modes, each in fresh processes, the faster kept: the model and inputs cast to
bfloat16 (`model.to(torch.bfloat16)`) and `torch.autocast("cpu", dtype=torch.bfloat16)`.

Prints one JSON object; every round's figures are kept, the medians summarised.
"""

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "reference"))  # aim_ref, aimv2_ref
import aim_ref  # noqa: E402
from aim_ref import AIMConfig  # noqa: E402

PAPER = {"aim-600m": (1536, 24), "aim-1b": (2048, 24), "aim-3b": (3072, 24)}
IMAGES = 8


def paper_config(preset):
    width, depth = PAPER[preset]
    return AIMConfig(img_h=224, img_w=224, channels=3, patch=14, width=width, depth=depth,
                     heads=width // 128, head_width=4, head_depth=0)


def make_checkpoint(path, preset, dtype):
    """A random classifier in the released layout (no metadata), written tensor by tensor."""
    cfg = paper_config(preset)
    torch.manual_seed(0)
    model = aim_ref.Classifier(cfg, 1000, list(range(cfg.depth - 6, cfg.depth)))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.02)
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.fill_(1)
    state = model.state_dict()
    if dtype in ("bf16", "f16"):
        half = torch.bfloat16 if dtype == "bf16" else torch.float16
        state = {n: (t.to(half) if t.is_floating_point() else t) for n, t in state.items()}
    save_streaming(path + ".tmp", state)
    os.replace(path + ".tmp", path)


def save_streaming(path, state):
    """Writes a safetensors file tensor by tensor (aim_ref.save_safetensors holds every
    tensor's bytes at once, twice the model, which a 3B model cannot afford here)."""
    codes = {torch.float32: ("F32", 4), torch.bfloat16: ("BF16", 2), torch.float16: ("F16", 2), torch.int64: ("I64", 8)}
    header, offset = {}, 0
    for name in sorted(state):
        code, size = codes[state[name].dtype]
        n = state[name].numel() * size
        header[name] = {"dtype": code, "shape": list(state[name].shape), "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(len(blob).to_bytes(8, "little"))
        f.write(blob)
        for name in sorted(state):
            t = state[name].contiguous()
            if t.dtype == torch.bfloat16:
                t = t.view(torch.int16)
            f.write(t.numpy().tobytes())


def run_child(cmd):
    """Runs cmd, returns (stdout, wall seconds, peak RSS MB of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}\n{proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return proc.stdout, proc.stderr, wall, max(peak, before) / 1024


def peak_rss_of(cmd):
    """Runs cmd under /usr/bin/time to get its own peak RSS (MB) and wall time."""
    out, err, wall, _ = run_child(["/usr/bin/time", "-f", "TIME %e %M"] + cmd)
    line = [l for l in err.splitlines() if l.startswith("TIME ")][-1].split()
    return out, err, float(line[1]), float(line[2]) / 1024


def in_mode(model, x, mode):
    """The model and input for a torch precision mode, and the context to run in:
    f32; bf16, both cast to bfloat16; autocast, CPU autocast to bfloat16."""
    if mode == "bf16":
        return model.to(torch.bfloat16), x.to(torch.bfloat16), torch.no_grad()
    if mode == "autocast":
        class Both:
            def __enter__(self):
                self.a, self.b = torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16)
                self.a.__enter__()
                self.b.__enter__()

            def __exit__(self, *exc):
                self.b.__exit__(*exc)
                self.a.__exit__(*exc)
        return model, x, Both()
    return model, x, torch.no_grad()


def torch_worker(args):
    """In a fresh process: the forward pass or the end-to-end run."""
    torch.set_num_threads(args.worker_threads)
    if args.worker == "forward":
        cfg = paper_config(args.preset)
        torch.manual_seed(0)
        model = aim_ref.Classifier(cfg, 1000, list(range(cfg.depth - 6, cfg.depth))).eval()
        layers = list(range(cfg.depth - math.ceil(cfg.depth / 4), cfg.depth))
        out = {}
        for b in args.batches:
            m, x, ctx = in_mode(model, torch.randn(b, 3, 224, 224), args.torch_mode)
            with ctx:
                m.features(x, layers)  # warm up
                times = []
                for _ in range(args.steps):
                    t0 = time.perf_counter()
                    m.features(x, layers)
                    times.append(time.perf_counter() - t0)
            out[str(b)] = b / statistics.median(times)
        return {"threads": args.worker_threads, "mode": args.torch_mode, "images_per_s": out}
    t0 = time.perf_counter()
    state, meta = load_fast(args.checkpoint)
    model = classifier_without_init(state, meta)
    del state
    loaded = time.perf_counter() - t0
    x = torch.from_numpy(np.load(args.images))
    cfg = model.cfg
    layers = list(range(cfg.depth - math.ceil(cfg.depth / 4), cfg.depth))
    model, x, ctx = in_mode(model, x, args.torch_mode)
    with ctx:
        for lo in range(0, x.shape[0], args.e2e_batch):
            model.features(x[lo:lo + args.e2e_batch], layers)
    total = time.perf_counter() - t0
    return {"threads": args.worker_threads, "mode": args.torch_mode, "batch": args.e2e_batch, "load_s": loaded, "total_s": total,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def load_fast(path):
    """Reads a safetensors file the fast way PyTorch allows: one read of the whole file
    into memory, each tensor a view of it (no per-tensor copy), converted to float32."""
    raw = np.fromfile(path, dtype=np.uint8)
    n = int(raw[:8].view("<u8")[0])
    header = json.loads(raw[8:8 + n].tobytes())
    meta = header.pop("__metadata__", {}) or {}
    data = raw[8 + n:]
    state = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        chunk = data[b:e]
        if info["dtype"] == "BF16":
            t = torch.from_numpy((chunk.view("<u2").astype(np.uint32) << 16).view(np.float32))
        elif info["dtype"] == "F16":  # computed in float32, as ml-aim's users load it
            t = torch.from_numpy(chunk.view("<f2").astype(np.float32))
        else:
            t = torch.from_numpy(chunk.view(aim_ref._ST_DTYPES[info["dtype"]]))
        state[name] = t.reshape(info["shape"])
    return state, meta


def classifier_without_init(state, meta):
    """The reference classifier built without drawing initial weights (they are
    replaced at once), its parameters then pointed at the tensors of state (all of
    them, and nothing else)."""
    saved = [(m, m.reset_parameters) for m in (torch.nn.Linear, torch.nn.Conv2d, torch.nn.LayerNorm)]
    for m, _ in saved:
        m.reset_parameters = lambda self: None
    try:
        width = state["preprocessor.patchifier.proj.weight"].shape[0]
        trunk = {n: t for n, t in state.items() if not n.startswith("head.")}
        cfg = aim_ref.config_from_state_dict({**trunk, "decoder.proj.weight": torch.zeros(4, width)}, meta, 224, 224)
        model = aim_ref.Classifier(cfg, state["head.linear.weight"].shape[0], list(range(cfg.depth - 6, cfg.depth)))
    finally:
        for m, f in saved:
            m.reset_parameters = f
    # Point every parameter and buffer at the tensor just read instead of copying
    # into it (load_state_dict's copy costs a page fault per page of fresh memory).
    own = dict(model.named_parameters())
    own.update(model.named_buffers())
    if set(own) != set(state):
        raise ValueError(f"state dict mismatch: {sorted(set(own) ^ set(state))}")
    for name, t in own.items():
        t.data = state[name].float() if state[name].is_floating_point() else state[name]
    return model.eval()


def torch_side(args, mode, extra):
    """Runs the PyTorch worker in a fresh process per thread setting (and, end to end,
    per batching: the 8 images at once or one at a time)."""
    runs = []
    for tm in (["bf16", "autocast"] if args.precision == "bf16" else ["f32"]):
        for t in args.threads:
            for b in ([IMAGES, 1] if mode == "e2e" else [0]):
                cmd = [sys.executable, os.path.abspath(__file__), "--worker", mode, "--worker-threads", str(t),
                       "--preset", args.preset, "--steps", str(args.steps), "--e2e-batch", str(max(b, 1)),
                       "--torch-mode", tm] + extra
                try:
                    out, _, _, _ = run_child(cmd)
                except RuntimeError as e:  # PyTorch 1.13's CPU autocast fails on this model: recorded
                    if tm == "f32":
                        raise
                    runs.append({"mode": tm, "threads": t, "error": str(e).strip().splitlines()[-1]})
                    continue
                runs.append(json.loads(out))
    return runs


def aim_forward(args):
    out, _, _, _ = run_child([args.aim, "bench", "--preset", args.preset, "--infer-only",
                              "--batch", "1,8", "--steps", str(args.steps), "--precision", args.precision])
    r = json.loads(out)
    return {str(b["batch"]): b["images_per_s"] for b in r["batches"]}, r


def aim_e2e(args, ck, x, workdir):
    out = os.path.join(workdir, "features.npy")
    _, err, wall, rss = peak_rss_of([args.aim, "features", "--checkpoint", ck, "--images", x,
                                     "--out", out, "--batch", str(IMAGES), "--precision", args.precision])
    load = [l for l in err.splitlines() if l.startswith("features: loaded")]
    return {"total_s": wall, "peak_rss_mb": rss, "log": load[-1] if load else ""}


def median_of(values):
    return statistics.median(values) if values else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aim")
    ap.add_argument("--preset", default="aim-600m", choices=sorted(PAPER))
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16", "f16"])
    ap.add_argument("--precision", default="f32", choices=["f32", "bf16"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--workdir", default="/tmp/aim-released-bench")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: forward, e2e")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--torch-mode", default="f32", help=argparse.SUPPRESS)
    ap.add_argument("--checkpoint", help=argparse.SUPPRESS)
    ap.add_argument("--images", help=argparse.SUPPRESS)
    ap.add_argument("--batches", help=argparse.SUPPRESS)
    ap.add_argument("--e2e-batch", type=int, default=IMAGES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.threads = [int(t) for t in str(args.threads).split(",")]
    if args.worker:
        args.batches = [int(b) for b in (args.batches or "1,8").split(",")]
        print(json.dumps(torch_worker(args)))
        return 0
    if not args.aim:
        ap.error("--aim is required")
    os.makedirs(args.workdir, exist_ok=True)
    ck = os.path.join(args.workdir, f"{args.preset}-{args.dtype}.safetensors")
    if not os.path.exists(ck):
        make_checkpoint(ck, args.preset, args.dtype)
    x = os.path.join(args.workdir, "images.npy")
    if not os.path.exists(x):
        np.save(x, np.random.default_rng(0).standard_normal((IMAGES, 3, 224, 224), dtype=np.float32))
    skip = set(filter(None, args.skip.split(",")))
    rounds = []
    for _ in range(args.rounds):
        rnd = {}
        if "forward" not in skip:
            rnd["aim_forward"], rnd["aim_bench"] = aim_forward(args)
            rnd["torch_forward"] = torch_side(args, "forward", ["--batches", "1,8"])
        if "e2e" not in skip:
            subprocess.run(["cat", ck], stdout=subprocess.DEVNULL, check=True)  # into the page cache
            rnd["aim_e2e"] = aim_e2e(args, ck, x, args.workdir)
            rnd["torch_e2e"] = torch_side(args, "e2e", ["--checkpoint", ck, "--images", x])
        rounds.append(rnd)
    summary = {}
    if "forward" not in skip:
        for b in ("1", "8"):
            go = median_of([r["aim_forward"][b] for r in rounds])
            pt = median_of([max(w["images_per_s"][b] for w in r["torch_forward"] if "error" not in w) for r in rounds])
            modes = sorted({w["mode"] for r in rounds for w in r["torch_forward"]})
            by_mode = {m: median_of([max([w["images_per_s"][b] for w in r["torch_forward"] if w["mode"] == m and "error" not in w] or [0])
                                     for r in rounds]) for m in modes}
            isolated = median_of([x["isolated_fraction"] for r in rounds for x in r["aim_bench"]["batches"]
                                  if str(x["batch"]) == b and x.get("isolated_fraction")])
            summary[f"forward_batch{b}"] = {"aim_images_per_s": go, "torch_best_images_per_s": pt, "ratio": go / pt,
                                            "torch_by_mode": by_mode, "aim_isolated_fraction": isolated}
    if "e2e" not in skip:
        go = median_of([r["aim_e2e"]["total_s"] for r in rounds])
        pt = median_of([min(w["total_s"] for w in r["torch_e2e"] if "error" not in w) for r in rounds])
        f32_mb = os.path.getsize(ck) / 2**20 * (1 if args.dtype == "f32" else 2)
        summary["e2e_8_images"] = {"aim_s": go, "torch_best_s": pt, "speedup": pt / go,
                                   "aim_rss_over_f32_weights": median_of([r["aim_e2e"]["peak_rss_mb"] for r in rounds]) / f32_mb,
                                   "aim_peak_rss_mb": median_of([r["aim_e2e"]["peak_rss_mb"] for r in rounds]),
                                   "torch_peak_rss_mb": median_of([min(w["peak_rss_mb"] for w in r["torch_e2e"] if "error" not in w) for r in rounds]),
                                   "checkpoint_mb": os.path.getsize(ck) / 2**20}
    print(json.dumps({"preset": args.preset, "dtype": args.dtype, "precision": args.precision, "torch": torch.__version__,
                      "summary": summary, "rounds": rounds}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
