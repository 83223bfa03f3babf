"""PyTorch reference implementation of AIM v1 (arXiv 2401.08541).

Written from docs/spec.md alone and used to check the Go implementation.

The model is a preprocessor -> trunk -> decoder triple whose parameter names
match Apple's ml-aim state_dict for the trunk (the prediction head is named
``decoder.*``):

    preprocessor.patchifier.proj   Conv2d(C, D, p, stride p), with bias
    preprocessor.patchifier.norm   LayerNorm(D)         (+ fixed 2D sin-cos pos embed)
    trunk.blocks.{i}               pre-norm block: x += Attn(LN1(x)); x += MLP(LN2(x))
    trunk.post_trunk_norm          LayerNorm(D)
    decoder.proj                   Linear(D, W), with bias  (+ fixed 2D sin-cos pos embed)
    decoder.blocks.{i}             x += MLP(LN(x))
    decoder.norm, decoder.pred     LayerNorm(W), Linear(W, p*p*C) with bias

Tokens are in raster order over the patch grid. Pixel-space vectors (the
prediction and the targets) are in (pixel row, pixel column, channel) order.

Also here: safetensors read/write without the safetensors package, an
architecture-inferring ``from_state_dict``, and a small CLI with the same
interface as the Go ``aim`` binary:

    python3 aim_ref.py features --checkpoint CK.safetensors --images X.npy --out F.npy [--layers 0,2]
    python3 aim_ref.py loss --checkpoint CK.safetensors --images X.npy --prefix S
"""

import argparse
import json
import math
import struct
import sys
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-6
TARGET_EPS = 1e-6


@dataclass
class AIMConfig:
    img_h: int = 224
    img_w: int = 224
    channels: int = 3
    patch: int = 14
    width: int = 1536
    depth: int = 24
    heads: int = 12
    mlp_ratio: int = 4
    head_width: int = 2048
    head_depth: int = 12

    def validate(self):
        if self.img_h % self.patch or self.img_w % self.patch:
            raise ValueError(f"image {self.img_h}x{self.img_w} is not a multiple of patch {self.patch}")
        if self.width % self.heads:
            raise ValueError(f"width {self.width} is not divisible by heads {self.heads}")
        if self.width % 4 or self.head_width % 4:
            raise ValueError("width and head_width must be multiples of 4 (2D sin-cos embedding)")

    @property
    def grid(self):
        return self.img_h // self.patch, self.img_w // self.patch

    @property
    def num_patches(self):
        gh, gw = self.grid
        return gh * gw

    @property
    def patch_dim(self):
        return self.patch * self.patch * self.channels


# ----------------------------------------------------------------------------
# fixed functions: position embedding, mask, patchify


def sincos_pos_embed_2d(grid_h, grid_w, dim, dtype=torch.float64):
    """(grid_h*grid_w, dim) embedding in raster order.

    First dim/2 channels encode the column index, the last dim/2 the row index;
    each half is [sin(pos*w), cos(pos*w)] with w_i = 1/10000^(i/(dim/4)).
    """
    quarter = dim // 4
    omega = 1.0 / 10000 ** (torch.arange(quarter, dtype=torch.float64) / quarter)
    rows, cols = torch.meshgrid(torch.arange(grid_h, dtype=torch.float64),
                                torch.arange(grid_w, dtype=torch.float64), indexing="ij")

    def half(pos):
        angles = pos.reshape(-1, 1) * omega  # (K, dim/4)
        return torch.cat([angles.sin(), angles.cos()], dim=1)

    return torch.cat([half(cols), half(rows)], dim=1).to(dtype)


def prefix_causal_mask(num_tokens, prefix):
    """Boolean (N, K, K) mask: query i may attend key j iff j < S or j <= i."""
    idx = torch.arange(num_tokens, device=prefix.device)
    causal = idx[None, :] <= idx[:, None]  # [i, j] = j <= i
    in_prefix = idx[None, None, :] < prefix[:, None, None]
    return causal[None] | in_prefix


def prefix_lengths(prefix, batch, lo, hi):
    """An int or per-sample tensor -> (N,) long tensor, each checked to be in [lo, hi]."""
    s = torch.as_tensor(prefix, dtype=torch.long).flatten()
    s = s.expand(batch) if s.numel() == 1 else s
    if s.numel() != batch:
        raise ValueError(f"got {s.numel()} prefix lengths for a batch of {batch}")
    if (s < lo).any() or (s > hi).any():
        raise ValueError(f"prefix {s.tolist()} outside [{lo}, {hi}]")
    return s


def sequence_order(name, rows, cols):
    """The grid position (raster index) of each sequence position for the patch
    orders of the paper's ablation: raster; spiral, clockwise from the top-left
    corner inwards; checkerboard, the squares with even row+column in raster
    order, then the odd ones."""
    grid = [[r * cols + c for c in range(cols)] for r in range(rows)]
    if name == "raster":
        return [i for row in grid for i in row]
    if name == "checkerboard":
        return [grid[r][c] for parity in (0, 1) for r in range(rows) for c in range(cols) if (r + c) % 2 == parity]
    if name != "spiral":
        raise ValueError(f"unknown patch order {name}")
    out = []
    while grid:  # peel the top row, then rotate the rest counter-clockwise
        out += grid.pop(0)
        grid = [list(row) for row in zip(*grid)][::-1]
    return out


def patchify(images, patch):
    """(N, C, H, W) -> (N, K, p*p*C), raster token order, (row, col, channel) inside a patch."""
    n, c, h, w = images.shape
    x = images.reshape(n, c, h // patch, patch, w // patch, patch)
    x = x.permute(0, 2, 4, 3, 5, 1)  # (N, gh, gw, prow, pcol, C)
    return x.reshape(n, (h // patch) * (w // patch), patch * patch * c)


# ----------------------------------------------------------------------------
# layers


class MLP(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden, bias=False)
        self.fc2 = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # exact (erf) GELU


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x, mask):
        n, k, d = x.shape
        qkv = self.qkv(x).reshape(n, k, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, key, v = qkv[0], qkv[1], qkv[2]  # (N, heads, K, d_head)
        scores = q @ key.transpose(-2, -1) / math.sqrt(d // self.heads)
        scores = scores.masked_fill(~mask[:, None], float("-inf"))
        out = scores.softmax(dim=-1) @ v
        return self.proj(out.transpose(1, 2).reshape(n, k, d))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm_1 = nn.LayerNorm(dim, eps=LN_EPS)
        self.attn = Attention(dim, heads)
        self.norm_2 = nn.LayerNorm(dim, eps=LN_EPS)
        self.mlp = MLP(dim, mlp_ratio * dim)

    def forward(self, x, mask):
        x = x + self.attn(self.norm_1(x), mask)
        return x + self.mlp(self.norm_2(x))


class PatchEmbed(nn.Module):
    def __init__(self, channels, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(channels, dim, patch, stride=patch)
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)

    def forward(self, images):
        x = self.proj(images).flatten(2).transpose(1, 2)  # (N, K, D), raster order
        return self.norm(x)


class Preprocessor(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.grid = cfg.grid
        self.patchifier = PatchEmbed(cfg.channels, cfg.patch, cfg.width)

    def forward(self, images):
        x = self.patchifier(images)
        return x + sincos_pos_embed_2d(*self.grid, x.shape[-1], x.dtype).to(x.device)


class Trunk(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.blocks = nn.ModuleList(Block(cfg.width, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth))
        self.post_trunk_norm = nn.LayerNorm(cfg.width, eps=LN_EPS)

    def forward(self, x, mask):
        """Returns the normalised output and the raw output of every block."""
        raw = []
        for block in self.blocks:
            x = block(x, mask)
            raw.append(x)
        return self.post_trunk_norm(x), raw


class HeadBlock(nn.Module):
    def __init__(self, dim, mlp_ratio):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.mlp = MLP(dim, mlp_ratio * dim)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class Decoder(nn.Module):
    """The per-token MLP prediction head (no attention)."""

    def __init__(self, cfg):
        super().__init__()
        self.grid = cfg.grid
        self.proj = nn.Linear(cfg.width, cfg.head_width)
        self.blocks = nn.ModuleList(HeadBlock(cfg.head_width, cfg.mlp_ratio) for _ in range(cfg.head_depth))
        self.norm = nn.LayerNorm(cfg.head_width, eps=LN_EPS)
        self.pred = nn.Linear(cfg.head_width, cfg.patch_dim)

    def forward(self, x, order=None):
        x = self.proj(x)
        pos = sincos_pos_embed_2d(*self.grid, x.shape[-1], x.dtype).to(x.device)
        x = x + (pos if order is None else pos[order])
        for block in self.blocks:
            x = block(x)
        return self.pred(self.norm(x))


# ----------------------------------------------------------------------------
# the model


class AIM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.preprocessor = Preprocessor(cfg)
        self.trunk = Trunk(cfg)
        self.decoder = Decoder(cfg)

    def check_images(self, images):
        c = self.cfg
        if images.dim() != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {tuple(images.shape)}")
        _, ch, h, w = images.shape
        if h % c.patch or w % c.patch:
            raise ValueError(f"image size {h}x{w} is not a multiple of patch {c.patch}")
        if (ch, h, w) != (c.channels, c.img_h, c.img_w):
            raise ValueError(f"images are {ch}x{h}x{w} (CxHxW), model expects "
                             f"{c.channels}x{c.img_h}x{c.img_w}")

    def forward(self, images, prefix):
        """Runs the trunk with a prefix-causal mask (prefix = K is bidirectional).

        Returns (post_trunk_norm output, list of raw block outputs), each (N, K, D).
        """
        self.check_images(images)
        k = self.cfg.num_patches
        s = prefix_lengths(prefix, images.shape[0], 0, k).to(images.device)
        return self.trunk(self.preprocessor(images), prefix_causal_mask(k, s))

    def default_layers(self):
        """ml-aim's default: the last quarter of the blocks (rounded up)."""
        depth = self.cfg.depth
        return list(range(depth - math.ceil(depth / 4), depth))

    def features(self, images, layers=None):
        """Mean of the raw (pre post_trunk_norm) outputs of the chosen 0-based blocks,
        with the trunk run bidirectionally. Returns (N, K, D)."""
        layers = self.default_layers() if layers is None else list(layers)
        if not layers or any(not 0 <= i < self.cfg.depth for i in layers):
            raise ValueError(f"layers {layers} must be a non-empty list in [0, {self.cfg.depth})")
        _, raw = self(images, self.cfg.num_patches)
        return torch.stack([raw[i] for i in layers]).mean(dim=0)

    def pretrain_loss(self, images, prefix, norm_pix=True, order=None):
        """Next-patch regression loss with prefix length(s) S in [1, K-1].

        Output i predicts patch i+1; only targets j >= S count. Per-patch mean
        squared error, averaged over all counted patches of the batch. order, when
        given, lists the grid position (raster index) of each sequence position:
        tokens, their position embeddings and the targets follow it.
        """
        k = self.cfg.num_patches
        self.check_images(images)
        s = prefix_lengths(prefix, images.shape[0], 1, k - 1).to(images.device)
        order = torch.arange(k) if order is None else torch.as_tensor(order)
        tokens = self.preprocessor(images)[:, order]
        x, _ = self.trunk(tokens, prefix_causal_mask(k, s))
        pred = self.decoder(x, order)[:, :-1]  # predicts patches 1..K-1
        target = patchify(images, self.cfg.patch)[:, order][:, 1:]
        if norm_pix:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, unbiased=True, keepdim=True)
            target = (target - mean) / torch.sqrt(var + TARGET_EPS)
        per_patch = ((pred - target) ** 2).mean(dim=-1)  # (N, K-1)
        counted = torch.arange(1, k, device=images.device)[None, :] >= s[:, None]
        return (per_patch * counted).sum() / counted.sum()


# ----------------------------------------------------------------------------
# the released classifier: trunk + attentive probe (ml-aim's AIMForImageClassification)

BN_EPS = 1e-6


class AttentionPoolingClassifier(nn.Module):
    """The attentive probe of docs/spec.md: BatchNorm over the features (no affine,
    eps 1e-6, statistics over batch x tokens), one learned query (the cls_token) split
    into the trunk's heads without a projection, k and v Linear(D, D) without bias,
    scaled dot-product attention, heads concatenated, then Linear(D, classes)."""

    def __init__(self, dim, classes, heads, linear_bias=False):
        super().__init__()
        self.heads = heads
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.linear = nn.Linear(dim, classes, bias=linear_bias)
        self.bn = nn.BatchNorm1d(dim, affine=False, eps=BN_EPS)

    def forward(self, x):
        n, k, d = x.shape
        h = self.heads
        x = self.bn(x.transpose(1, 2)).transpose(1, 2)
        q = self.cls_token.expand(n, -1, -1).reshape(n, 1, h, d // h).permute(0, 2, 1, 3)
        key = self.k(x).reshape(n, k, h, d // h).permute(0, 2, 1, 3)
        v = self.v(x).reshape(n, k, h, d // h).permute(0, 2, 1, 3)
        att = (q @ key.transpose(-2, -1) / math.sqrt(d // h)).softmax(dim=-1)
        pooled = (att @ v).transpose(1, 2).reshape(n, 1, d).mean(dim=1)
        return self.linear(pooled)


class Classifier(nn.Module):
    """Preprocessor, trunk and attentive probe under ml-aim's state-dict names
    (preprocessor.*, trunk.*, head.*): the layout of Apple's released classifiers."""

    def __init__(self, cfg, classes, layers, linear_bias=False):
        super().__init__()
        cfg.validate()
        self.cfg, self.layers = cfg, list(layers)
        self.preprocessor = Preprocessor(cfg)
        self.trunk = Trunk(cfg)
        self.head = AttentionPoolingClassifier(cfg.width, classes, cfg.heads, linear_bias)

    def features(self, images, layers=None):
        layers = self.layers if layers is None else list(layers)
        k = self.cfg.num_patches
        mask = prefix_causal_mask(k, prefix_lengths(k, images.shape[0], 0, k))
        _, raw = self.trunk(self.preprocessor(images), mask)
        return torch.stack([raw[i] for i in layers]).mean(dim=0)

    def forward(self, images):
        return self.head(self.features(images))


def classifier_from_state_dict(state, metadata, img_h, img_w, layers=None, dtype=torch.float64):
    """Builds a Classifier from a state dict in the released layout and loads it
    strictly. layers defaults to the probe_layers metadata, else the last 6 blocks."""
    width = state["preprocessor.patchifier.proj.weight"].shape[0]
    trunk_only = {n: t for n, t in state.items() if not n.startswith("head.")}
    cfg = config_from_state_dict({**trunk_only, "decoder.proj.weight": torch.zeros(4, width)},
                                 metadata, img_h, img_w)
    if layers is None:
        if metadata and "probe_layers" in metadata:
            layers = json.loads(metadata["probe_layers"])
        else:
            layers = list(range(max(cfg.depth - 6, 0), cfg.depth))
    classes = state["head.linear.weight"].shape[0]
    model = Classifier(cfg, classes, layers, linear_bias="head.linear.bias" in state).to(dtype)
    model.load_state_dict(state, strict=True)
    return model.eval()


# ----------------------------------------------------------------------------
# safetensors and checkpoints

_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4",
              "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}


def load_safetensors(path):
    """Reads a .safetensors file -> ({name: tensor}, metadata dict)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        buf = f.read()
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = buf[begin:end]
        if info["dtype"] == "BF16":  # bf16 is the top half of a float32
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        elif info["dtype"] in _ST_DTYPES:
            arr = np.frombuffer(raw, dtype=_ST_DTYPES[info["dtype"]])
        else:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {info['dtype']}")
        tensors[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return tensors, metadata


def save_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor or array} (dtypes kept, bfloat16 as BF16) with string metadata."""
    to_code = {np.dtype(v).newbyteorder("<"): k for k, v in _ST_DTYPES.items()}
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        code = None
        if torch.is_tensor(t) and t.dtype == torch.bfloat16:  # numpy has no bfloat16
            code, t = "BF16", t.detach().cpu().contiguous().view(torch.int16)
        arr = t.detach().cpu().numpy() if torch.is_tensor(t) else np.asarray(t)
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        data = arr.tobytes()
        header[name] = {"dtype": code or to_code[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # align the data buffer to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for data in chunks:
            f.write(data)


def config_from_state_dict(state, metadata, img_h, img_w):
    """Infers the architecture from parameter shapes (image size is not stored)."""
    width, channels, patch, _ = state["preprocessor.patchifier.proj.weight"].shape
    depth = sum(1 for n in state if n.startswith("trunk.blocks.") and n.endswith(".norm_1.weight"))
    head_depth = sum(1 for n in state if n.startswith("decoder.blocks.") and n.endswith(".norm.weight"))
    head_width = state["decoder.proj.weight"].shape[0]
    mlp_ratio = state["trunk.blocks.0.mlp.fc1.weight"].shape[0] // width if depth else 4
    heads = int((metadata or {}).get("num_heads", width // 128))
    if heads <= 0:
        raise ValueError(f"cannot infer the head count for width {width}: no num_heads metadata")
    return AIMConfig(img_h=img_h, img_w=img_w, channels=channels, patch=patch, width=width,
                     depth=depth, heads=heads, mlp_ratio=mlp_ratio,
                     head_width=head_width, head_depth=head_depth)


def from_state_dict(state, metadata=None, img_h=224, img_w=224, dtype=torch.float64):
    """Builds an AIM for img_h x img_w inputs and loads ``state`` (strict)."""
    model = AIM(config_from_state_dict(state, metadata, img_h, img_w)).to(dtype)
    model.load_state_dict(state, strict=True)
    return model.eval()


# ----------------------------------------------------------------------------
# CLI (same interface as the Go binary)


def _load_for_images(args):
    images = np.load(args.images)
    if images.ndim != 4:
        raise ValueError(f"{args.images}: want (N, C, H, W), got shape {images.shape}")
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    state, metadata = load_safetensors(args.checkpoint)
    # A training checkpoint also holds the optimiser state (optim.*): not model weights.
    state = {n: t for n, t in state.items() if not n.startswith("optim.")}
    model = from_state_dict(state, metadata, images.shape[2], images.shape[3], dtype)
    return model, torch.from_numpy(images).to(dtype)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    sub = parser.add_subparsers(dest="cmd", required=True)
    feat = sub.add_parser("features", help="mean raw block outputs, bidirectional trunk")
    feat.add_argument("--checkpoint", required=True)
    feat.add_argument("--images", required=True, help=".npy float32 (N, C, H, W)")
    feat.add_argument("--out", required=True, help=".npy float32 (N, K, D)")
    feat.add_argument("--layers", help="comma-separated 0-based blocks (default: last quarter)")
    loss = sub.add_parser("loss", help="pre-training loss, printed as JSON")
    loss.add_argument("--checkpoint", required=True)
    loss.add_argument("--images", required=True, help=".npy float32 (N, C, H, W)")
    loss.add_argument("--prefix", type=int, required=True, help="prefix length S in [1, K-1]")
    loss.add_argument("--raw-pixels", action="store_true", help="unnormalised pixel targets")
    loss.add_argument("--order", default="raster", choices=["raster", "spiral", "checkerboard"])
    args = parser.parse_args(argv)

    try:
        model, images = _load_for_images(args)
        with torch.no_grad():
            if args.cmd == "features":
                layers = [int(i) for i in args.layers.split(",")] if args.layers else None
                out = model.features(images, layers).float().numpy()
                np.save(args.out, out)
            else:
                order = sequence_order(args.order, *model.cfg.grid)
                value = model.pretrain_loss(images, args.prefix, norm_pix=not args.raw_pixels, order=order)
                print(json.dumps({"loss": value.item()}))
    except (ValueError, KeyError, RuntimeError, OSError) as e:
        print(f"aim_ref {args.cmd}: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
