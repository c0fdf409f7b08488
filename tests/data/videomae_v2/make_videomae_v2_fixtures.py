#!/usr/bin/python3
"""Writes tiny VideoMAE V2 checkpoints (OpenGVLab/VideoMAEv2 layouts) and their expected values.

Run with Debian's /usr/bin/python3 (python3-torch, python3-numpy) from anywhere:
    /usr/bin/python3 tests/data/videomae_v2/make_videomae_v2_fixtures.py

Each case folder holds what a V2 user has (checkpoint.pth written by torch.save, a config.json
for the tiny architecture, video.npy) and expected/: model.safetensors written from the V1
mapping of transformers' convert_videomae_to_pytorch.py re-stated here (after the V2 wrappers
and prefixes are taken off), and outputs.safetensors from a float64 torch forward written from
V2's models/modeling_finetune.py and modeling_pretrain.py with Hugging Face's LayerNorm eps
choices (blocks: config layer_norm_eps; fc_norm and decoder norm: torch's default 1e-5), and
HF's VideoMAEForPreTraining loss. None of it is vivid's code.

Cases:
  giant_like_module_fp16   fine-tuned, patch 14, 2 heads of 88, MLP 48/11, a Kinetics-710 head;
                           fp16 under "module" (DeepSpeed); also features.npy: V2's
                           extract_tad_feature.py windows (16 -> num_frames consecutive frames
                           every 4, frames/255, F.interpolate bilinear to the image size) and
                           tad_first_window, the first window's pixels
  distilled_bare_orig_mod  fine-tuned, patch 8, 4 heads of 12, fp16, a bare state dict whose
                           keys carry torch.compile's "_orig_mod." prefix
  pretrain_model_decoder   pre-training, "model" wrapper, encoder.* keys (one head of 88) and a 4-layer decoder
                           (MLP 48/11 of its width), tube mask, norm_pix_loss
"""
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench"))
import safetensors_io  # noqa: E402

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def sinusoid_table(n, d):
    pos = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(d)
    angles = pos / np.power(10000, 2 * (j // 2) / d)
    angles[:, 0::2] = np.sin(angles[:, 0::2])
    angles[:, 1::2] = np.cos(angles[:, 1::2])
    return torch.tensor(angles.astype(np.float32), dtype=torch.float64)


def block_state(g, prefix, d, mlp):
    s = {}
    for norm in ("norm1", "norm2"):
        s[f"{prefix}.{norm}.weight"] = 1 + 0.1 * torch.randn(d, generator=g)
        s[f"{prefix}.{norm}.bias"] = 0.1 * torch.randn(d, generator=g)
    s[f"{prefix}.attn.qkv.weight"] = torch.randn(3 * d, d, generator=g) / math.sqrt(d)
    s[f"{prefix}.attn.q_bias"] = 0.1 * torch.randn(d, generator=g)
    s[f"{prefix}.attn.v_bias"] = 0.1 * torch.randn(d, generator=g)
    s[f"{prefix}.attn.proj.weight"] = torch.randn(d, d, generator=g) / math.sqrt(d)
    s[f"{prefix}.attn.proj.bias"] = 0.1 * torch.randn(d, generator=g)
    s[f"{prefix}.mlp.fc1.weight"] = torch.randn(mlp, d, generator=g) / math.sqrt(d)
    s[f"{prefix}.mlp.fc1.bias"] = 0.1 * torch.randn(mlp, generator=g)
    s[f"{prefix}.mlp.fc2.weight"] = torch.randn(d, mlp, generator=g) / math.sqrt(mlp)
    s[f"{prefix}.mlp.fc2.bias"] = 0.1 * torch.randn(d, generator=g)
    return s


def layer_norm(x, w, b, eps):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


def block(x, s, p, heads, eps):
    """V2's Block (init_values 0: no layer scale), its Attention with q_bias/v_bias and zero k bias."""
    d = x.shape[-1]
    h = layer_norm(x, s[p + ".norm1.weight"], s[p + ".norm1.bias"], eps)
    bias = torch.cat([s[p + ".attn.q_bias"], torch.zeros(d, dtype=x.dtype), s[p + ".attn.v_bias"]])
    qkv = F.linear(h, s[p + ".attn.qkv.weight"], bias)
    B, N, _ = qkv.shape
    qkv = qkv.reshape(B, N, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0] * (d // heads) ** -0.5, qkv[1], qkv[2]
    attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
    a = (attn @ v).transpose(1, 2).reshape(B, N, d)
    x = x + F.linear(a, s[p + ".attn.proj.weight"], s[p + ".attn.proj.bias"])
    h = layer_norm(x, s[p + ".norm2.weight"], s[p + ".norm2.bias"], eps)
    h = F.linear(F.gelu(F.linear(h, s[p + ".mlp.fc1.weight"], s[p + ".mlp.fc1.bias"])),
                 s[p + ".mlp.fc2.weight"], s[p + ".mlp.fc2.bias"])
    return x + h


def patch_embed(x_btchw, s, prefix, tubelet, patch):
    x = x_btchw.permute(0, 2, 1, 3, 4)  # (B, C, T, H, W), as HF's VideoMAEPatchEmbeddings
    x = F.conv3d(x, s[prefix + "patch_embed.proj.weight"], s[prefix + "patch_embed.proj.bias"],
                 stride=(tubelet, patch, patch))
    return x.flatten(2).transpose(1, 2)


def encoder_tokens(s, c, pixel_values, prefix="", mask=None):
    x = patch_embed(pixel_values, s, prefix, c["tubelet_size"], c["patch_size"])
    x = x + sinusoid_table(x.shape[1], x.shape[2])[None]
    if mask is not None:
        x = x[~mask].reshape(x.shape[0], -1, x.shape[2])
    for i in range(c["num_hidden_layers"]):
        x = block(x, s, f"{prefix}blocks.{i}", c["num_attention_heads"], c["layer_norm_eps"])
    return x


def classifier_features(s, c, pixel_values):
    """forward_features: fc_norm of the token mean (HF's fc_norm eps is torch's default 1e-5)."""
    x = encoder_tokens(s, c, pixel_values)
    return layer_norm(x.mean(1), s["fc_norm.weight"], s["fc_norm.bias"], 1e-5)


def classifier_logits(s, c, pixel_values):
    return F.linear(classifier_features(s, c, pixel_values), s["head.weight"], s["head.bias"])


def pretrain_outputs(s, c, pixel_values, mask):
    """PretrainVisionTransformer with HF's norms, then VideoMAEForPreTraining's loss."""
    x = encoder_tokens(s, c, pixel_values, "encoder.", mask)
    x = layer_norm(x, s["encoder.norm.weight"], s["encoder.norm.bias"], c["layer_norm_eps"])
    x = F.linear(x, s["encoder_to_decoder.weight"])
    B, _, C = x.shape
    pos = sinusoid_table(mask.shape[1], C)[None].expand(B, -1, -1)
    vis, hidden = pos[~mask].reshape(B, -1, C), pos[mask].reshape(B, -1, C)
    x = torch.cat([x + vis, s["mask_token"] + hidden], dim=1)
    for i in range(c["decoder_num_hidden_layers"]):
        x = block(x, s, f"decoder.blocks.{i}", c["decoder_num_attention_heads"], c["layer_norm_eps"])
    x = layer_norm(x[:, -hidden.shape[1]:], s["decoder.norm.weight"], s["decoder.norm.bias"], 1e-5)
    logits = F.linear(x, s["decoder.head.weight"], s["decoder.head.bias"])

    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float64)[None, None, :, None, None]
    std = torch.tensor(IMAGENET_STD, dtype=torch.float64)[None, None, :, None, None]
    frames = pixel_values * std + mean
    b, t, ch, h, w = frames.shape
    ts, p = c["tubelet_size"], c["patch_size"]
    frames = frames.view(b, t // ts, ts, ch, h // p, p, w // p, p).permute(0, 1, 4, 6, 2, 5, 7, 3)
    frames = frames.reshape(b, t // ts * (h // p) * (w // p), ts * p * p, ch)
    normed = (frames - frames.mean(dim=-2, keepdim=True)) / (
        frames.var(dim=-2, unbiased=True, keepdim=True).sqrt() + 1e-6)
    patches = normed.reshape(b, -1, ts * p * p * ch)
    labels = patches[mask].reshape(b, -1, patches.shape[-1])
    return logits, F.mse_loss(logits, labels).reshape(1)


def tad_windows(video_uint8, c, stride=4):
    """extract_tad_feature.py: whole windows of num_frames consecutive frames every `stride`."""
    n = c["num_frames"]
    clips = []
    for start in range(0, video_uint8.shape[0] - (n - 1), stride):
        v = torch.from_numpy(video_uint8[start:start + n]).permute(3, 0, 1, 2).to(torch.float32) / 255
        v = F.interpolate(v, size=(c["image_size"], c["image_size"]), mode="bilinear", align_corners=False)
        clips.append(v.permute(1, 0, 2, 3))  # (T, C, H, W), HF's pixel_values layout
    return torch.stack(clips).to(torch.float64)


# --- the HF mapping (convert_videomae_to_pytorch.py rename_key + convert_state_dict) -------------
def hf_name_parts(name, decoder):
    block_prefix = "decoder.decoder_layers." if decoder else "videomae.encoder.layer."
    table = [("norm1", "layernorm_before"), ("norm2", "layernorm_after"),
             ("attn.proj", "attention.output.dense"), ("mlp.fc1", "intermediate.dense"),
             ("mlp.fc2", "output.dense"), ("attn.q_bias", "attention.attention.q_bias"),
             ("attn.v_bias", "attention.attention.v_bias")]
    rest = name.split(".", 2)[2]  # after "blocks.N."
    idx = name.split(".")[1]
    for old, new in table:
        if rest.startswith(old):
            return block_prefix + idx + "." + new + rest[len(old):]
    raise KeyError(name)


def hf_state(original):
    out = {}
    for name, t in original.items():
        if name.startswith("encoder."):
            name = name[len("encoder."):]
        t = t.to(torch.float32)
        if name == "patch_embed.proj.weight" or name == "patch_embed.proj.bias":
            out["videomae.embeddings.patch_embeddings.projection." + name.split(".")[-1]] = t
        elif name.startswith("blocks.") or name.startswith("decoder.blocks."):
            decoder = name.startswith("decoder.")
            base = name[len("decoder."):] if decoder else name
            if base.endswith("attn.qkv.weight"):
                prefix = hf_name_parts(base.replace("attn.qkv.weight", "norm1.weight"), decoder)
                prefix = prefix[:-len("layernorm_before.weight")] + "attention.attention."
                d = t.shape[1]
                for i, part in enumerate(("query", "key", "value")):
                    out[prefix + part + ".weight"] = t[i * d:(i + 1) * d]
            else:
                out[hf_name_parts(base, decoder)] = t
        elif name.startswith("norm."):
            out["videomae.layernorm." + name.split(".")[-1]] = t
        elif name.startswith("fc_norm."):
            out[name] = t
        elif name.startswith("head."):
            out["classifier." + name.split(".")[-1]] = t
        elif name.startswith("decoder.norm.") or name.startswith("decoder.head."):
            out[name] = t
        elif name in ("encoder_to_decoder.weight", "mask_token"):
            out[name] = t
        else:
            raise KeyError(name)
    return {k: v.contiguous().numpy() for k, v in out.items()}


def config_for(**kw):
    c = {"architectures": ["VideoMAEForVideoClassification"], "model_type": "videomae",
         "hidden_act": "gelu", "qkv_bias": True, "num_channels": 3, "norm_pix_loss": True,
         "use_mean_pooling": True, "layer_norm_eps": 1e-6, "tubelet_size": 2}
    c.update(kw)
    return c


def write_case(name, description, state, wrap, prefix, dtype, config, runs, extra_outputs, video, masked=False):
    case = os.path.join(HERE, name)
    shutil.rmtree(case, ignore_errors=True)
    os.makedirs(os.path.join(case, "expected"))
    stored = {prefix + k: v.to(dtype).contiguous() for k, v in state.items()}
    torch.save({wrap: stored, "epoch": 3} if wrap else stored, os.path.join(case, "checkpoint.pth"))
    # The expected tensors are the stored (possibly fp16) values widened: what the file holds.
    widened = {k: v.to(dtype).to(torch.float64) for k, v in state.items()}
    safetensors_io.save(os.path.join(case, "expected", "model.safetensors"), hf_state(widened))
    with open(os.path.join(case, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    np.save(os.path.join(case, "video.npy"), video)
    outputs = {k: v.detach().to(torch.float32).numpy() if torch.is_tensor(v) else v
               for k, v in runs(widened).items()}
    outputs.update(extra_outputs)
    safetensors_io.save(os.path.join(case, "expected", "outputs.safetensors"), outputs)
    with open(os.path.join(case, "case.json"), "w") as f:
        json.dump({"name": name, "kind": "videomae-v2", "description": description,
                   "convert": ["--from", "videomae-pth", "--config", "config.json"],
                   "run": [{"args": ["--pixel-values", "expected/outputs.safetensors"]
                            + (["--mask", "expected/outputs.safetensors"] if masked else []),
                            "expect": "expected/outputs.safetensors",
                            "compare": ["logits", "loss"] if masked else ["logits"]}],
                   "checkpoint_dtype": str(dtype).replace("torch.", ""),
                   "tolerances": {"logits": 1e-4, "loss": 1e-4, "features": 1e-4},
                   "generated_with": "tests/data/videomae_v2/make_videomae_v2_fixtures.py; torch "
                                     + torch.__version__},
                  f, indent=2)
        f.write("\n")


def finetuned_state(g, c, num_classes):
    d, p, ts = c["hidden_size"], c["patch_size"], c["tubelet_size"]
    s = {"patch_embed.proj.weight": torch.randn(d, 3, ts, p, p, generator=g) / math.sqrt(3 * ts * p * p),
         "patch_embed.proj.bias": 0.1 * torch.randn(d, generator=g)}
    for i in range(c["num_hidden_layers"]):
        s.update(block_state(g, f"blocks.{i}", d, c["intermediate_size"]))
    s["fc_norm.weight"] = 1 + 0.1 * torch.randn(d, generator=g)
    s["fc_norm.bias"] = 0.1 * torch.randn(d, generator=g)
    s["head.weight"] = torch.randn(num_classes, d, generator=g) / math.sqrt(d)
    s["head.bias"] = 0.1 * torch.randn(num_classes, generator=g)
    return s


def make_giant_like(g):
    c = config_for(hidden_size=176, num_attention_heads=2, intermediate_size=int(176 * 48 / 11),
                   num_hidden_layers=1, patch_size=14, image_size=28, num_frames=8,
                   id2label={str(i): f"K710_{i}" for i in range(710)})
    c["label2id"] = {v: int(k) for k, v in c["id2label"].items()}
    state = finetuned_state(g, c, 710)
    video = torch.randint(0, 256, (23, 30, 34, 3), generator=g, dtype=torch.uint8).numpy()
    pixel_values = torch.rand(2, 8, 3, 28, 28, generator=g, dtype=torch.float64) * 4 - 2

    def runs(s):
        windows = tad_windows(video, c)
        return {"pixel_values": pixel_values, "logits": classifier_logits(s, c, pixel_values),
                "features": classifier_features(s, c, windows), "tad_first_window": windows[0]}
    write_case("giant_like_module_fp16", "V2 giant shape in small: patch 14, heads of 88, MLP 48/11, "
               "Kinetics-710 head; fp16 under 'module'", state, "module", "", torch.float16, c, runs, {}, video)


def make_distilled(g):
    c = config_for(hidden_size=48, num_attention_heads=4, intermediate_size=192, num_hidden_layers=2,
                   patch_size=8, image_size=16, num_frames=4,
                   id2label={str(i): f"class_{i}" for i in range(10)})
    c["label2id"] = {v: int(k) for k, v in c["id2label"].items()}
    state = finetuned_state(g, c, 10)
    pixel_values = torch.rand(3, 4, 3, 16, 16, generator=g, dtype=torch.float64) * 4 - 2
    video = torch.randint(0, 256, (8, 20, 20, 3), generator=g, dtype=torch.uint8).numpy()

    def runs(s):
        return {"pixel_values": pixel_values, "logits": classifier_logits(s, c, pixel_values)}
    write_case("distilled_bare_orig_mod", "distilled-style ViT, patch 8, 4 heads of 12; fp16 bare dict with "
               "'_orig_mod.' keys", state, None, "_orig_mod.", torch.float16, c, runs, {}, video)


def make_pretrain(g):
    c = config_for(architectures=["VideoMAEForPreTraining"], use_mean_pooling=False, hidden_size=88,
                   num_attention_heads=1, intermediate_size=int(88 * 48 / 11), num_hidden_layers=2,
                   patch_size=14, image_size=28, num_frames=8, decoder_hidden_size=32,
                   decoder_num_attention_heads=2, decoder_intermediate_size=int(32 * 48 / 11),
                   decoder_num_hidden_layers=4)
    d, p, ts = c["hidden_size"], c["patch_size"], c["tubelet_size"]
    s = {"encoder.patch_embed.proj.weight": torch.randn(d, 3, ts, p, p, generator=g) / math.sqrt(3 * ts * p * p),
         "encoder.patch_embed.proj.bias": 0.1 * torch.randn(d, generator=g)}
    for i in range(c["num_hidden_layers"]):
        s.update(block_state(g, f"encoder.blocks.{i}", d, c["intermediate_size"]))
    s["encoder.norm.weight"] = 1 + 0.1 * torch.randn(d, generator=g)
    s["encoder.norm.bias"] = 0.1 * torch.randn(d, generator=g)
    dd = c["decoder_hidden_size"]
    for i in range(c["decoder_num_hidden_layers"]):
        s.update(block_state(g, f"decoder.blocks.{i}", dd, c["decoder_intermediate_size"]))
    s["decoder.norm.weight"] = 1 + 0.1 * torch.randn(dd, generator=g)
    s["decoder.norm.bias"] = 0.1 * torch.randn(dd, generator=g)
    out = 3 * ts * p * p
    s["decoder.head.weight"] = torch.randn(out, dd, generator=g) / math.sqrt(dd)
    s["decoder.head.bias"] = 0.1 * torch.randn(out, generator=g)
    s["encoder_to_decoder.weight"] = torch.randn(dd, d, generator=g) / math.sqrt(d)
    s["mask_token"] = 0.02 * torch.randn(1, 1, dd, generator=g)
    pixel_values = torch.rand(1, 8, 3, 28, 28, generator=g, dtype=torch.float64) * 4 - 2
    # Tube mask: the same 3 of the 4 spatial patches hidden in each of the 4 temporal slots.
    spatial = torch.tensor([True, False, True, True])
    mask = spatial.repeat(4)[None]
    video = torch.randint(0, 256, (8, 30, 30, 3), generator=g, dtype=torch.uint8).numpy()

    def runs(s):
        logits, loss = pretrain_outputs(s, c, pixel_values, mask)
        return {"pixel_values": pixel_values, "logits": logits, "loss": loss}
    write_case("pretrain_model_decoder", "V2 pre-training: encoder.* and a 4-layer decoder (MLP 48/11) under "
               "'model', patch 14, one head of 88; tube mask, norm_pix_loss", s, "model", "", torch.float32, c,
               runs, {"bool_masked_pos": mask.numpy().astype(np.uint8)}, video, masked=True)


def main():
    g = torch.Generator().manual_seed(2026)
    make_giant_like(g)
    make_distilled(g)
    make_pretrain(g)


if __name__ == "__main__":
    main()
