"""Parity of `aim features` and `aim classify` with the PyTorch reference on
checkpoints in the exact layout of Apple's released AIM classifiers.

Each case builds a random aim_ref.Classifier (trunk + attentive probe) of a small
width, rounds its weights to the file's dtype, and writes a safetensors file with
exactly ml-aim's AIMForImageClassification state-dict names — preprocessor.*,
trunk.*, head.k/v.weight, head.cls_token, head.linear.weight without bias,
head.bn.running_mean/var and the int64 scalar head.bn.num_batches_tracked — and no
__metadata__ (the head count is width/128). Then:

  aim features --checkpoint CK --images X.npy --out F.npy   (mean of the last ceil(depth/4) blocks)
  aim classify --checkpoint CK --logits L.npy --json X.npy   (the head on the last 6 blocks)

must match the reference run in float64 to max|got - ref| <= tol * max|ref|
(tol 1e-4). One case goes through convert_pth.py from two .pth files (backbone
and a best-layers head) with the layers recorded as probe_layers; the BF16 and
F16 cases read half-precision files. It also checks that a probe head written by
`aim probe` loads strictly into the reference classifier (--strict-load).

    python3 reference/released_parity.py --aim ./aim [--workdir DIR]
    python3 reference/released_parity.py --strict-load TRUNK.safetensors HEAD.safetensors
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aim_ref  # noqa: E402
from aim_ref import AIMConfig  # noqa: E402

TOL = 1e-4
HALF = {"F32": None, "BF16": torch.bfloat16, "F16": torch.float16}

CASES = [
    # name, config, classes, file dtype, head layers (None: ml-aim's last 6), via the .pth converter
    ("f32-last6", AIMConfig(img_h=42, img_w=28, channels=3, patch=14, width=256, depth=8, heads=2,
                            head_width=4, head_depth=0), 1000, "F32", None, False),
    ("bf16", AIMConfig(img_h=28, img_w=28, channels=3, patch=14, width=256, depth=7, heads=2,
                       head_width=4, head_depth=0), 1000, "BF16", None, False),
    ("f16-10-classes", AIMConfig(img_h=28, img_w=42, channels=3, patch=7, width=128, depth=4, heads=1,
                                 head_width=4, head_depth=0), 10, "F16", None, False),
    ("pth-best-layers", AIMConfig(img_h=28, img_w=28, channels=3, patch=14, width=256, depth=9, heads=2,
                                  head_width=4, head_depth=0), 1000, "F32", [3, 4, 5], True),
    # Wide enough, with enough tokens (3 images of 64), for the linear layers to reach the X·Wᵀ
    # kernel on CPUs with AVX-512 (at least 32 rows and 512 inputs; 512 and more outputs).
    ("kernel-f32", AIMConfig(img_h=56, img_w=56, channels=3, patch=7, width=512, depth=4, heads=4,
                             head_width=4, head_depth=0), 1000, "F32", None, False),
    ("kernel-bf16", AIMConfig(img_h=56, img_w=56, channels=3, patch=7, width=512, depth=4, heads=4,
                              head_width=4, head_depth=0), 1000, "BF16", None, False),
]


def fail(msg):
    print(f"FAIL: {msg}")
    return False


def random_classifier(cfg, classes, layers, gen):
    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=gen)))
    model = aim_ref.Classifier(cfg, classes, layers if layers else
                               list(range(max(cfg.depth - 6, 0), cfg.depth))).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and "norm" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif "norm" in name or name.endswith("proj.bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif name == "head.cls_token":
                p.copy_(torch.randn_like(p))
            else:
                fan_in = p.shape[1] if p.dim() > 1 else 1
                p.copy_(torch.randn_like(p) / math.sqrt(fan_in * (p.shape[2] * p.shape[3] if p.dim() == 4 else 1)))
        model.head.bn.running_mean.copy_(0.1 * torch.randn(cfg.width, dtype=torch.float64))
        model.head.bn.running_var.copy_(0.5 + torch.rand(cfg.width, dtype=torch.float64))
        model.head.bn.num_batches_tracked.fill_(1234)
    return model.eval()


def file_state(model, dtype_name):
    """The state dict as the file holds it, and the model rounded to the same values."""
    half = HALF[dtype_name]
    state = {}
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                stored = t.to(half) if half is not None else t.float()
                t.copy_(stored.double())  # the reference uses exactly the stored values
                state[name] = stored
            else:
                state[name] = t.clone()
    return state


def run(cmd, timeout=600):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def compare(label, got, ref):
    err, scale = float(np.max(np.abs(got - ref))), float(np.max(np.abs(ref)))
    ok = got.shape == ref.shape and err <= TOL * scale
    print(f"{'ok  ' if ok else 'FAIL'} {label}: shape {got.shape}, max|Δ| {err:.3g} "
          f"= {err / scale:.2e} of max|ref| {scale:.3g}")
    return ok


def check_case(aim, workdir, name, cfg, classes, dtype_name, layers, via_pth, gen):
    model = random_classifier(cfg, classes, layers, gen)
    state = file_state(model, dtype_name)
    ck = os.path.join(workdir, name + ".safetensors")
    if via_pth:
        backbone = {n: t for n, t in state.items() if not n.startswith("head.")}
        head = {n: t for n, t in state.items() if n.startswith("head.")}
        torch.save(backbone, os.path.join(workdir, name + "_backbone.pth"))
        torch.save(head, os.path.join(workdir, name + "_head.pth"))
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert_pth.py")
        code, out, err = run([sys.executable, script, "--backbone", os.path.join(workdir, name + "_backbone.pth"),
                              "--head", os.path.join(workdir, name + "_head.pth"),
                              "--layers", ",".join(map(str, layers)), "--out", ck])
        if code != 0:
            return fail(f"{name}: convert_pth.py: {err}")
    else:
        aim_ref.save_safetensors(ck, state)  # no metadata, as Apple's files
    images = torch.randn(3, cfg.channels, cfg.img_h, cfg.img_w, generator=gen, dtype=torch.float64)
    x = os.path.join(workdir, name + "_images.npy")
    np.save(x, images.float().numpy())
    images = torch.from_numpy(np.load(x)).double()
    ok = True
    with torch.no_grad():
        feats_ref = model.features(images, list(range(cfg.depth - math.ceil(cfg.depth / 4), cfg.depth))).numpy()
        logits_ref = model(images).numpy()
    f = os.path.join(workdir, name + "_features.npy")
    code, out, err = run([aim, "features", "--checkpoint", ck, "--images", x, "--out", f])
    if code != 0:
        return fail(f"{name}: aim features: {err.strip()}")
    ok &= compare(f"{name} features", np.load(f), feats_ref)
    lg = os.path.join(workdir, name + "_logits.npy")
    if os.path.exists(lg):  # a previous run's, in a reused --workdir
        os.remove(lg)
    cmd = [aim, "classify", "--checkpoint", ck, "--logits", lg, "--json", "--top", "3", x]
    if classes != 1000:  # not ImageNet's: the classes need names
        code, out, err = run(cmd)
        if code != 2 or "--labels" not in err or os.path.exists(lg):
            return fail(f"{name}: {classes} classes without --labels: exit {code}, {err.strip()}")
        labels = os.path.join(workdir, name + "_labels.txt")
        with open(labels, "w") as fh:
            fh.write("".join(f"class {i}\n" for i in range(classes)))
        cmd[2:2] = ["--labels", labels]
    code, out, err = run(cmd)
    if code != 0:
        return fail(f"{name}: aim classify: {err.strip()}")
    ok &= compare(f"{name} logits", np.load(lg), logits_ref)
    ok &= check_json(name, out, logits_ref, classes)
    return ok


def check_json(name, out, logits_ref, classes):
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    if len(lines) != logits_ref.shape[0]:
        return fail(f"{name}: {len(lines)} JSON lines for {logits_ref.shape[0]} images")
    for i, line in enumerate(lines):
        top = line["top"]
        order = np.argsort(-logits_ref[i])
        gap = logits_ref[i][order[0]] - logits_ref[i][order[1]]
        probs = np.exp(logits_ref[i] - logits_ref[i].max())
        probs /= probs.sum()
        if len(top) != 3 or (gap > 1e-3 and top[0]["class"] != int(order[0])):
            return fail(f"{name}: image {i}: top {top}, reference top-1 {order[0]}")
        if abs(top[0]["probability"] - probs[top[0]["class"]]) > 1e-4:
            return fail(f"{name}: image {i}: probability {top[0]['probability']}, reference {probs[top[0]['class']]}")
        want = f"class {top[0]['class']}" if classes != 1000 else None
        if not top[0].get("label") or (want and top[0]["label"] != want):
            return fail(f"{name}: image {i}: label {top[0].get('label')!r}")
    print(f"ok   {name} JSON: top-3 classes and softmax probabilities")
    return True


def strict_load(trunk_path, head_path):
    """Loads a trunk checkpoint and a probe head written by this project into the
    reference classifier with load_state_dict(strict=True)."""
    trunk, meta = aim_ref.load_safetensors(trunk_path)
    head, head_meta = aim_ref.load_safetensors(head_path)
    state = {n: t for n, t in trunk.items() if n.startswith(("preprocessor.", "trunk."))}
    state.update(head)
    layers = json.loads(head_meta["probe_layers"])
    merged_meta = {"num_heads": head_meta.get("num_heads", meta.get("num_heads"))}
    model = aim_ref.classifier_from_state_dict(state, merged_meta, 28, 28, layers)
    print(f"ok   strict load of {len(state)} tensors into the reference classifier "
          f"(head of {model.head.linear.out_features} classes on blocks {layers})")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aim", help="the aim binary")
    parser.add_argument("--workdir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strict-load", nargs=2, metavar=("TRUNK", "HEAD"))
    args = parser.parse_args()
    if args.strict_load:
        return strict_load(*args.strict_load)
    if not args.aim:
        parser.error("--aim is required")
    workdir = args.workdir or tempfile.mkdtemp(prefix="aim-released-")
    gen = torch.Generator().manual_seed(args.seed)
    ok = True
    for case in CASES:
        ok &= bool(check_case(args.aim, workdir, *case, gen))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
