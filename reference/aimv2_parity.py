"""Parity check of the Go aim binary's AIMv2 support against aimv2_ref.py.

For small AIMv2 encoders with random weights (rounded to float32, or to
bfloat16 for the BF16 case), written under ml-aim's names and under
transformers' names with the hub's config.json beside them, this runs

    AIM features --checkpoint CK --images X.npy --out F.npy

(the BF16 file also sharded, from its index JSON and from a shard) and
requires max|got - ref| <= 1e-4 * max|ref| against the float64 reference
(the features are the post-trunk RMSNorm of every token). The native model
runs at two non-square sizes, and on two PNG photos of other aspect ratios
in one run without --size: each at its own size (the shorter side to the
config's image_size, both sides rounded to the nearest multiple of the patch,
as native_size computes it), resized by torchvision and normalised with
CLIP's statistics, then mean-pooled (--pool mean); per-token output of the
two must be refused. Then bad inputs (a missing or misshapen tensor,
a config.json that disagrees with the tensors, an image whose sides are not
multiples of the patch) must fail with a message naming the tensor, key or
size, and leave no output.

    python3 reference/aimv2_parity.py --aim ./aim [--workdir DIR] [--full-size]

--full-size checks AIMv2-L/224 (1024 wide, 24 blocks, 14x14 patches) instead,
under transformers' names: heavier (a few GB and minutes), run on demand.
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
import aimv2_ref as ref  # noqa: E402
from aim_ref import save_safetensors  # noqa: E402
from preprocess_ref import eval_transform, load  # noqa: E402

TOL = 1e-4  # relative to max|ref|
SMALL = dict(img_h=28, img_w=28, channels=3, patch=4, width=64, depth=2, heads=2, hidden=88)
NATIVE = dict(img_h=16, img_w=16, channels=3, patch=4, width=32, depth=2, heads=1, hidden=40, native=True)

# name, config, naming scheme, dtype, config.json?, image sizes
CASES = [
    ("learned-mlaim", ref.V2Config(**SMALL), "aim", "F32", True, [(28, 28)]),
    ("learned-hub", ref.V2Config(**SMALL), "hub", "F32", True, [(28, 28)]),
    ("learned-hub-bf16", ref.V2Config(**SMALL), "hub", "BF16", True, [(28, 28)]),
    ("native-hub", ref.V2Config(**NATIVE), "hub", "F32", True, [(16, 24), (28, 12)]),
    ("native-mlaim-noconfig", ref.V2Config(img_h=16, img_w=16, channels=3, patch=4, width=256, depth=1, heads=2,
                                           hidden=300, native=True), "aim", "F32", False, [(12, 20)]),
]
FULL = ("aimv2-large-patch14-224-hub", ref.V2Config(), "hub", "F32", True, [(224, 224)])


def write_model(case, workdir, seed):
    name, cfg, scheme, dtype, with_config, _ = case
    model = ref.Encoder(cfg).double()
    ref.randomize(model, seed)
    state = ref.hub_state_dict(model) if scheme == "hub" else ref.aim_state_dict(model)
    rounding = torch.bfloat16 if dtype == "BF16" else torch.float32
    state = {k: v.to(rounding) for k, v in state.items()}
    # the reference runs on exactly the stored values
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(rounding).double())
    folder = os.path.join(workdir, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.safetensors")
    save_safetensors(path, state)
    if with_config:
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(ref.hub_config(cfg, scheme), f)
    return model, path, state


def shard(path, state, workdir, name):
    """Writes state as the hub shards a large checkpoint: two files and
    model.safetensors.index.json beside them, in a folder of their own with
    path's config.json; returns (index, first shard)."""
    folder = os.path.join(workdir, name)
    os.makedirs(folder, exist_ok=True)
    names = sorted(state)
    parts = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for i, part in enumerate(parts):
        file = f"model-{i + 1:05d}-of-{len(parts):05d}.safetensors"
        save_safetensors(os.path.join(folder, file), {n: state[n] for n in part})
        weight_map.update({n: file for n in part})
    index = os.path.join(folder, "model.safetensors.index.json")
    with open(index, "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)
    with open(os.path.join(os.path.dirname(path), "config.json")) as src, \
            open(os.path.join(folder, "config.json"), "w") as dst:
        dst.write(src.read())
    return index, os.path.join(folder, "model-00001-of-00002.safetensors")


def run_aim(aim, args):
    return subprocess.run([aim] + args, capture_output=True, text=True)


def check_features(aim, model, ckpt, size, workdir, tag, seed):
    h, w = size
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((2, model.cfg.channels, h, w)).astype(np.float32)
    x, out = os.path.join(workdir, f"{tag}-x.npy"), os.path.join(workdir, f"{tag}-f.npy")
    np.save(x, images)
    r = run_aim(aim, ["features", "--checkpoint", ckpt, "--images", x, "--out", out])
    if r.returncode != 0:
        raise SystemExit(f"{tag}: aim features failed:\n{r.stderr}")
    got = np.load(out).astype(np.float64)
    with torch.no_grad():
        want = model(torch.from_numpy(images).double()).numpy()
    if got.shape != want.shape:
        raise SystemExit(f"{tag}: features {got.shape}, reference {want.shape}")
    err, scale = np.abs(got - want).max(), np.abs(want).max()
    print(f"{tag} {h}x{w}: max|diff| {err:.3g}, max|ref| {scale:.3g}, ratio {err / scale:.3g}")
    if not err <= TOL * scale:
        raise SystemExit(f"{tag}: features differ from the reference by {err:.3g} > {TOL} * {scale:.3g}")


def native_size(w, h, side, patch, max_patches=4096):
    """The size (height, width) at which the native model takes a w x h
    photo: the shorter side to side and the longer in proportion, each to the
    nearest multiple of patch (halves up), at least one patch; the shorter
    side at most sqrt(max_patches) patches, the longer at most max_patches
    over the shorter's."""
    short = min(w, h)

    def patches(length):  # round(length * side / short / patch), in integers
        return max(1, (2 * length * side + patch * short) // (2 * patch * short))

    gs = min(patches(short), math.isqrt(max_patches))
    gl = max(gs, min(patches(max(w, h)), max_patches // gs))
    return (gl * patch, gs * patch) if w < h else (gs * patch, gl * patch)


def check_native_photos(aim, model, ckpt, workdir, seed):
    """Two PNG photos of other aspect ratios than the model's, in one run
    without --size: each at its own size, mean-pooled."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    photos = []
    for i, (w, h) in enumerate([(50, 30), (30, 70)]):
        path = os.path.join(workdir, f"native-photo-{i}.png")
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)
        photos.append(path)
    out = os.path.join(workdir, "native-photos.npy")
    r = run_aim(aim, ["features", "--checkpoint", ckpt, "--pool", "mean", "--out", out] + photos)
    if r.returncode != 0:
        raise SystemExit(f"native photos: aim features failed:\n{r.stderr}")
    got = np.load(out).astype(np.float64)
    sizes = []
    for i, path in enumerate(photos):
        img = load(path, False)
        h, w = native_size(img.width, img.height, model.cfg.img_h, model.cfg.patch)
        sizes.append(f"{img.width}x{img.height} -> {w}x{h}")
        x = eval_transform(None, None, True, "clip", exact=(h, w))(img).unsqueeze(0).double()
        with torch.no_grad():
            want = model(x).mean(dim=1)[0].numpy()
        err, scale = np.abs(got[i] - want).max(), np.abs(want).max()
        print(f"native photo {sizes[-1]}: max|diff| {err:.3g}, max|ref| {scale:.3g}, ratio {err / scale:.3g}")
        if not err <= TOL * scale:
            raise SystemExit(f"native photo {path}: pooled features differ from the reference by {err:.3g} > {TOL} * {scale:.3g}")
    tokens = os.path.join(workdir, "native-tokens.npy")
    r = run_aim(aim, ["features", "--checkpoint", ckpt, "--out", tokens] + photos)
    if r.returncode == 0 or os.path.exists(tokens) or "--pool mean" not in r.stderr:
        raise SystemExit(f"native photos: per-token features of two grids were not refused:\n{r.stderr}")
    print(f"native photos, per-token output of two grids: refused: {r.stderr.strip().splitlines()[0]}")


def expect_failure(aim, what, ckpt, images, workdir, needles):
    out = os.path.join(workdir, "bad-f.npy")
    r = run_aim(aim, ["features", "--checkpoint", ckpt, "--images", images, "--out", out])
    if r.returncode == 0 or os.path.exists(out):
        raise SystemExit(f"{what}: aim features succeeded or left {out}")
    if "panic" in r.stderr or not all(n in r.stderr for n in needles):
        raise SystemExit(f"{what}: the error does not name {needles}:\n{r.stderr}")
    print(f"{what}: refused: {r.stderr.strip().splitlines()[-1]}")


def bad_inputs(aim, workdir):
    case = CASES[1]
    _, cfg, _, _, _, _ = case
    model, good, state = write_model(("bad-base",) + case[1:], workdir, 7)
    images = os.path.join(workdir, "bad-x.npy")
    np.save(images, np.zeros((1, 3, 28, 28), np.float32))
    folder = os.path.dirname(good)

    def variant(name, change_state=None, change_config=None):
        d = os.path.join(workdir, name)
        os.makedirs(d, exist_ok=True)
        s = dict(state)
        if change_state:
            change_state(s)
        save_safetensors(os.path.join(d, "model.safetensors"), s)
        with open(os.path.join(folder, "config.json")) as f:
            c = json.load(f)
        if change_config:
            change_config(c)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f)
        return os.path.join(d, "model.safetensors")

    up = "encoder.layers.1.ffn.up_proj.weight"
    expect_failure(aim, "missing tensor", variant("missing", lambda s: s.pop(up)), images, workdir, [up])
    down = "encoder.layers.0.ffn.down_proj.weight"
    expect_failure(aim, "misshapen tensor", variant("misshapen", lambda s: s.__setitem__(down, s[down].t().contiguous())),
                   images, workdir, [down, "shape"])
    q = "encoder.layers.0.attention.q_proj.weight"
    expect_failure(aim, "missing q", variant("missing-q", lambda s: s.pop(q)), images, workdir, [q])
    expect_failure(aim, "config.json width", variant("config", change_config=lambda c: c.__setitem__("hidden_size", 96)),
                   images, workdir, ["config.json", "hidden_size 96"])
    expect_failure(aim, "config.json native", variant("native", change_config=lambda c: c.__setitem__("is_native", True)),
                   images, workdir, ["config.json", "is_native"])
    odd = os.path.join(workdir, "odd-x.npy")
    np.save(odd, np.zeros((1, 3, 30, 28), np.float32))
    expect_failure(aim, "image size", good, odd, workdir, ["30"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aim", required=True, help="the Go aim binary")
    ap.add_argument("--workdir", help="scratch directory (default: a temporary one)")
    ap.add_argument("--full-size", action="store_true", help="check AIMv2-L/224 instead of the small cases")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="aimv2-parity-")
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    cases = [FULL] if args.full_size else CASES
    for i, case in enumerate(cases):
        model, ckpt, state = write_model(case, workdir, 100 + i)
        for j, size in enumerate(case[5]):
            check_features(args.aim, model, ckpt, size, workdir, case[0], 200 + 10 * i + j)
        if case[0] == "native-hub":
            check_native_photos(args.aim, model, ckpt, workdir, 400 + i)
        if case[3] == "BF16":  # the same file sharded, read from its index and from a shard
            for path in shard(ckpt, state, workdir, case[0] + "-sharded"):
                check_features(args.aim, model, path, case[5][0], workdir, case[0] + "-sharded", 300 + i)
    if not args.full_size:
        bad_inputs(args.aim, workdir)
    print("AIMv2 parity: all checks passed")


if __name__ == "__main__":
    main()
