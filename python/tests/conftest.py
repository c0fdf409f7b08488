"""Paths shared by the tests: the repository's conformance cases (HF golden outputs) and CLI."""
import json
import os
import pathlib
import sys

import numpy as np
import pytest

SOURCE = pathlib.Path(os.environ.get("VIVID_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CASES = SOURCE / "tests" / "conformance" / "cases"
VIDEO = SOURCE / "tests" / "data" / "video" / "cases" / "h264_yuv420p_bframes" / "video.mp4"
CLI = os.environ.get("VIVID_CLI", str(SOURCE / "build" / "vivid"))

# The repository's numpy-only safetensors reader and writer (bench/ and tests/data/ use it too).
sys.path.insert(0, str(SOURCE / "bench"))
import safetensors_io  # noqa: E402

read_safetensors = safetensors_io.load


@pytest.fixture(scope="session")
def cases():
    return sorted(p.name for p in CASES.iterdir()
                  if (p / "expected" / "outputs.safetensors").exists() and (p / "expected" / "config.json").exists())


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
    safetensors_io.save(str(folder / "model.safetensors"), {k: np.asarray(v, np.float32) for k, v in w.items()})
    return str(folder), (1, frames, 3, image, image)
