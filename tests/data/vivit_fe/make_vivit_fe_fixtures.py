#!/usr/bin/python3
"""Writes tiny ViViT factorised-encoder (Scenic Model 2) fixtures and their expected values.

Run with Debian's /usr/bin/python3, python3-numpy and python3-msgpack:
    /usr/bin/python3 tests/data/vivit_fe/make_vivit_fe_fixtures.py

Each fixture is a Scenic train state (params under optimizer/target, a momentum per parameter
under optimizer/state/param_states, keys sorted as flax's state_dict writes them) encoded as
flax.serialization.msgpack_serialize does, and an `expected/` HF folder written from the issue's
description of the format, not from vivid's rule table:
  embedding/kernel (t, h, w, C, D) -> vivit.embeddings.patch_embeddings.projection.weight (D, C, t, h, w)
  query/key/value kernel (D, H, dh) -> (H*dh, D); their bias (H, dh) -> (H*dh)
  out kernel (H, dh, D) -> (D, H*dh); Dense kernels (in, out) -> (out, in); LayerNorm scale -> weight
The expected logits and features come from a float64 numpy forward written from Scenic's
SpaceTimeViViT (scenic/projects/vivit/model.py) on the Flax parameters themselves:
tubelet conv; per temporal slot: prepend cls_SpatialTransformer, add its position table, pre-LN
blocks (LayerNorm eps 1e-6, attention scaled by dh^-0.5, tanh GELU), encoder_norm, keep CLS;
then the same over the slots with cls_TemporalTransformer; output_projection on the CLS.
"""
import json
import math
import os
import shutil
import sys

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench"))
import safetensors_io  # noqa: E402

EPS = 1e-6


def ext_pack(x):  # flax _msgpack_ext_pack for ndarrays and numpy scalars
    if isinstance(x, np.ndarray):
        return msgpack.ExtType(1, msgpack.packb((x.shape, x.dtype.name, x.tobytes("C")), use_bin_type=True))
    if isinstance(x, np.generic):
        a = np.asarray(x)
        return msgpack.ExtType(3, msgpack.packb((a.shape, a.dtype.name, a.tobytes("C")), use_bin_type=True))
    raise TypeError(type(x))


def sorted_tree(d):
    return {k: sorted_tree(v) if isinstance(v, dict) else v for k, v in sorted(d.items())}


def nest(flat):
    tree = {}
    for path, value in flat.items():
        node = tree
        parts = path.split("/")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return tree


def encoder_params(rng, prefix, layers, d, heads, mlp, tokens):
    p = {prefix + "/posembed_input/pos_embedding": rng.normal(0, 0.5, (1, tokens, d))}
    dh = d // heads
    for i in range(layers):
        b = "%s/encoderblock_%d/" % (prefix, i)
        for ln in ("LayerNorm_0", "LayerNorm_1"):
            p[b + ln + "/scale"] = 1 + rng.normal(0, 0.1, d)
            p[b + ln + "/bias"] = rng.normal(0, 0.1, d)
        for name in ("query", "key", "value"):
            p[b + "MultiHeadDotProductAttention_0/%s/kernel" % name] = rng.normal(0, d ** -0.5, (d, heads, dh))
            p[b + "MultiHeadDotProductAttention_0/%s/bias" % name] = rng.normal(0, 0.1, (heads, dh))
        p[b + "MultiHeadDotProductAttention_0/out/kernel"] = rng.normal(0, d ** -0.5, (heads, dh, d))
        p[b + "MultiHeadDotProductAttention_0/out/bias"] = rng.normal(0, 0.1, d)
        p[b + "MlpBlock_0/Dense_0/kernel"] = rng.normal(0, d ** -0.5, (d, mlp))
        p[b + "MlpBlock_0/Dense_0/bias"] = rng.normal(0, 0.1, mlp)
        p[b + "MlpBlock_0/Dense_1/kernel"] = rng.normal(0, mlp ** -0.5, (mlp, d))
        p[b + "MlpBlock_0/Dense_1/bias"] = rng.normal(0, 0.1, d)
    p[prefix + "/encoder_norm/scale"] = 1 + rng.normal(0, 0.1, d)
    p[prefix + "/encoder_norm/bias"] = rng.normal(0, 0.1, d)
    return p


def make_params(rng, a):
    d, (t, ph, pw), c = a["hidden"], a["tubelet"], a["channels"]
    slots, slot_tokens = a["frames"] // t, (a["image"] // ph) * (a["image"] // pw)
    p = {"embedding/kernel": rng.normal(0, 0.3, (t, ph, pw, c, d)), "embedding/bias": rng.normal(0, 0.1, d),
         "cls_SpatialTransformer": rng.normal(0, 0.5, (1, 1, d)),
         "cls_TemporalTransformer": rng.normal(0, 0.5, (1, 1, d)),
         "output_projection/kernel": rng.normal(0, d ** -0.5, (d, a["classes"])),
         "output_projection/bias": rng.normal(0, 0.1, a["classes"])}
    p.update(encoder_params(rng, "SpatialTransformer", a["spatial_layers"], d, a["heads"], a["mlp"], 1 + slot_tokens))
    p.update(encoder_params(rng, "TemporalTransformer", a["temporal_layers"], d, a["temporal_heads"],
                            a["temporal_mlp"], 1 + slots))
    return {k: v.astype(np.float32) for k, v in p.items()}


# ---- the reference forward (float64, Flax layouts) -------------------------------------------

def layer_norm(x, scale, bias):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * scale + bias


def gelu_tanh(x):  # flax nn.gelu (approximate=True)
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def block(x, p, b):
    g = lambda name: p[b + name].astype(np.float64)  # noqa: E731
    y = layer_norm(x, g("LayerNorm_0/scale"), g("LayerNorm_0/bias"))
    att = "MultiHeadDotProductAttention_0/"
    q = np.einsum("nd,dhk->nhk", y, g(att + "query/kernel")) + g(att + "query/bias")
    k = np.einsum("nd,dhk->nhk", y, g(att + "key/kernel")) + g(att + "key/bias")
    v = np.einsum("nd,dhk->nhk", y, g(att + "value/kernel")) + g(att + "value/bias")
    logits = np.einsum("qhk,nhk->hqn", q, k) / math.sqrt(q.shape[-1])
    logits -= logits.max(-1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(-1, keepdims=True)
    ctx = np.einsum("hqn,nhk->qhk", probs, v)
    x = x + np.einsum("qhk,hkd->qd", ctx, g(att + "out/kernel")) + g(att + "out/bias")
    y = layer_norm(x, g("LayerNorm_1/scale"), g("LayerNorm_1/bias"))
    y = gelu_tanh(y @ g("MlpBlock_0/Dense_0/kernel") + g("MlpBlock_0/Dense_0/bias"))
    return x + y @ g("MlpBlock_0/Dense_1/kernel") + g("MlpBlock_0/Dense_1/bias")


def encoder_cls(tokens, p, name, layers):
    x = np.concatenate([p["cls_" + name].astype(np.float64)[0], tokens], axis=0)
    x = x + p[name + "/posembed_input/pos_embedding"].astype(np.float64)[0]
    for i in range(layers):
        x = block(x, p, "%s/encoderblock_%d/" % (name, i))
    x = layer_norm(x, p[name + "/encoder_norm/scale"], p[name + "/encoder_norm/bias"])
    return x[0]


def reference(p, a, pixel_values):
    """pixel_values (B, T, C, H, W) as HF takes them -> (features (B, D), logits (B, classes))."""
    t, ph, pw = a["tubelet"]
    kernel = p["embedding/kernel"].astype(np.float64)
    feats = []
    for clip in pixel_values.astype(np.float64):
        video = clip.transpose(0, 2, 3, 1)  # Scenic's (T, H, W, C)
        T, H, W, C = video.shape
        patches = video.reshape(T // t, t, H // ph, ph, W // pw, pw, C).transpose(0, 2, 4, 1, 3, 5, 6)
        tokens = np.einsum("abcijkz,ijkzd->abcd", patches, kernel) + p["embedding/bias"]
        slots = tokens.reshape(T // t, -1, tokens.shape[-1])
        slot_cls = np.stack([encoder_cls(s, p, "SpatialTransformer", a["spatial_layers"]) for s in slots])
        feats.append(encoder_cls(slot_cls, p, "TemporalTransformer", a["temporal_layers"]))
    feats = np.stack(feats)
    return feats, feats @ p["output_projection/kernel"] + p["output_projection/bias"]


# ---- the HF folder, written from the format ------------------------------------------

def hf_tensors(p, a):
    out = {"vivit.embeddings.patch_embeddings.projection.weight": p["embedding/kernel"].transpose(4, 3, 0, 1, 2),
           "vivit.embeddings.patch_embeddings.projection.bias": p["embedding/bias"],
           "vivit.embeddings.cls_token": p["cls_SpatialTransformer"],
           "vivit.temporal_embeddings.cls_token": p["cls_TemporalTransformer"],
           "classifier.weight": p["output_projection/kernel"].T,
           "classifier.bias": p["output_projection/bias"]}
    for src, dst, layers in (("SpatialTransformer", "vivit.", a["spatial_layers"]),
                             ("TemporalTransformer", "vivit.temporal_", a["temporal_layers"])):
        emb = "vivit.embeddings." if src == "SpatialTransformer" else "vivit.temporal_embeddings."
        out[emb + "position_embeddings"] = p[src + "/posembed_input/pos_embedding"]
        norm = "vivit.layernorm." if src == "SpatialTransformer" else "vivit.temporal_layernorm."
        out[norm + "weight"] = p[src + "/encoder_norm/scale"]
        out[norm + "bias"] = p[src + "/encoder_norm/bias"]
        enc = "vivit.encoder.layer." if src == "SpatialTransformer" else "vivit.temporal_encoder.layer."
        for i in range(layers):
            b, h = "%s/encoderblock_%d/" % (src, i), "%s%d." % (enc, i)
            att = b + "MultiHeadDotProductAttention_0/"
            out[h + "layernorm_before.weight"] = p[b + "LayerNorm_0/scale"]
            out[h + "layernorm_before.bias"] = p[b + "LayerNorm_0/bias"]
            out[h + "layernorm_after.weight"] = p[b + "LayerNorm_1/scale"]
            out[h + "layernorm_after.bias"] = p[b + "LayerNorm_1/bias"]
            for name in ("query", "key", "value"):
                kern = p[att + name + "/kernel"]
                out[h + "attention.attention.%s.weight" % name] = kern.reshape(kern.shape[0], -1).T
                out[h + "attention.attention.%s.bias" % name] = p[att + name + "/bias"].reshape(-1)
            kern = p[att + "out/kernel"]
            out[h + "attention.output.dense.weight"] = kern.reshape(-1, kern.shape[-1]).T
            out[h + "attention.output.dense.bias"] = p[att + "out/bias"]
            out[h + "intermediate.dense.weight"] = p[b + "MlpBlock_0/Dense_0/kernel"].T
            out[h + "intermediate.dense.bias"] = p[b + "MlpBlock_0/Dense_0/bias"]
            out[h + "output.dense.weight"] = p[b + "MlpBlock_0/Dense_1/kernel"].T
            out[h + "output.dense.bias"] = p[b + "MlpBlock_0/Dense_1/bias"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def hf_config(a):
    labels = a["labels"]
    c = {"architectures": ["VivitFactorisedEncoderForVideoClassification"],
         "model_type": "vivit_factorised_encoder",
         "hidden_size": a["hidden"], "num_hidden_layers": a["spatial_layers"],
         "num_temporal_layers": a["temporal_layers"], "num_attention_heads": a["heads"],
         "intermediate_size": a["mlp"], "hidden_act": "gelu_fast", "image_size": a["image"],
         "num_frames": a["frames"], "tubelet_size": list(a["tubelet"]), "num_channels": a["channels"],
         "layer_norm_eps": EPS, "qkv_bias": True,
         "id2label": {str(i): n for i, n in enumerate(labels)}, "label2id": {n: i for i, n in enumerate(labels)}}
    if a["temporal_heads"] != a["heads"]:
        c["temporal_num_attention_heads"] = a["temporal_heads"]
    if a["temporal_mlp"] != a["mlp"]:
        c["temporal_intermediate_size"] = a["temporal_mlp"]
    if a.get("heads_split"):
        c["heads"] = [{"name": n, "size": s} for n, s in a["heads_split"]]
    return c


def preprocessor_config(size):  # HF's VivitImageProcessor, scaled to the fixture
    return {"image_processor_type": "VivitImageProcessor", "do_resize": True, "size": {"shortest_edge": size},
            "resample": 2, "do_center_crop": True, "crop_size": {"height": size, "width": size}, "do_rescale": True,
            "rescale_factor": 1 / 255, "do_zero_centering": True, "do_normalize": False,
            "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}


def train_state(params, rng):
    momentum = {k: rng.normal(0, 1e-3, v.shape).astype(np.float32) for k, v in params.items()}
    state = {"optimizer": {"target": nest(params),
                           "state": {"step": np.int64(1000),
                                     "param_states": {k: {"momentum": v} for k, v in nest(momentum).items()}}},
             "global_step": np.int64(1000), "accum_train_time": np.float64(12.5)}
    return msgpack.packb(sorted_tree(state), default=ext_pack, strict_types=True)


FIXTURES = {
    # Two heads (noun 4, verb 3) as the EPIC-KITCHENS checkpoint has; the temporal encoder with
    # other heads and MLP width than the spatial one, as Scenic allows.
    "fe_two_heads": dict(hidden=16, heads=2, mlp=24, temporal_heads=4, temporal_mlp=20, spatial_layers=2,
                         temporal_layers=3, tubelet=(2, 4, 4), image=8, frames=6, channels=3, classes=7,
                         labels=["knife", "door", "cup", "pan", "cut", "open", "wash"],
                         heads_split=[("noun", 4), ("verb", 3)]),
    # One head; 1 temporal layer and an odd slot count (5), non-square tubelet.
    "fe_one_head": dict(hidden=24, heads=3, mlp=40, temporal_heads=3, temporal_mlp=40, spatial_layers=1,
                        temporal_layers=1, tubelet=(1, 4, 2), image=8, frames=5, channels=3, classes=5,
                        labels=["a", "b", "c", "d", "e"]),
}


def main():
    for name, a in FIXTURES.items():
        rng = np.random.default_rng(sum(map(ord, name)))
        params = make_params(rng, a)
        folder = os.path.join(HERE, name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(os.path.join(folder, "expected"))
        with open(os.path.join(folder, "checkpoint"), "wb") as f:
            f.write(train_state(params, rng))
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(hf_config(a), f, indent=2, sort_keys=True)
        safetensors_io.save(os.path.join(folder, "expected", "model.safetensors"), hf_tensors(params, a))
        shutil.copy(os.path.join(folder, "config.json"), os.path.join(folder, "expected", "config.json"))
        t, c, s = a["frames"], a["channels"], a["image"]
        pixel_values = rng.normal(0, 1, (2, t, c, s, s)).astype(np.float32)
        feats, logits = reference(params, a, pixel_values)
        safetensors_io.save(os.path.join(folder, "expected", "outputs.safetensors"),
                            {"pixel_values": pixel_values, "features": feats.astype(np.float32),
                             "logits": logits.astype(np.float32)})
        with open(os.path.join(folder, "expected", "preprocessor_config.json"), "w") as f:
            json.dump(preprocessor_config(a["image"]), f, indent=2, sort_keys=True)
        # A clip of the model's frame count for the commands that read videos (random pixels).
        np.save(os.path.join(folder, "video.npy"),
                rng.integers(0, 256, (a["frames"], a["image"] + 4, a["image"] + 2, 3), dtype=np.uint8))
        print("wrote", folder, "logits[0,:3]", logits[0, :3])


if __name__ == "__main__":
    main()
