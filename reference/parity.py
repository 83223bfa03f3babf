"""Parity check of the Go AIM binary against the PyTorch reference (aim_ref.py).

For a few small configurations this builds the reference in float64 with random
weights (rounded to float32, which is what the checkpoint holds), writes an F32
safetensors checkpoint and float32 N(0, 1) images (one case uses N(0, 1e-6)
images so that the LayerNorm and target eps matter), runs

    AIM features --checkpoint CK --images X.npy --out F.npy [--layers 0,2]
    AIM loss --checkpoint CK --images X.npy --prefix S

and compares the results, then checks that bad inputs (image size not a
multiple of the patch, wrong channel count, prefix 0 or K, a block index out of
range) make the binary exit non-zero with an error message and no --out file.

    python3 reference/parity.py --aim ./aim [--workdir DIR]
    python3 reference/parity.py --self-check

--self-check needs no Go binary: it compares aim_ref against a deliberately
naive numpy implementation in this file (explicit token loops with a boolean
mask, slicing instead of a convolution, scalar sin/cos/erf), checks the
safetensors round trip and parameter names, and measures how far a float32 run
of the reference strays from float64, which is what sets the tolerance below.

Tolerance: a float32 implementation passes if max|got - ref| <= tol * (1 + max|ref|),
tol = 2e-5 by default (--tol). Float32 carries ~6e-8 relative rounding per
operation; through these shallow models the reference itself run in float32
stays within 5e-7 relative of float64 (the self-check prints the measured value
and requires 10x headroom), so a correct implementation has ~40x headroom. The
subtlest bug we planted, the tanh approximation of GELU, moves the features by
~1.2e-4 relative (it would only just fail at 1e-4); wrong orders, masks, eps or
position embeddings give 1e-3..1.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aim_ref  # noqa: E402
from aim_ref import AIMConfig  # noqa: E402

DEFAULT_TOL = 2e-5  # float32 implementation vs float64 reference
TOL_F64 = 1e-10  # two float64 implementations
BATCH = 5


@dataclass
class Case:
    """A test configuration. pixel_std < 1 shrinks the images and the patch-embedding
    bias so that the patch LayerNorm input and the target patches have variance
    ~pixel_std**2; at 1e-3 that is the size of the eps (1e-6), so a wrong eps shows."""
    cfg: AIMConfig
    pixel_std: float = 1.0


CASES = {
    "gray28": Case(AIMConfig(img_h=28, img_w=28, channels=1, patch=4, width=64, depth=3, heads=4,
                             head_width=32, head_depth=2)),
    "rgb32": Case(AIMConfig(img_h=32, img_w=32, channels=3, patch=8, width=96, depth=2, heads=3,
                            head_width=64, head_depth=1)),
    "wide16x24": Case(AIMConfig(img_h=16, img_w=24, channels=2, patch=4, width=32, depth=5, heads=2,
                                head_width=16, head_depth=2)),
    "tall12x8_lowvar": Case(AIMConfig(img_h=12, img_w=8, channels=3, patch=4, width=32, depth=2,
                                      heads=2, head_width=16, head_depth=1), pixel_std=1e-3),
}


# ----------------------------------------------------------------------------
# bookkeeping


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


class Report:
    def __init__(self):
        self.checks = []

    def add(self, name, ok, detail=""):
        self.checks.append(Check(name, bool(ok), detail))
        print(f"  {'PASS' if ok else 'FAIL'}  {name}  {detail}", flush=True)
        return ok

    def compare(self, name, got, ref, tol):
        """max abs error against tol*(1 + max|ref|); also prints the normwise relative error."""
        got = np.asarray(got, dtype=np.float64)
        ref = np.asarray(ref, dtype=np.float64)
        if got.shape != ref.shape:
            return self.add(name, False, f"shape {got.shape}, want {ref.shape}")
        scale = float(np.abs(ref).max())
        err = float(np.abs(got - ref).max())
        bound = tol * (1 + scale)
        ok = np.isfinite(got).all() and err <= bound
        return self.add(name, ok, f"max_abs={err:.3e} max_rel={err / max(scale, 1e-300):.3e} "
                                  f"(max|ref|={scale:.3g}, bound={bound:.2e})")

    def summary(self):
        failed = [c for c in self.checks if not c.ok]
        print()
        if failed:
            print(f"FAIL: {len(failed)} of {len(self.checks)} checks failed:")
            for c in failed:
                print(f"  {c.name}  {c.detail}")
        else:
            print(f"PASS: all {len(self.checks)} checks passed")
        return not failed


# ----------------------------------------------------------------------------
# test models and data


def random_model(cfg, gen, pixel_std=1.0):
    """Reference model in float64 whose weights are exactly float32-representable.

    LayerNorm weights 1 + 0.1*N(0,1), biases 0.1*N(0,1) (the patch-embedding bias
    times pixel_std), other weights N(0, 1/fan_in) so that activations stay O(1)
    through every layer.
    """
    model = aim_ref.AIM(cfg).double()

    def normal(t, std, mean=0.0):
        t.copy_(mean + std * torch.randn(t.shape, generator=gen))

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.LayerNorm):
                normal(module.weight, 0.1, mean=1.0)
                normal(module.bias, 0.1)
            elif isinstance(module, (nn.Linear, nn.Conv2d)):
                normal(module.weight, 1 / math.sqrt(module.weight[0].numel()))
                if module.bias is not None:
                    normal(module.bias, 0.1 * (pixel_std if isinstance(module, nn.Conv2d) else 1.0))
        for p in model.parameters():
            p.copy_(p.float().double())
    return model.eval()


def random_images(case, rng, n=BATCH, channels=None, h=None, w=None):
    cfg = case.cfg
    shape = (n, channels or cfg.channels, h or cfg.img_h, w or cfg.img_w)
    return (case.pixel_std * rng.standard_normal(shape)).astype(np.float32)


def save_checkpoint(path, model):
    tensors = {k: v.float() for k, v in model.state_dict().items()}
    aim_ref.save_safetensors(path, tensors, {"num_heads": str(model.cfg.heads)})


def layer_choices(cfg):
    """None (the binary's default) plus two explicit lists."""
    return [None, [0, cfg.depth - 1], [(cfg.depth - 1) // 2]]


def prefix_choices(cfg):
    k = cfg.num_patches
    return [1, k // 2, k - 1]


def fmt_layers(layers):
    return "default" if layers is None else ",".join(map(str, layers))


# ----------------------------------------------------------------------------
# a deliberately naive second implementation (numpy, float64, loops)


def expected_param_shapes(cfg):
    """Parameter names and shapes as the spec lists them."""
    d, w, p, c, r = cfg.width, cfg.head_width, cfg.patch, cfg.channels, cfg.mlp_ratio
    shapes = {
        "preprocessor.patchifier.proj.weight": (d, c, p, p),
        "preprocessor.patchifier.proj.bias": (d,),
        "preprocessor.patchifier.norm.weight": (d,),
        "preprocessor.patchifier.norm.bias": (d,),
        "trunk.post_trunk_norm.weight": (d,),
        "trunk.post_trunk_norm.bias": (d,),
        "decoder.proj.weight": (w, d),
        "decoder.proj.bias": (w,),
        "decoder.norm.weight": (w,),
        "decoder.norm.bias": (w,),
        "decoder.pred.weight": (p * p * c, w),
        "decoder.pred.bias": (p * p * c,),
    }
    for i in range(cfg.depth):
        b = f"trunk.blocks.{i}."
        shapes.update({b + "norm_1.weight": (d,), b + "norm_1.bias": (d,),
                       b + "attn.qkv.weight": (3 * d, d), b + "attn.proj.weight": (d, d),
                       b + "norm_2.weight": (d,), b + "norm_2.bias": (d,),
                       b + "mlp.fc1.weight": (r * d, d), b + "mlp.fc2.weight": (d, r * d)})
    for i in range(cfg.head_depth):
        b = f"decoder.blocks.{i}."
        shapes.update({b + "norm.weight": (w,), b + "norm.bias": (w,),
                       b + "mlp.fc1.weight": (r * w, w), b + "mlp.fc2.weight": (w, r * w)})
    return shapes


_erf = np.vectorize(math.erf)


def naive_gelu(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def naive_layer_norm(x, weight, bias):
    out = np.empty_like(x)
    for t in range(x.shape[0]):
        mu = sum(x[t]) / len(x[t])
        var = sum((x[t] - mu) ** 2) / len(x[t])
        out[t] = (x[t] - mu) / math.sqrt(var + 1e-6) * weight + bias
    return out


def naive_pos_embed(grid_h, grid_w, dim):
    q = dim // 4
    emb = np.zeros((grid_h * grid_w, dim))
    for row in range(grid_h):
        for col in range(grid_w):
            t = row * grid_w + col
            for i in range(q):
                omega = 1.0 / 10000 ** (i / q)
                emb[t, i] = math.sin(col * omega)
                emb[t, q + i] = math.cos(col * omega)
                emb[t, 2 * q + i] = math.sin(row * omega)
                emb[t, 3 * q + i] = math.cos(row * omega)
    return emb


class NaiveAIM:
    """One image at a time, every step spelled out; parameters as numpy float64."""

    def __init__(self, cfg, state):
        self.cfg = cfg
        self.P = {k: v.detach().double().numpy() for k, v in state.items()}

    def embed(self, image):
        cfg, P = self.cfg, self.P
        p = cfg.patch
        gh, gw = cfg.img_h // p, cfg.img_w // p
        wconv = P["preprocessor.patchifier.proj.weight"]
        tokens = np.zeros((gh * gw, cfg.width))
        for row in range(gh):
            for col in range(gw):
                patch = image[:, row * p:(row + 1) * p, col * p:(col + 1) * p]  # (C, p, p)
                for d in range(cfg.width):
                    tokens[row * gw + col, d] = np.sum(wconv[d] * patch)
        tokens += P["preprocessor.patchifier.proj.bias"]
        tokens = naive_layer_norm(tokens, P["preprocessor.patchifier.norm.weight"],
                                  P["preprocessor.patchifier.norm.bias"])
        return tokens + naive_pos_embed(gh, gw, cfg.width)

    def attention(self, x, prefix, b):
        cfg, P = self.cfg, self.P
        d, k = cfg.width, x.shape[0]
        dh = d // cfg.heads
        wqkv = P[b + "attn.qkv.weight"]
        q, key, v = x @ wqkv[:d].T, x @ wqkv[d:2 * d].T, x @ wqkv[2 * d:].T
        allowed = np.zeros((k, k), dtype=bool)
        for i in range(k):
            for j in range(k):
                allowed[i, j] = j < prefix or j <= i
        out = np.zeros((k, d))
        for h in range(cfg.heads):
            cols = slice(h * dh, (h + 1) * dh)
            for i in range(k):
                keys = [j for j in range(k) if allowed[i, j]]
                scores = np.array([q[i, cols] @ key[j, cols] / math.sqrt(dh) for j in keys])
                weights = np.exp(scores - scores.max())
                weights /= weights.sum()
                for wt, j in zip(weights, keys):
                    out[i, cols] += wt * v[j, cols]
        return out @ P[b + "attn.proj.weight"].T

    def mlp(self, x, b):
        return naive_gelu(x @ self.P[b + "mlp.fc1.weight"].T) @ self.P[b + "mlp.fc2.weight"].T

    def trunk(self, image, prefix):
        """Returns (post_trunk_norm output, raw outputs of every block) for one image."""
        P = self.P
        x = self.embed(image)
        raw = []
        for i in range(self.cfg.depth):
            b = f"trunk.blocks.{i}."
            x = x + self.attention(naive_layer_norm(x, P[b + "norm_1.weight"], P[b + "norm_1.bias"]), prefix, b)
            x = x + self.mlp(naive_layer_norm(x, P[b + "norm_2.weight"], P[b + "norm_2.bias"]), b)
            raw.append(x.copy())
        return naive_layer_norm(x, P["trunk.post_trunk_norm.weight"], P["trunk.post_trunk_norm.bias"]), raw

    def head(self, x):
        cfg, P = self.cfg, self.P
        x = x @ P["decoder.proj.weight"].T + P["decoder.proj.bias"]
        x = x + naive_pos_embed(cfg.img_h // cfg.patch, cfg.img_w // cfg.patch, cfg.head_width)
        for i in range(cfg.head_depth):
            b = f"decoder.blocks.{i}."
            x = x + self.mlp(naive_layer_norm(x, P[b + "norm.weight"], P[b + "norm.bias"]), b)
        x = naive_layer_norm(x, P["decoder.norm.weight"], P["decoder.norm.bias"])
        return x @ P["decoder.pred.weight"].T + P["decoder.pred.bias"]

    def features(self, images, layers):
        out = []
        for image in images:
            _, raw = self.trunk(image, self.cfg.num_patches)
            out.append(sum(raw[i] for i in layers) / len(layers))
        return np.stack(out)

    def target(self, image, t, norm_pix):
        """Patch t flattened in (pixel row, pixel column, channel) order."""
        cfg, p = self.cfg, self.cfg.patch
        gw = cfg.img_w // p
        row, col = divmod(t, gw)
        vals = []
        for pr in range(p):
            for pc in range(p):
                for ch in range(cfg.channels):
                    vals.append(image[ch, row * p + pr, col * p + pc])
        vals = np.array(vals)
        if norm_pix:
            vals = (vals - vals.mean()) / math.sqrt(vals.var(ddof=1) + 1e-6)
        return vals

    def loss(self, images, prefixes, norm_pix=True):
        total, count = 0.0, 0
        for image, s in zip(images, prefixes):
            x, _ = self.trunk(image, s)
            pred = self.head(x)
            for j in range(1, self.cfg.num_patches):
                if j >= s:
                    total += np.mean((pred[j - 1] - self.target(image, j, norm_pix)) ** 2)
                    count += 1
        return total / count


# ----------------------------------------------------------------------------
# self-check: aim_ref against the naive implementation


def expect_value_error(report, name, fn):
    try:
        fn()
    except ValueError as e:
        return report.add(name, True, f"ValueError: {e}")
    return report.add(name, False, "no error raised")


def self_check_config(report, name, case, workdir, gen, rng, tol):
    cfg = case.cfg
    print(f"[{name}] {cfg} pixel_std={case.pixel_std}")
    model = random_model(cfg, gen, case.pixel_std)
    naive = NaiveAIM(cfg, model.state_dict())
    images_np = random_images(case, rng).astype(np.float64)
    images = torch.from_numpy(images_np)
    k = cfg.num_patches

    shapes = {n: tuple(t.shape) for n, t in model.state_dict().items()}
    report.add(f"{name} parameter names and shapes", shapes == expected_param_shapes(cfg),
               f"{len(shapes)} tensors")

    path = os.path.join(workdir, f"{name}.safetensors")
    save_checkpoint(path, model)
    state, metadata = aim_ref.load_safetensors(path)
    loaded = aim_ref.from_state_dict(state, metadata, cfg.img_h, cfg.img_w)
    same = all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    report.add(f"{name} safetensors round trip + inferred config", loaded.cfg == cfg and same,
               f"inferred {loaded.cfg}" if loaded.cfg != cfg else "")

    model32 = aim_ref.from_state_dict(state, metadata, cfg.img_h, cfg.img_w, dtype=torch.float32)
    with torch.no_grad():
        for layers in layer_choices(cfg):
            chosen = model.default_layers() if layers is None else layers
            ref = loaded.features(images, layers).numpy()
            report.compare(f"{name} features layers={fmt_layers(layers)} vs naive", ref,
                           naive.features(images_np, chosen), TOL_F64)
            report.compare(f"{name} features layers={fmt_layers(layers)} float32 vs float64",
                           model32.features(images.float(), layers).numpy(), ref, tol / 10)
        for s in prefix_choices(cfg):
            ref = loaded.pretrain_loss(images, s).item()
            report.compare(f"{name} loss prefix={s} vs naive", ref, naive.loss(images_np, [s] * BATCH), TOL_F64)
            report.compare(f"{name} loss prefix={s} float32 vs float64",
                           model32.pretrain_loss(images.float(), s).item(), ref, tol / 10)
        mixed = torch.from_numpy(rng.integers(1, k, size=BATCH))
        report.compare(f"{name} loss per-sample prefix={mixed.tolist()} vs naive",
                       loaded.pretrain_loss(images, mixed).item(),
                       naive.loss(images_np, mixed.tolist()), TOL_F64)
        report.compare(f"{name} loss raw pixels prefix={k // 2} vs naive",
                       loaded.pretrain_loss(images, k // 2, norm_pix=False).item(),
                       naive.loss(images_np, [k // 2] * BATCH, norm_pix=False), TOL_F64)

        bad_size = torch.from_numpy(random_images(case, rng, h=cfg.img_h + 1).astype(np.float64))
        bad_channels = torch.from_numpy(random_images(case, rng, channels=cfg.channels + 1).astype(np.float64))
        expect_value_error(report, f"{name} rejects image size", lambda: loaded.features(bad_size))
        expect_value_error(report, f"{name} rejects channel count", lambda: loaded.features(bad_channels))
        expect_value_error(report, f"{name} rejects prefix 0", lambda: loaded.pretrain_loss(images, 0))
        expect_value_error(report, f"{name} rejects prefix K", lambda: loaded.pretrain_loss(images, k))
        expect_value_error(report, f"{name} rejects layer {cfg.depth}",
                           lambda: loaded.features(images, [cfg.depth]))


def self_check(workdir, seed, tol):
    report = Report()
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    for name, case in CASES.items():
        self_check_config(report, name, case, workdir, gen, rng, tol)
    return report.summary()


# ----------------------------------------------------------------------------
# the Go binary against aim_ref


def run_cli(aim, args, timeout):
    cmd = [aim] + [str(a) for a in args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout}s"
    except OSError as e:
        return None, "", f"cannot run {aim}: {e}"
    return proc.returncode, proc.stdout, proc.stderr


def short(text, limit=200):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def go_features(report, label, aim, ck, images_path, out, layers, timeout):
    """Runs `aim features`; returns the array or None (after recording a FAIL)."""
    if os.path.exists(out):
        os.remove(out)
    args = ["features", "--checkpoint", ck, "--images", images_path, "--out", out]
    if layers is not None:
        args += ["--layers", fmt_layers(layers)]
    rc, _, err = run_cli(aim, args, timeout)
    if rc != 0:
        report.add(label, False, f"exit {rc}: {short(err)}")
        return None
    try:
        arr = np.load(out)
    except (OSError, ValueError) as e:
        report.add(label, False, f"exit 0 but cannot read {out}: {e}")
        return None
    if arr.dtype != np.float32:
        report.add(label, False, f"dtype {arr.dtype}, want float32")
        return None
    return arr


def go_loss(report, label, aim, ck, images_path, prefix, timeout):
    rc, out, err = run_cli(aim, ["loss", "--checkpoint", ck, "--images", images_path, "--prefix", prefix], timeout)
    if rc != 0:
        report.add(label, False, f"exit {rc}: {short(err)}")
        return None
    try:
        return float(json.loads(out)["loss"])
    except (ValueError, KeyError, TypeError) as e:
        report.add(label, False, f"stdout is not a JSON object with 'loss' ({e}): {short(out)}")
        return None


def expect_cli_error(report, label, aim, args, out, timeout):
    """The binary must exit non-zero, print something, and leave no --out file."""
    if out and os.path.exists(out):
        os.remove(out)
    rc, stdout, stderr = run_cli(aim, args, timeout)
    problems = []
    if rc is None or rc == 0:
        problems.append(f"exit status {rc}")
    if not (stdout + stderr).strip():
        problems.append("no error message")
    if out and os.path.exists(out):
        problems.append(f"created {out}")
    report.add(label, not problems, "; ".join(problems) or f"exit {rc}: {short(stderr or stdout, 120)}")


def go_check_config(report, name, case, aim, workdir, gen, rng, timeout, tol):
    cfg = case.cfg
    print(f"[{name}] {cfg} pixel_std={case.pixel_std}")
    model = random_model(cfg, gen, case.pixel_std)
    ck = os.path.join(workdir, f"{name}.safetensors")
    save_checkpoint(ck, model)
    images_np = random_images(case, rng)
    images_path = os.path.join(workdir, f"{name}_images.npy")
    np.save(images_path, images_np)
    images = torch.from_numpy(images_np).double()
    out = os.path.join(workdir, f"{name}_features.npy")
    k = cfg.num_patches

    with torch.no_grad():
        for layers in layer_choices(cfg):
            label = f"{name} features layers={fmt_layers(layers)}"
            got = go_features(report, label, aim, ck, images_path, out, layers, timeout)
            if got is not None:
                report.compare(label, got, model.features(images, layers).numpy(), tol)
        for s in prefix_choices(cfg):
            label = f"{name} loss prefix={s}"
            got = go_loss(report, label, aim, ck, images_path, s, timeout)
            if got is not None:
                report.compare(label, got, model.pretrain_loss(images, s).item(), tol)

    bad = {"image size": random_images(case, rng, h=cfg.img_h + 1),
           "channel count": random_images(case, rng, channels=cfg.channels + 1)}
    for what, arr in bad.items():
        path = os.path.join(workdir, f"{name}_bad_{what.replace(' ', '_')}.npy")
        np.save(path, arr)
        expect_cli_error(report, f"{name} features rejects {what} {arr.shape[1:]}", aim,
                         ["features", "--checkpoint", ck, "--images", path, "--out", out], out, timeout)
        expect_cli_error(report, f"{name} loss rejects {what} {arr.shape[1:]}", aim,
                         ["loss", "--checkpoint", ck, "--images", path, "--prefix", 1], None, timeout)
    for s in (0, k):
        expect_cli_error(report, f"{name} loss rejects prefix {s}", aim,
                         ["loss", "--checkpoint", ck, "--images", images_path, "--prefix", s], None, timeout)
    expect_cli_error(report, f"{name} features rejects layer {cfg.depth}", aim,
                     ["features", "--checkpoint", ck, "--images", images_path, "--out", out,
                      "--layers", cfg.depth], out, timeout)


def go_check(aim, workdir, seed, timeout, tol):
    report = Report()
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    for name, case in CASES.items():
        go_check_config(report, name, case, aim, workdir, gen, rng, timeout, tol)
    return report.summary()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aim", help="path to the Go aim binary")
    parser.add_argument("--self-check", action="store_true",
                        help="check aim_ref against the naive implementation (no binary needed)")
    parser.add_argument("--workdir", help="where checkpoints and .npy files go (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tol", type=float, default=DEFAULT_TOL,
                        help="pass if max|got - ref| <= tol * (1 + max|ref|)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per binary invocation")
    args = parser.parse_args()
    if not args.self_check and not args.aim:
        parser.error("give --aim PATH or --self-check")
    if args.aim and not args.self_check and not os.access(args.aim, os.X_OK):
        parser.error(f"--aim {args.aim}: not an executable file")

    workdir = args.workdir or tempfile.mkdtemp(prefix="aim_parity_")
    os.makedirs(workdir, exist_ok=True)
    print(f"workdir: {workdir}")
    if args.self_check:
        ok = self_check(workdir, args.seed, args.tol)
    else:
        ok = go_check(args.aim, workdir, args.seed, args.timeout, args.tol)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
