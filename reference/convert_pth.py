"""Converts Apple's released AIM torch.hub checkpoints (.pth) to one safetensors file.

ml-aim publishes each classifier as two PyTorch files: the backbone (preprocessor.*
and trunk.* tensors) and an ImageNet attentive-probe head (head.*), the head trained
either on the last 6 blocks or on the best blocks (e.g. 14-19 of AIM-0.6B). This
script merges them, as ml-aim's merge_state_dicts does, into the safetensors layout
`aim features` and `aim classify` read, and records the head's blocks in the file's
metadata (probe_layers), since the .pth files do not say which they are.

    python3 convert_pth.py --backbone aim_600m_2bimgs_attnprobe_backbone.pth \\
        --head aim_600m_2bimgs_attnprobe_head_best_layers.pth --layers best \\
        --out aim-600m.safetensors [--dtype bf16]

--layers is "last" (the last 6 blocks, or all of a shallower trunk), "best"
(ml-aim's best blocks for the model's width) or a comma-separated list of
blocks, 0-based or counted from the end as in Python (-1 is the last block);
they are recorded 0-based, each once, in the order given.
The files are read with torch.load(..., weights_only=True): tensors and plain
data only, no pickled code runs; a file holding other objects is refused.
Needs PyTorch >= 1.13 (Debian's python3-torch).
"""

import argparse
import json
import os
import pickle
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aim_ref import save_safetensors  # noqa: E402

# ml-aim's best blocks per model, by trunk width (aim/v1/constants.py).
BEST_LAYERS = {1536: [14, 15, 16, 17, 18, 19], 2048: [12, 13, 14, 15, 16, 17],
               3072: [12, 13, 14, 15, 16, 17], 4096: [14, 15, 16, 17, 18, 19]}
LAST_LAYERS = 6
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


# What torch.load(weights_only=True) says before the reason it refused a file.
_UNPICKLER_ERROR = "WeightsUnpickler error: "


def refusal(path, err):
    """The one-line error of a file torch.load(weights_only=True) refused,
    without PyTorch's advice to load it unsafely."""
    reason = str(err).split(_UNPICKLER_ERROR, 1)[-1].strip().splitlines()
    reason = reason[0] if reason else type(err).__name__
    if reason.startswith(("Unsupported class", "Unsupported global")):
        return (f"{path}: holds objects other than tensors and plain data ({reason}); "
                "refused for safety, nothing in it was run")
    return f"{path}: not a PyTorch state dict that can be read safely ({reason})"


def load_state(path):
    """Reads a .pth state dict without running pickled code."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise ValueError(refusal(path, e)) from None
    except EOFError:
        raise ValueError(f"{path}: empty or cut short, not a PyTorch state dict") from None
    for key in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise ValueError(f"{path}: not a state dict of tensors")
    return obj


def depth_and_width(state):
    width = state["preprocessor.patchifier.proj.weight"].shape[0]
    depth = sum(1 for n in state if n.startswith("trunk.blocks.") and n.endswith(".norm_1.weight"))
    return depth, width


def probe_layers(spec, depth, width):
    """The 0-based blocks --layers names for a trunk of depth blocks."""
    if spec == "last":
        return check_blocks("--layers last", list(range(max(depth - LAST_LAYERS, 0), depth)), depth)
    if spec == "best":
        if width not in BEST_LAYERS:
            raise ValueError(f"no best layers known for width {width}: give them as a list")
        return check_blocks(f"--layers best (width {width})", BEST_LAYERS[width], depth)
    try:
        layers = [int(x) for x in spec.split(",")]
    except ValueError:
        raise ValueError(f"--layers {spec}: expected last, best or a comma-separated list of blocks") from None
    return check_blocks(f"--layers {spec}", layers, depth)


def check_blocks(what, layers, depth):
    """Blocks in [-depth, depth), negative ones counted from the end, made
    0-based; refuses an empty list and a block named twice."""
    out = []
    for i in layers:
        if not -depth <= i < depth:
            raise ValueError(f"{what}: block {i} is outside the trunk's {depth} blocks "
                             f"(0 to {depth - 1}, or -{depth} to -1 from the end)")
        block = i % depth
        if block in out:
            raise ValueError(f"{what}: block {block} is named twice")
        out.append(block)
    if not out:
        raise ValueError(f"{what}: no blocks")
    return out


def merge(backbone, head):
    overlap = set(backbone) & set(head)
    if overlap:
        raise ValueError(f"backbone and head both hold {sorted(overlap)}")
    if not any(n.startswith("head.") for n in head):
        raise ValueError("the head file holds no head.* tensors")
    return {**backbone, **head}


def convert(state, dtype):
    out = {}
    for name, t in state.items():
        if t.is_floating_point():
            t = t.to(dtype)
        out[name] = t.contiguous()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbone", required=True, help="the backbone .pth (preprocessor.*, trunk.*)")
    parser.add_argument("--head", help="the head .pth (head.*); omit for a trunk only")
    parser.add_argument("--layers", default="last", help="last, best or a list of 0-based blocks")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="f32")
    parser.add_argument("--out", required=True, help="output .safetensors")
    args = parser.parse_args(argv)
    try:
        state = load_state(args.backbone)
        metadata = {}
        if args.head:
            state = merge(state, load_state(args.head))
            depth, width = depth_and_width(state)
            metadata["probe_layers"] = json.dumps(probe_layers(args.layers, depth, width))
        tmp = args.out + ".tmp"
        save_safetensors(tmp, convert(state, DTYPES[args.dtype]), metadata)
        os.replace(tmp, args.out)
    except (ValueError, KeyError, OSError, RuntimeError) as e:
        print(f"convert_pth: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {len(state)} tensors, {args.dtype}, metadata {metadata}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
