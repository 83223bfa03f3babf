"""PyTorch reference implementation of the AIMv2 vision encoder.

Written by hand from docs/spec.md ("AIMv2"), which describes Apple's ml-aim
aim-v2 code and Hugging Face transformers' Aimv2VisionModel; used to check the
Go implementation. Debian's torch 1.13 has neither nn.RMSNorm nor
scaled_dot_product_attention, so both are spelled out here.

The module is laid out like transformers' (separate q, k, v projections, a
(K, D) position table); ``aim_state_dict`` gives the same weights under
ml-aim's names (fused qkv, a (1, K, D) table) and ``hub_state_dict`` under
transformers' names.

    embeddings.patch_embed      Conv2d(C, D, p, stride p), with bias
    embeddings.rms_norm         RMSNorm(D), eps 1e-5, weight only
    embeddings.position_embedding  learned (K, D), or the 2D sin-cos table (native)
    encoder.layers.{i}          x += Attn(RMS1(x)); x += down(silu(gate(x)) * up(x))(RMS2(x))
    rms_norm                    RMSNorm(D): the features are its output per token
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn

RMS_EPS = 1e-5


@dataclass
class V2Config:
    img_h: int = 224
    img_w: int = 224
    channels: int = 3
    patch: int = 14
    width: int = 1024
    depth: int = 24
    heads: int = 8
    hidden: int = 2816
    native: bool = False  # sin-cos table instead of a learned one

    @property
    def grid(self):
        return self.img_h // self.patch, self.img_w // self.patch


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=RMS_EPS):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.out_proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x):
        b, n, d = x.shape
        hd = d // self.heads

        def split(t):
            return t.reshape(b, n, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
        scores = scores - scores.max(-1, keepdim=True).values
        p = scores.exp()
        p = p / p.sum(-1, keepdim=True)
        return self.out_proj((p @ v).transpose(1, 2).reshape(b, n, d))


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        g = self.gate_proj(x)
        return self.down_proj(g * torch.sigmoid(g) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.rms_norm1 = RMSNorm(cfg.width)
        self.attention = Attention(cfg.width, cfg.heads)
        self.rms_norm2 = RMSNorm(cfg.width)
        self.ffn = SwiGLU(cfg.width, cfg.hidden)

    def forward(self, x):
        x = x + self.attention(self.rms_norm1(x))
        return x + self.ffn(self.rms_norm2(x))


def sincos_table(rows, cols, dim):
    """The native model's table (rows*cols, dim), token by token in raster
    order: [sin(c*w), cos(c*w), sin(r*w), cos(r*w)], w_i = 10000^(-i/(dim/4))."""
    q = dim // 4
    out = torch.zeros(rows * cols, dim, dtype=torch.float64)
    for r in range(rows):
        for c in range(cols):
            t = r * cols + c
            for i in range(q):
                w = 10000.0 ** (-i / q)
                out[t, i], out[t, q + i] = math.sin(c * w), math.cos(c * w)
                out[t, 2 * q + i], out[t, 3 * q + i] = math.sin(r * w), math.cos(r * w)
    return out


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        d, p = cfg.width, cfg.patch
        self.patch_embed = nn.Conv2d(cfg.channels, d, kernel_size=p, stride=p)
        self.embed_norm = RMSNorm(d)
        rows, cols = cfg.grid
        self.position = None if cfg.native else nn.Parameter(torch.zeros(rows * cols, d))
        self.layers = nn.ModuleList([Layer(cfg) for _ in range(cfg.depth)])
        self.rms_norm = RMSNorm(d)

    def forward(self, images):
        x = self.patch_embed(images).flatten(2).transpose(1, 2)  # (B, K, D) in raster order
        x = self.embed_norm(x)
        if self.position is None:
            h, w = images.shape[2] // self.cfg.patch, images.shape[3] // self.cfg.patch
            x = x + sincos_table(h, w, self.cfg.width).to(x.dtype)
        else:
            x = x + self.position
        for layer in self.layers:
            x = layer(x)
        return self.rms_norm(x)


def randomize(model, seed):
    """Weights of realistic scale: linear N(0, 1/in), norms 1 + N(0, 0.1^2),
    conv bias and position table N(0, 0.1^2)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.named_parameters():
            if name.endswith("norm.weight") or ".rms_norm" in name or name.startswith("rms_norm"):
                t.copy_(1 + 0.1 * torch.randn(t.shape, generator=g, dtype=t.dtype))
            elif t.dim() >= 2 and name != "position":
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=g, dtype=t.dtype) / math.sqrt(fan_in))
            else:
                t.copy_(0.1 * torch.randn(t.shape, generator=g, dtype=t.dtype))


def hub_state_dict(model):
    """The weights under transformers' Aimv2VisionModel names."""
    out = {"embeddings.patch_embed.weight": model.patch_embed.weight,
           "embeddings.patch_embed.bias": model.patch_embed.bias,
           "embeddings.rms_norm.weight": model.embed_norm.weight,
           "rms_norm.weight": model.rms_norm.weight}
    if model.position is not None:
        out["embeddings.position_embedding.weight"] = model.position
    for i, layer in enumerate(model.layers):
        pre = f"encoder.layers.{i}."
        out[pre + "rms_norm1.weight"] = layer.rms_norm1.weight
        out[pre + "rms_norm2.weight"] = layer.rms_norm2.weight
        for p in ("q", "k", "v", "out"):
            out[pre + f"attention.{p}_proj.weight"] = getattr(layer.attention, f"{p}_proj").weight
        for p in ("gate", "up", "down"):
            out[pre + f"ffn.{p}_proj.weight"] = getattr(layer.ffn, f"{p}_proj").weight
    return {k: v.detach().clone() for k, v in out.items()}


def aim_state_dict(model):
    """The weights under ml-aim's aim-v2 names: qkv fused (rows q, k, v), the
    position table (1, K, D), fc1 = gate, fc3 = up, fc2 = down."""
    out = {"preprocessor.patchifier.proj.weight": model.patch_embed.weight,
           "preprocessor.patchifier.proj.bias": model.patch_embed.bias,
           "preprocessor.patchifier.norm.weight": model.embed_norm.weight,
           "trunk.post_trunk_norm.weight": model.rms_norm.weight}
    if model.position is not None:
        out["preprocessor.pos_embed"] = model.position.unsqueeze(0)
    for i, layer in enumerate(model.layers):
        pre = f"trunk.blocks.{i}."
        a = layer.attention
        out[pre + "norm_1.weight"] = layer.rms_norm1.weight
        out[pre + "norm_2.weight"] = layer.rms_norm2.weight
        out[pre + "attn.qkv.weight"] = torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight], 0)
        out[pre + "attn.proj.weight"] = a.out_proj.weight
        out[pre + "mlp.fc1.weight"] = layer.ffn.gate_proj.weight
        out[pre + "mlp.fc3.weight"] = layer.ffn.up_proj.weight
        out[pre + "mlp.fc2.weight"] = layer.ffn.down_proj.weight
    return {k: v.detach().clone() for k, v in out.items()}


def hub_config(cfg, scheme):
    """A config.json as the hub has it: transformers' keys for its names,
    the original release's keys for ml-aim's."""
    common = {"hidden_size": cfg.width, "intermediate_size": cfg.hidden, "num_hidden_layers": cfg.depth,
              "num_attention_heads": cfg.heads, "num_channels": cfg.channels, "patch_size": cfg.patch,
              "image_size": cfg.img_h, "rms_norm_eps": RMS_EPS, "qkv_bias": False}
    if scheme == "hub":
        return dict(common, model_type="aimv2_vision_model", mlp_bias=False, hidden_act="silu",
                    is_native=cfg.native, use_head=False)
    return dict(common, model_type="aimv2", use_bias=False)
