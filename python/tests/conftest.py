"""Paths shared by the tests: the repository's conformance cases (HF golden outputs) and CLI."""
import json
import os
import pathlib
import struct

import numpy as np
import pytest

SOURCE = pathlib.Path(os.environ.get("VIVID_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CASES = SOURCE / "tests" / "conformance" / "cases"
VIDEO = SOURCE / "tests" / "data" / "video" / "cases" / "h264_yuv420p_bframes" / "video.mp4"
CLI = os.environ.get("VIVID_CLI", str(SOURCE / "build" / "vivid"))

_DTYPES = {"F32": np.float32, "U8": np.uint8, "BOOL": np.bool_, "I64": np.int64, "F64": np.float64}


def read_safetensors(path):
    """A safetensors file as {name: numpy array} (the format is an 8-byte header length, JSON, data)."""
    raw = pathlib.Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=_DTYPES[t["dtype"]]).reshape(t["shape"])
    return out


@pytest.fixture(scope="session")
def cases():
    return sorted(p.name for p in CASES.iterdir()
                  if (p / "expected" / "outputs.safetensors").exists() and (p / "expected" / "config.json").exists())


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a, dtype=np.float32)
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    pathlib.Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


@pytest.fixture(scope="session")
def small_vivit(tmp_path_factory):
    """A random ViViT of 513 tokens, 192 wide, 4 layers: ~0.1 s a forward on one thread."""
    folder = tmp_path_factory.mktemp("small_vivit")
    d, layers, mlp, frames, image = 192, 4, 768, 16, 128
    tokens = (frames // 2) * (image // 16) ** 2 + 1
    config = {"model_type": "vivit", "architectures": ["VivitForVideoClassification"], "num_frames": frames,
              "image_size": image, "tubelet_size": [2, 16, 16], "num_channels": 3, "hidden_size": d,
              "num_hidden_layers": layers, "num_attention_heads": 3, "intermediate_size": mlp,
              "hidden_act": "gelu_fast", "layer_norm_eps": 1e-6, "qkv_bias": True,
              "id2label": {"0": "left", "1": "right"}, "label2id": {"left": 0, "right": 1}}
    (folder / "config.json").write_text(json.dumps(config))
    rng = np.random.default_rng(0)
    w = {"vivit.embeddings.cls_token": rng.normal(0, 0.02, (1, 1, d)),
         "vivit.embeddings.position_embeddings": rng.normal(0, 0.02, (1, tokens, d)),
         "vivit.embeddings.patch_embeddings.projection.weight": rng.normal(0, 0.02, (d, 3, 2, 16, 16)),
         "vivit.embeddings.patch_embeddings.projection.bias": np.zeros(d),
         "vivit.layernorm.weight": np.ones(d), "vivit.layernorm.bias": np.zeros(d),
         "classifier.weight": rng.normal(0, 0.02, (2, d)), "classifier.bias": np.zeros(2)}
    for i in range(layers):
        p = f"vivit.encoder.layer.{i}."
        for part in ("query", "key", "value"):
            w[p + f"attention.attention.{part}.weight"] = rng.normal(0, 0.02, (d, d))
            w[p + f"attention.attention.{part}.bias"] = np.zeros(d)
        w[p + "attention.output.dense.weight"] = rng.normal(0, 0.02, (d, d))
        w[p + "attention.output.dense.bias"] = np.zeros(d)
        w[p + "intermediate.dense.weight"] = rng.normal(0, 0.02, (mlp, d))
        w[p + "intermediate.dense.bias"] = np.zeros(mlp)
        w[p + "output.dense.weight"] = rng.normal(0, 0.02, (d, mlp))
        w[p + "output.dense.bias"] = np.zeros(d)
        for ln in ("layernorm_before", "layernorm_after"):
            w[p + ln + ".weight"] = np.ones(d)
            w[p + ln + ".bias"] = np.zeros(d)
    write_safetensors(folder / "model.safetensors", w)
    return str(folder), (1, frames, 3, image, image)
