"""Benchmark models: sizes, random HF folders, FLOP counts and plain PyTorch forwards.

The PyTorch modules re-implement HF transformers' modeling_videomae.py / modeling_vivit.py op for op
(transformers is not installed here) and read the weights under their HF names:

- VideoMAEForVideoClassification: tubelet Conv3d, fixed sinusoid table, pre-norm layers with q/v bias
  and a zero key bias, exact GELU, mean pooling + fc_norm (nn.LayerNorm default eps 1e-5).
- VivitForVideoClassification: CLS token, learned positions, q/k/v bias, gelu_fast, final layernorm
  (layer_norm_eps), classifier on the CLS token.
- VideoMAEForPreTraining: encoder on the visible patches only (no videomae.layernorm when
  use_mean_pooling is true), encoder_to_decoder (no bias), decoder input = visible tokens + position,
  then mask_token + position, decoder layers, decoder.norm (eps 1e-5) and head on the last
  num_masked tokens; loss = MSE against the norm-pix targets (ImageNet un-normalisation, patches
  (t p0) (h p1) (w p2) channels last, per-patch mean / unbiased std + 1e-6).

HF selects patches with a boolean mask (`x[~mask].reshape(B, -1, C)`), which keeps ascending patch
order. Here the pre-training forward takes that order as int64 index lists (visible_idx, masked_idx,
shape (B, n)), computed from the mask by `mask_to_indices`: the same result, and it exports to ONNX
without data-dependent shapes.
"""
import dataclasses
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

import safetensors_io

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
TORCH_LAYER_NORM_EPS = 1e-5  # nn.LayerNorm(dim) default: VideoMAE's fc_norm and decoder.norm


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    arch: str  # "VideoMAEForVideoClassification", "VivitForVideoClassification", "VideoMAEForPreTraining"
    frames: int
    image: int
    tubelet: int
    patch: int
    hidden: int
    layers: int
    heads: int
    mlp: int
    labels: int = 400
    use_mean_pooling: bool = True
    decoder_hidden: int = 0
    decoder_layers: int = 0
    decoder_heads: int = 0
    decoder_mlp: int = 0
    mask_ratio: float = 0.0  # pre-training: fraction of each frame slot's spatial patches masked

    @property
    def is_vivit(self):
        return self.arch == "VivitForVideoClassification"

    @property
    def is_pretraining(self):
        return self.arch == "VideoMAEForPreTraining"

    @property
    def layer_norm_eps(self):
        return 1e-6 if self.is_vivit else 1e-12

    @property
    def spatial_patches(self):
        return (self.image // self.patch) ** 2

    @property
    def num_patches(self):
        return (self.frames // self.tubelet) * self.spatial_patches

    @property
    def num_masked(self):
        # VideoMAE's TubeMaskingGenerator: int(ratio * patches per frame slot), repeated per slot.
        return int(self.mask_ratio * self.spatial_patches) * (self.frames // self.tubelet)

    @property
    def patch_values(self):
        return 3 * self.tubelet * self.patch * self.patch


_B = dict(tubelet=2, patch=16, hidden=768, layers=12, heads=12, mlp=3072, labels=400)
MODELS = {
    "videomae-b": ModelSpec("VideoMAEForVideoClassification", frames=16, image=224, **_B),
    "vivit-b": ModelSpec("VivitForVideoClassification", frames=32, image=224, **_B),
    "videomae-b-pretrain": ModelSpec("VideoMAEForPreTraining", frames=16, image=224, **_B,
                                     decoder_hidden=384, decoder_layers=4, decoder_heads=6, decoder_mlp=1536,
                                     mask_ratio=0.9),
    "videomae-l": ModelSpec("VideoMAEForVideoClassification", frames=16, image=224, tubelet=2, patch=16,
                            hidden=1024, layers=24, heads=16, mlp=4096, labels=400),
}
# Small models to check the harness end to end in seconds (not in the default list).
_T = dict(frames=16, tubelet=2, patch=16, hidden=64, layers=2, heads=4, mlp=256, labels=10)
TINY_MODELS = {
    "tiny": ModelSpec("VideoMAEForVideoClassification", image=32, **_T),
    "tiny-vivit": ModelSpec("VivitForVideoClassification", image=32, **_T),
    "tiny-pretrain": ModelSpec("VideoMAEForPreTraining", image=64, **_T, decoder_hidden=32, decoder_layers=2,
                               decoder_heads=2, decoder_mlp=128, mask_ratio=0.9),
}
ALL_MODELS = {**MODELS, **TINY_MODELS}


# ----------------------------------------------------------------------------------------------
# HF folder: config.json + model.safetensors


def hf_config(spec):
    c = {
        "architectures": [spec.arch],
        "model_type": "vivit" if spec.is_vivit else "videomae",
        "image_size": spec.image, "num_frames": spec.frames, "num_channels": 3,
        "hidden_size": spec.hidden, "num_hidden_layers": spec.layers, "num_attention_heads": spec.heads,
        "intermediate_size": spec.mlp, "qkv_bias": True, "layer_norm_eps": spec.layer_norm_eps,
    }
    if spec.is_vivit:
        c.update(tubelet_size=[spec.tubelet, spec.patch, spec.patch], hidden_act="gelu_fast")
    else:
        c.update(patch_size=spec.patch, tubelet_size=spec.tubelet, hidden_act="gelu",
                 use_mean_pooling=spec.use_mean_pooling)
    if spec.is_pretraining:
        c.update(decoder_hidden_size=spec.decoder_hidden, decoder_num_hidden_layers=spec.decoder_layers,
                 decoder_num_attention_heads=spec.decoder_heads, decoder_intermediate_size=spec.decoder_mlp,
                 norm_pix_loss=True)
    else:
        c["id2label"] = {str(i): f"LABEL_{i}" for i in range(spec.labels)}
        c["label2id"] = {f"LABEL_{i}": i for i in range(spec.labels)}
    return c


def spec_from_config(c):
    arch = c["architectures"][0]
    vivit = c["model_type"] == "vivit"
    tubelet = c["tubelet_size"][0] if vivit else c["tubelet_size"]
    patch = c["tubelet_size"][1] if vivit else c["patch_size"]
    kw = {}
    if arch == "VideoMAEForPreTraining":
        kw = dict(decoder_hidden=c["decoder_hidden_size"], decoder_layers=c["decoder_num_hidden_layers"],
                  decoder_heads=c["decoder_num_attention_heads"], decoder_mlp=c["decoder_intermediate_size"])
    return ModelSpec(arch, frames=c["num_frames"], image=c["image_size"], tubelet=tubelet, patch=patch,
                     hidden=c["hidden_size"], layers=c["num_hidden_layers"], heads=c["num_attention_heads"],
                     mlp=c["intermediate_size"], labels=len(c.get("id2label", {})) or 400,
                     use_mean_pooling=c.get("use_mean_pooling", True), **kw)


def random_weights(spec, seed=0):
    """HF-named float32 weights: normal(0, 0.02); LayerNorm weights 1 + normal(0, 0.1)."""
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, std=0.02):
        return torch.randn(*shape, generator=g) * std

    def layer_norm(w, name, width):
        w[name + ".weight"] = 1 + rnd(width, std=0.1)
        w[name + ".bias"] = rnd(width)

    def layers(w, prefix, count, d, mlp, kqv_bias):
        for i in range(count):
            p = f"{prefix}.{i}."
            a = p + "attention.attention."
            for name in ("query", "key", "value"):
                w[a + name + ".weight"] = rnd(d, d)
                if kqv_bias:
                    w[a + name + ".bias"] = rnd(d)
            if not kqv_bias:  # VideoMAE: q and v biases, the key bias is zero
                w[a + "q_bias"] = rnd(d)
                w[a + "v_bias"] = rnd(d)
            w[p + "attention.output.dense.weight"] = rnd(d, d)
            w[p + "attention.output.dense.bias"] = rnd(d)
            w[p + "intermediate.dense.weight"] = rnd(mlp, d)
            w[p + "intermediate.dense.bias"] = rnd(mlp)
            w[p + "output.dense.weight"] = rnd(d, mlp)
            w[p + "output.dense.bias"] = rnd(d)
            layer_norm(w, p + "layernorm_before", d)
            layer_norm(w, p + "layernorm_after", d)

    prefix = "vivit" if spec.is_vivit else "videomae"
    d = spec.hidden
    w = {
        f"{prefix}.embeddings.patch_embeddings.projection.weight": rnd(d, 3, spec.tubelet, spec.patch, spec.patch),
        f"{prefix}.embeddings.patch_embeddings.projection.bias": rnd(d),
    }
    if spec.is_vivit:
        w["vivit.embeddings.cls_token"] = rnd(1, 1, d)
        w["vivit.embeddings.position_embeddings"] = rnd(1, spec.num_patches + 1, d)
    layers(w, f"{prefix}.encoder.layer", spec.layers, d, spec.mlp, spec.is_vivit)
    if spec.is_vivit or not spec.use_mean_pooling:
        layer_norm(w, f"{prefix}.layernorm", d)
    if spec.is_pretraining:
        dd = spec.decoder_hidden
        w["encoder_to_decoder.weight"] = rnd(dd, d)
        w["mask_token"] = rnd(1, 1, dd)
        layers(w, "decoder.decoder_layers", spec.decoder_layers, dd, spec.decoder_mlp, False)
        layer_norm(w, "decoder.norm", dd)
        w["decoder.head.weight"] = rnd(spec.patch_values, dd)
        w["decoder.head.bias"] = rnd(spec.patch_values)
    else:
        if not spec.is_vivit and spec.use_mean_pooling:
            layer_norm(w, "fc_norm", d)
        w["classifier.weight"] = rnd(spec.labels, d)
        w["classifier.bias"] = rnd(spec.labels)
    return w


def write_model_folder(spec, folder, seed=0):
    """Writes config.json + model.safetensors unless the folder already holds this config."""
    config = hf_config(spec)
    config_path = os.path.join(folder, "config.json")
    weights_path = os.path.join(folder, "model.safetensors")
    if os.path.exists(weights_path) and os.path.exists(config_path):
        with open(config_path) as f:
            if json.load(f) == config:
                return False
    os.makedirs(folder, exist_ok=True)
    weights = random_weights(spec, seed)
    safetensors_io.save(weights_path + ".tmp", {k: v.numpy() for k, v in weights.items()})
    os.replace(weights_path + ".tmp", weights_path)
    with open(config_path + ".tmp", "w") as f:
        json.dump(config, f, indent=1)
    os.replace(config_path + ".tmp", config_path)
    return True


def tube_mask(spec, rng):
    """VideoMAE TubeMaskingGenerator: the same int(ratio * spatial) patches masked in every frame slot."""
    spatial = spec.spatial_patches
    per_slot = np.zeros(spatial, dtype=np.uint8)
    per_slot[:int(spec.mask_ratio * spatial)] = 1
    rng.shuffle(per_slot)
    return np.tile(per_slot, spec.frames // spec.tubelet)


def random_inputs(spec, batch, seed=1):
    """pixel_values (B, T, 3, H, W) float32 and, for pre-training, bool_masked_pos (B, N) uint8."""
    rng = np.random.default_rng(seed)
    out = {"pixel_values": rng.standard_normal((batch, spec.frames, 3, spec.image, spec.image), dtype=np.float32)}
    if spec.is_pretraining:
        out["bool_masked_pos"] = np.stack([tube_mask(spec, rng) for _ in range(batch)])
    return out


def mask_to_indices(mask):
    """(B, N) mask -> ascending visible and masked patch indices, int64 (B, n_visible), (B, n_masked)."""
    mask = np.asarray(mask).astype(bool)
    counts = mask.sum(1)
    if (counts != counts[0]).any():
        raise ValueError("every sample must mask the same number of patches")
    visible = np.stack([np.flatnonzero(~row) for row in mask]).astype(np.int64)
    masked = np.stack([np.flatnonzero(row) for row in mask]).astype(np.int64)
    return visible, masked


# ----------------------------------------------------------------------------------------------
# Work per forward (1 multiply-add = 2 FLOP). Softmax, LayerNorm, GELU and biases are not counted.


def gflop_per_clip(spec):
    def layer(n, d, mlp):
        return 2 * n * (3 * d * d + d * d + 2 * d * mlp) + 4 * n * n * d

    n, d = spec.num_patches, spec.hidden
    flop = 2 * n * d * spec.patch_values  # tubelet embedding of every patch (HF embeds all, then selects)
    if spec.is_pretraining:
        nmask = spec.num_masked
        nvis = n - nmask
        dd = spec.decoder_hidden
        flop += spec.layers * layer(nvis, d, spec.mlp)
        flop += 2 * nvis * d * dd  # encoder_to_decoder
        flop += spec.decoder_layers * layer(n, dd, spec.decoder_mlp)
        flop += 2 * nmask * dd * spec.patch_values  # head on the masked tokens
    else:
        tokens = n + 1 if spec.is_vivit else n
        flop += spec.layers * layer(tokens, d, spec.mlp)
        flop += 2 * d * spec.labels
    return flop / 1e9


# ----------------------------------------------------------------------------------------------
# PyTorch forward


def sinusoid_table(n_position, d_hid):
    # modeling_videomae.py get_sinusoid_encoding_table: float64 numpy, then float32
    def angle_vec(pos):
        return [pos / np.power(10000, 2 * (j // 2) / d_hid) for j in range(d_hid)]
    table = np.array([angle_vec(p) for p in range(n_position)])
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.FloatTensor(table).unsqueeze(0)


def gelu_fast(x):
    # transformers.activations.FastGELUActivation
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


def gather_tokens(x, idx):
    """x (B, N, D), idx (B, n) int64 -> (B, n, D)."""
    return torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class VideoTransformer(torch.nn.Module):
    """HF forward in eval mode. Classification: forward(pixel_values) -> logits.
    Pre-training: forward(pixel_values, visible_idx, masked_idx) -> (logits, loss)."""

    def __init__(self, spec, weights):
        super().__init__()
        self.spec = spec
        self.w = dict(weights)
        # Buffers (same tensors as self.w) so that torch.onnx.export stores them as initializers.
        for name, t in self.w.items():
            self.register_buffer(name.replace(".", "__"), t, persistent=False)
        self.prefix = "vivit" if spec.is_vivit else "videomae"
        if not spec.is_vivit:
            self.register_buffer("pos", sinusoid_table(spec.num_patches, spec.hidden), persistent=False)
        if spec.is_pretraining:
            self.register_buffer("dec_pos", sinusoid_table(spec.num_patches, spec.decoder_hidden), persistent=False)
            self.register_buffer("pix_mean", torch.tensor(IMAGENET_MEAN).view(1, 1, 3, 1, 1), persistent=False)
            self.register_buffer("pix_std", torch.tensor(IMAGENET_STD).view(1, 1, 3, 1, 1), persistent=False)

    def ln(self, x, name, eps):
        return F.layer_norm(x, (x.shape[-1],), self.w[name + ".weight"], self.w[name + ".bias"], eps)

    def layer(self, x, p, heads):
        w, a = self.w, p + "attention.attention."
        eps = self.spec.layer_norm_eps
        h = self.ln(x, p + "layernorm_before", eps)
        if self.spec.is_vivit:
            q_bias, k_bias, v_bias = w[a + "query.bias"], w[a + "key.bias"], w[a + "value.bias"]
        else:
            q_bias, v_bias = w[a + "q_bias"], w[a + "v_bias"]
            k_bias = torch.zeros_like(v_bias)
        b, n, width = h.shape
        d = width // heads

        def split(t):
            return t.view(b, n, heads, d).permute(0, 2, 1, 3)
        q = split(F.linear(h, w[a + "query.weight"], q_bias))
        k = split(F.linear(h, w[a + "key.weight"], k_bias))
        v = split(F.linear(h, w[a + "value.weight"], v_bias))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(b, n, width)
        x = F.linear(ctx, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]) + x
        h = self.ln(x, p + "layernorm_after", eps)
        h = F.linear(h, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"])
        h = gelu_fast(h) if self.spec.is_vivit else F.gelu(h)
        return F.linear(h, w[p + "output.dense.weight"], w[p + "output.dense.bias"]) + x

    def embed(self, pixel_values):
        s, e = self.spec, f"{self.prefix}.embeddings.patch_embeddings.projection."
        x = F.conv3d(pixel_values.permute(0, 2, 1, 3, 4), self.w[e + "weight"], self.w[e + "bias"],
                     stride=(s.tubelet, s.patch, s.patch))
        return x.flatten(2).transpose(1, 2)

    def encoder(self, x):
        for i in range(self.spec.layers):
            x = self.layer(x, f"{self.prefix}.encoder.layer.{i}.", self.spec.heads)
        return x

    def forward(self, pixel_values, visible_idx=None, masked_idx=None):
        s, w = self.spec, self.w
        x = self.embed(pixel_values)
        if s.is_pretraining:
            return self.pretraining(pixel_values, x + self.pos, visible_idx, masked_idx)
        if s.is_vivit:
            cls = w["vivit.embeddings.cls_token"].expand(x.shape[0], -1, -1)
            x = torch.cat((cls, x), dim=1) + w["vivit.embeddings.position_embeddings"]
            pooled = self.ln(self.encoder(x), "vivit.layernorm", s.layer_norm_eps)[:, 0]
        elif s.use_mean_pooling:
            pooled = self.ln(self.encoder(x + self.pos).mean(1), "fc_norm", TORCH_LAYER_NORM_EPS)
        else:  # no CLS token: "token 0" is the first patch
            pooled = self.ln(self.encoder(x + self.pos), "videomae.layernorm", s.layer_norm_eps)[:, 0]
        return F.linear(pooled, w["classifier.weight"], w["classifier.bias"])

    def pretraining(self, pixel_values, x, visible_idx, masked_idx):
        s, w = self.spec, self.w
        vis = self.encoder(gather_tokens(x, visible_idx))
        if not s.use_mean_pooling:
            vis = self.ln(vis, "videomae.layernorm", s.layer_norm_eps)
        vis = F.linear(vis, w["encoder_to_decoder.weight"])
        pos = self.dec_pos.expand(x.shape[0], -1, -1)
        x = torch.cat([vis + gather_tokens(pos, visible_idx),
                       w["mask_token"] + gather_tokens(pos, masked_idx)], dim=1)
        for i in range(s.decoder_layers):
            x = self.layer(x, f"decoder.decoder_layers.{i}.", s.decoder_heads)
        x = x[:, visible_idx.shape[1]:]  # the mask tokens
        logits = F.linear(self.ln(x, "decoder.norm", TORCH_LAYER_NORM_EPS),
                          w["decoder.head.weight"], w["decoder.head.bias"])
        return logits, self.norm_pix_loss(pixel_values, logits, masked_idx)

    def norm_pix_loss(self, pixel_values, logits, masked_idx):
        s = self.spec
        b, t, c, h, wd = pixel_values.shape
        ts, p = s.tubelet, s.patch
        frames = pixel_values * self.pix_std + self.pix_mean
        frames = frames.view(b, t // ts, ts, c, h // p, p, wd // p, p).permute(0, 1, 4, 6, 2, 5, 7, 3)
        frames = frames.reshape(b, s.num_patches, ts * p * p, c)
        mean = frames.mean(dim=-2, keepdim=True)
        var = ((frames - mean) ** 2).sum(dim=-2, keepdim=True) / (ts * p * p - 1)  # unbiased
        normed = (frames - mean) / (var.sqrt() + 1e-6)
        labels = gather_tokens(normed.reshape(b, s.num_patches, ts * p * p * c), masked_idx)
        # MSELoss (mean over every element), as a mean of per-patch means: equal group sizes, so the
        # same value, but ONNX Runtime's float32 ReduceMean over all 2 M elements at once is ~1e-4 off.
        return ((logits - labels) ** 2).mean(-1).mean()


def load_model_folder(folder):
    """(spec, VideoTransformer) from an HF folder written by write_model_folder."""
    with open(os.path.join(folder, "config.json")) as f:
        spec = spec_from_config(json.load(f))
    tensors = safetensors_io.load(os.path.join(folder, "model.safetensors"), writable=True)
    weights = {k: torch.from_numpy(v) for k, v in tensors.items()}
    return spec, VideoTransformer(spec, weights).eval()
