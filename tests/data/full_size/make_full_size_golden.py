#!/usr/bin/python3
"""Writes golden outputs of two full-size forwards for tests/models/full_size_models_test.cpp.

Run with Debian's /usr/bin/python3 and python3-torch / python3-numpy (several minutes on 2 cores):
    /usr/bin/python3 tests/data/full_size/make_full_size_golden.py

The models are ViViT-B/16x2 (32 frames, 224, 400 labels) and VideoMAE-B pre-training (16 frames,
224, use_mean_pooling false, norm-pix loss, a 90% tube mask: slot position s masked when
s % 10 != 0). Their forward is bench/video_models.py's plain PyTorch re-implementation of HF's
modeling_vivit.py / modeling_videomae.py, run here in float64 so the golden values carry no
float32 rounding but their final one (stored as float32: vivid's safetensors reader has no F64).

No weights are shipped: every value (weights and pixel values) is a hash of its tensor's name
and flat index, which the C++ test recomputes (full_size_weights in the test):
    seed = FNV-1a 64 of the name; z = splitmix64(seed + index); u = (z >> 40) / 2**24
    value = float32((2u - 1) * scale)  scale: 1 for pixel values, 0.04 otherwise
    LayerNorm weights (names ending "norm.weight", "layernorm_before/after.weight"): 1 + that * 5
"""
import dataclasses
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench"))
import safetensors_io  # noqa: E402
import video_models  # noqa: E402

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
VIDEOMAE_ROWS = (0, 703, 1407)  # masked-token rows of the decoder output kept in full


def fnv1a64(name):
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def hashed_values(name, shape, scale):
    count = int(np.prod(shape))
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a64(name)) + np.arange(count, dtype=np.uint64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return ((2.0 * u - 1.0) * scale).astype(np.float32).reshape(shape)


def is_layer_norm_weight(name):
    return name.endswith("norm.weight") or name.endswith("layernorm_before.weight") or \
        name.endswith("layernorm_after.weight")


def full_size_weights(spec):
    """HF names and shapes from bench's random_weights; values from the hash, as float64."""
    out = {}
    for name, t in video_models.random_weights(spec).items():
        v = hashed_values(name, tuple(t.shape), 0.04).astype(np.float64)
        if is_layer_norm_weight(name):
            v = 1.0 + v * 5.0
        out[name] = torch.from_numpy(v)
    return out


def pixel_values(spec):
    shape = (1, spec.frames, 3, spec.image, spec.image)
    return torch.from_numpy(hashed_values("pixel_values", shape, 1.0).astype(np.float64))


def main():
    torch.set_num_threads(os.cpu_count() or 1)
    golden = {}
    with torch.no_grad():
        spec = video_models.MODELS["vivit-b"]
        model = video_models.VideoTransformer(spec, full_size_weights(spec)).eval()
        golden["vivit_logits"] = model(pixel_values(spec)).numpy()

        spec = dataclasses.replace(video_models.MODELS["videomae-b-pretrain"], use_mean_pooling=False)
        slots = spec.frames // spec.tubelet
        mask = np.array([[s % 10 != 0 for _ in range(slots) for s in range(spec.spatial_patches)]])
        visible, masked = (torch.from_numpy(i) for i in video_models.mask_to_indices(mask))
        model = video_models.VideoTransformer(spec, full_size_weights(spec)).eval()
        logits, loss = model(pixel_values(spec), visible, masked)
        logits = logits[0].numpy()
        golden["videomae_loss"] = np.array([loss.item()])
        golden["videomae_logit_rows"] = logits[list(VIDEOMAE_ROWS)]
        golden["videomae_logit_row_sums"] = logits.sum(axis=1)
    path = os.path.join(HERE, "golden.safetensors")
    safetensors_io.save(path + ".tmp", {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in golden.items()})
    os.replace(path + ".tmp", path)
    for k, v in golden.items():
        print(k, v.shape, v.ravel()[:4])


if __name__ == "__main__":
    main()
