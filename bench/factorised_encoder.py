#!/usr/bin/python3
"""vivid bench on full-size ViViT factorised encoders (Scenic's Model 2) beside ViViT-B Model 1.

    /usr/bin/python3 bench/factorised_encoder.py --build build --rounds 3 --reps 2 [--threads 2]

Random weights (std 0.02) in HF folders under --cache (written once): ViViT-B/16x2 FE (12 spatial
layers, 4 temporal as Scenic's config states), ViViT-L/16x2 FE (24 + 4, 1024 wide) and ViViT-B/16x2
(Model 1), 32 frames of 224. Each round runs `vivid bench --json` for every model and precision in
turn (interleaved, so load drifts hit all alike); per (model, precision) it prints the min and
median of the per-forward medians, the ratio to Model 1 fp32 in the same rounds, and the load.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import safetensors_io  # noqa: E402

MODELS = {  # name: (hidden, spatial layers, temporal layers (0: Model 1), heads, mlp)
    "vivit-b": (768, 12, 0, 12, 3072),
    "vivit-b-fe": (768, 12, 4, 12, 3072),
    "vivit-l-fe": (1024, 24, 4, 16, 4096),
}


def layer_weights(w, rng, prefix, count, d, mlp):
    for i in range(count):
        p = "%s.%d." % (prefix, i)
        for name in ("query", "key", "value"):
            w[p + "attention.attention.%s.weight" % name] = rng.normal(0, 0.02, (d, d))
            w[p + "attention.attention.%s.bias" % name] = rng.normal(0, 0.02, d)
        w[p + "attention.output.dense.weight"] = rng.normal(0, 0.02, (d, d))
        w[p + "attention.output.dense.bias"] = rng.normal(0, 0.02, d)
        w[p + "intermediate.dense.weight"] = rng.normal(0, 0.02, (mlp, d))
        w[p + "intermediate.dense.bias"] = rng.normal(0, 0.02, mlp)
        w[p + "output.dense.weight"] = rng.normal(0, 0.02, (d, mlp))
        w[p + "output.dense.bias"] = rng.normal(0, 0.02, d)
        for ln in ("layernorm_before", "layernorm_after"):
            w[p + ln + ".weight"] = 1 + rng.normal(0, 0.1, d)
            w[p + ln + ".bias"] = rng.normal(0, 0.02, d)


def write_folder(folder, hidden, spatial, temporal, heads, mlp, frames=32, image=224, labels=400):
    """An HF folder of random weights (normal(0, 0.02); LayerNorm weights 1 + normal(0, 0.1))."""
    fe = temporal > 0
    config = {"architectures": ["VivitFactorisedEncoderForVideoClassification" if fe else "VivitForVideoClassification"],
              "model_type": "vivit_factorised_encoder" if fe else "vivit", "image_size": image,
              "num_frames": frames, "tubelet_size": [2, 16, 16], "num_channels": 3, "hidden_size": hidden,
              "num_hidden_layers": spatial, "num_attention_heads": heads, "intermediate_size": mlp,
              "hidden_act": "gelu_fast", "layer_norm_eps": 1e-6, "qkv_bias": True,
              "id2label": {str(i): "LABEL_%d" % i for i in range(labels)},
              "label2id": {"LABEL_%d" % i: i for i in range(labels)}}
    if fe:
        config["num_temporal_layers"] = temporal
    path = os.path.join(folder, "config.json")
    if os.path.exists(path) and json.load(open(path)) == config:
        return
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    d, slots, per_slot = hidden, frames // 2, (image // 16) ** 2
    w = {"vivit.embeddings.patch_embeddings.projection.weight": rng.normal(0, 0.02, (d, 3, 2, 16, 16)),
         "vivit.embeddings.patch_embeddings.projection.bias": rng.normal(0, 0.02, d),
         "vivit.embeddings.cls_token": rng.normal(0, 0.02, (1, 1, d)),
         "vivit.embeddings.position_embeddings": rng.normal(0, 0.02, (1, 1 + (per_slot if fe else slots * per_slot), d)),
         "vivit.layernorm.weight": 1 + rng.normal(0, 0.1, d), "vivit.layernorm.bias": rng.normal(0, 0.02, d),
         "classifier.weight": rng.normal(0, 0.02, (labels, d)), "classifier.bias": rng.normal(0, 0.02, labels)}
    layer_weights(w, rng, "vivit.encoder.layer", spatial, d, mlp)
    if fe:
        w["vivit.temporal_embeddings.cls_token"] = rng.normal(0, 0.02, (1, 1, d))
        w["vivit.temporal_embeddings.position_embeddings"] = rng.normal(0, 0.02, (1, 1 + slots, d))
        w["vivit.temporal_layernorm.weight"] = 1 + rng.normal(0, 0.1, d)
        w["vivit.temporal_layernorm.bias"] = rng.normal(0, 0.02, d)
        layer_weights(w, rng, "vivit.temporal_encoder.layer", temporal, d, mlp)
    safetensors_io.save(os.path.join(folder, "model.safetensors"), {k: v.astype(np.float32) for k, v in w.items()})
    with open(path, "w") as f:
        json.dump(config, f, indent=1)


def bench(cli, folder, precision, threads, reps):
    out = subprocess.run([cli, "bench", "--model", folder, "--precision", precision, "--threads", str(threads),
                          "--reps", str(reps), "--warmup", "1", "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--cache", default="/tmp/vivid-bench-fe")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precisions", default="fp32,bf16,int8")
    a = ap.parse_args()
    cli = os.path.join(a.build, "vivid")
    folders = {}
    for name, dims in MODELS.items():
        folders[name] = os.path.join(a.cache, name)
        write_folder(folders[name], *dims)
    results, flops = {}, {}
    for r in range(a.rounds):
        for name, folder in folders.items():
            for p in a.precisions.split(","):
                j = bench(cli, folder, p, a.threads, a.reps)
                results.setdefault((name, p), []).append(j["seconds_median"])
                flops[name] = j["gflop"]
                print("round %d %s %s %.3f s (load %.2f)" % (r, name, p, j["seconds_median"], os.getloadavg()[0]),
                      flush=True)
    base = statistics.median(results[("vivit-b", "fp32")])
    print("\n| model | GFLOP | precision | min s | median s | Model 1 fp32 / this |")
    print("|---|---|---|---|---|---|")
    for (name, p), s in results.items():
        print("| %s | %.0f | %s | %.3f | %.3f | %.2fx |" % (name, flops[name], p, min(s), statistics.median(s),
                                                        base / statistics.median(s)))
    print("load average %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
