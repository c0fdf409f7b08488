#!/usr/bin/python3
"""Model forward benchmark: vivid against PyTorch on the CPU, same random weights, same input.

transformers is not installed here, so the PyTorch side is a minimal re-implementation of the
HF modules, op for op (VideoMAEForVideoClassification: tubelet Conv3d, fixed sinusoid table,
pre-norm layers with q/v bias and zero k bias, exact GELU, mean pooling + fc_norm;
VivitForVideoClassification: CLS token, learned positions, q/k/v bias, gelu_fast, final
layernorm on the CLS token). Random weights are saved as an HF folder (config.json +
model.safetensors, HF names), which vivid loads; logits are compared, then forwards timed.

    /usr/bin/python3 bench/bench_forward.py --build build-bench --model videomae-b --threads 1 2 --reps 3

vivid's forward is timed in-process by bench_forward (model loaded once, warm-up, median);
`vivid run` (process start + weight loading + forward + writing) is timed once for reference.
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

SIZES = {
    # name: (model_type, frames, image, tubelet_t, patch, hidden, layers, heads, mlp, labels)
    "videomae-b": ("videomae", 16, 224, 2, 16, 768, 12, 12, 3072, 400),
    "vivit-b": ("vivit", 32, 224, 2, 16, 768, 12, 12, 3072, 400),
    # A small one for a quick check of the harness.
    "videomae-s": ("videomae", 16, 224, 2, 16, 384, 12, 6, 1536, 174),
}


def sinusoid_table(n_position, d_hid):
    # transformers/models/videomae/modeling_videomae.py, get_sinusoid_encoding_table
    def angle_vec(pos):
        return [pos / np.power(10000, 2 * (j // 2) / d_hid) for j in range(d_hid)]
    table = np.array([angle_vec(p) for p in range(n_position)])
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.FloatTensor(table).unsqueeze(0)


def random_weights(spec, seed=0):
    model_type, frames, image, tt, patch, hidden, layers, heads, mlp, labels = spec
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, std=0.02):
        return torch.randn(*shape, generator=g) * std

    prefix = "videomae" if model_type == "videomae" else "vivit"
    w = {
        f"{prefix}.embeddings.patch_embeddings.projection.weight": rnd(hidden, 3, tt, patch, patch),
        f"{prefix}.embeddings.patch_embeddings.projection.bias": rnd(hidden),
        "classifier.weight": rnd(labels, hidden),
        "classifier.bias": rnd(labels),
    }
    num_patches = (frames // tt) * (image // patch) ** 2
    if model_type == "vivit":
        w["vivit.embeddings.cls_token"] = rnd(1, 1, hidden)
        w["vivit.embeddings.position_embeddings"] = rnd(1, num_patches + 1, hidden)
        w["vivit.layernorm.weight"] = 1 + rnd(hidden, std=0.1)
        w["vivit.layernorm.bias"] = rnd(hidden)
    else:
        w["fc_norm.weight"] = 1 + rnd(hidden, std=0.1)
        w["fc_norm.bias"] = rnd(hidden)
    for i in range(layers):
        p = f"{prefix}.encoder.layer.{i}."
        for name in ("query", "key", "value"):
            w[p + f"attention.attention.{name}.weight"] = rnd(hidden, hidden)
            if model_type == "vivit":
                w[p + f"attention.attention.{name}.bias"] = rnd(hidden)
        if model_type == "videomae":
            w[p + "attention.attention.q_bias"] = rnd(hidden)
            w[p + "attention.attention.v_bias"] = rnd(hidden)
        w[p + "attention.output.dense.weight"] = rnd(hidden, hidden)
        w[p + "attention.output.dense.bias"] = rnd(hidden)
        w[p + "intermediate.dense.weight"] = rnd(mlp, hidden)
        w[p + "intermediate.dense.bias"] = rnd(mlp)
        w[p + "output.dense.weight"] = rnd(hidden, mlp)
        w[p + "output.dense.bias"] = rnd(hidden)
        for ln in ("layernorm_before", "layernorm_after"):
            w[p + f"{ln}.weight"] = 1 + rnd(hidden, std=0.1)
            w[p + f"{ln}.bias"] = rnd(hidden)
    return w


def hf_config(spec):
    model_type, frames, image, tt, patch, hidden, layers, heads, mlp, labels = spec
    c = {
        "model_type": model_type, "image_size": image, "num_frames": frames, "num_channels": 3,
        "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
        "intermediate_size": mlp, "qkv_bias": True,
        "id2label": {str(i): f"LABEL_{i}" for i in range(labels)},
    }
    if model_type == "videomae":
        c.update(architectures=["VideoMAEForVideoClassification"], patch_size=patch, tubelet_size=tt,
                 hidden_act="gelu", layer_norm_eps=1e-12, use_mean_pooling=True)
    else:
        c.update(architectures=["VivitForVideoClassification"], tubelet_size=[tt, patch, patch],
                 hidden_act="gelu_fast", layer_norm_eps=1e-6)
    return c


def gelu_fast(x):
    # transformers.activations.FastGELUActivation
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


class TorchVideoTransformer(torch.nn.Module):
    """HF VideoMAEForVideoClassification / VivitForVideoClassification forward (eval mode)."""

    def __init__(self, spec, weights):
        super().__init__()
        (self.model_type, self.frames, self.image, self.tt, self.patch, self.hidden, self.layers,
         self.heads, self.mlp, self.labels) = spec
        self.w = weights
        self.prefix = "videomae" if self.model_type == "videomae" else "vivit"
        self.eps = 1e-12 if self.model_type == "videomae" else 1e-6
        if self.model_type == "videomae":
            n = (self.frames // self.tt) * (self.image // self.patch) ** 2
            self.pos = sinusoid_table(n, self.hidden)

    def ln(self, x, name):
        return F.layer_norm(x, (self.hidden,), self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def layer(self, x, i):
        w, p = self.w, f"{self.prefix}.encoder.layer.{i}."
        a = p + "attention.attention."
        h = self.ln(x, p + "layernorm_before")
        if self.model_type == "videomae":
            q_bias, v_bias = w[a + "q_bias"], w[a + "v_bias"]
            k_bias = torch.zeros_like(v_bias)
        else:
            q_bias, k_bias, v_bias = w[a + "query.bias"], w[a + "key.bias"], w[a + "value.bias"]
        b, n, _ = h.shape
        d = self.hidden // self.heads

        def heads(t):
            return t.view(b, n, self.heads, d).permute(0, 2, 1, 3)
        q = heads(F.linear(h, w[a + "query.weight"], q_bias))
        k = heads(F.linear(h, w[a + "key.weight"], k_bias))
        v = heads(F.linear(h, w[a + "value.weight"], v_bias))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(b, n, self.hidden)
        x = F.linear(ctx, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]) + x
        h = self.ln(x, p + "layernorm_after")
        h = F.linear(h, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"])
        h = F.gelu(h) if self.model_type == "videomae" else gelu_fast(h)
        return F.linear(h, w[p + "output.dense.weight"], w[p + "output.dense.bias"]) + x

    def forward(self, pixel_values):
        w, e = self.w, f"{self.prefix}.embeddings."
        x = pixel_values.permute(0, 2, 1, 3, 4)  # (B, C, T, H, W)
        x = F.conv3d(x, w[e + "patch_embeddings.projection.weight"], w[e + "patch_embeddings.projection.bias"],
                     stride=(self.tt, self.patch, self.patch))
        x = x.flatten(2).transpose(1, 2)
        if self.model_type == "videomae":
            x = x + self.pos.type_as(x)
        else:
            cls = w[e + "cls_token"].expand(x.shape[0], -1, -1)
            x = torch.cat((cls, x), dim=1) + w[e + "position_embeddings"]
        for i in range(self.layers):
            x = self.layer(x, i)
        if self.model_type == "videomae":
            pooled = self.ln(x.mean(1), "fc_norm")
        else:
            pooled = self.ln(x, "vivit.layernorm")[:, 0]
        return F.linear(pooled, w["classifier.weight"], w["classifier.bias"])


def loaded_blas():
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none"


def set_blas_threads(threads):
    # Debian's torch 1.13 is built with BLAS_INFO=generic, so torch.set_num_threads does not
    # reach OpenBLAS's own pool; set it directly when OpenBLAS is the libblas.so.3 loaded.
    try:
        ctypes.CDLL("libblas.so.3").openblas_set_num_threads(threads)
    except (OSError, AttributeError):
        pass


def time_torch(model, pixel_values, threads, reps, warmup):
    torch.set_num_threads(threads)
    set_blas_threads(threads)
    with torch.inference_mode():
        for _ in range(warmup):
            logits = model(pixel_values)
        times, cpu = [], []
        for _ in range(reps):
            c0 = time.process_time()
            t0 = time.perf_counter()
            logits = model(pixel_values)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return logits.numpy(), statistics.median(times), min(times), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build-bench")
    parser.add_argument("--model", default="videomae-b", choices=sorted(SIZES))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--torch-blas-dir", default="",
                        help="folder with another libblas.so.3 for torch (e.g. Debian's OpenBLAS, extracted)")
    args = parser.parse_args()
    if args.torch_blas_dir and os.environ.get("LD_LIBRARY_PATH") != args.torch_blas_dir:
        # The dynamic loader reads LD_LIBRARY_PATH at start: run again with it set.
        env = dict(os.environ, LD_LIBRARY_PATH=args.torch_blas_dir)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    # vivid's subprocesses must not see the alternative BLAS (vivid does not use BLAS anyway).
    child_env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    spec = SIZES[args.model]
    bench_forward = os.path.join(args.build, "bench_forward")
    vivid = os.path.join(args.build, "vivid")

    weights = random_weights(spec)
    model = TorchVideoTransformer(spec, weights).eval()
    g = torch.Generator().manual_seed(1)
    pixel_values = torch.randn(args.batch, spec[1], 3, spec[2], spec[2], generator=g)
    print(f"torch BLAS: {loaded_blas()}")
    print(f"torch {torch.__version__}, model {args.model}, input {tuple(pixel_values.shape)}, "
          f"reps {args.reps} (median), warm-up {args.warmup}")

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = os.path.join(tmp, "model")
        os.makedirs(model_dir)
        with open(os.path.join(model_dir, "config.json"), "w") as f:
            json.dump(hf_config(spec), f)
        safetensors_io.save(os.path.join(model_dir, "model.safetensors"),
                            {k: v.contiguous().numpy() for k, v in weights.items()})
        pv_file = os.path.join(tmp, "pixel_values.safetensors")
        safetensors_io.save(pv_file, {"pixel_values": pixel_values.numpy()})

        for threads in args.threads:
            # vivid first, then torch, so each runs alone on the machine's cores.
            logits_file = os.path.join(tmp, f"vivid_logits_{threads}.safetensors")
            cmd = [bench_forward, model_dir, pv_file, str(args.reps), str(threads), str(args.warmup), logits_file]
            print("vivid in-process:", " ".join(cmd), flush=True)
            vivid_res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                                      env=child_env).stdout)
            vivid_logits = safetensors_io.load(logits_file)["logits"]

            run_cmd = [vivid, "run", "--model", model_dir, "--pixel-values", pv_file, "--threads", str(threads),
                       "--save-outputs", os.path.join(tmp, "run.safetensors")]
            print("vivid CLI:       ", " ".join(run_cmd), flush=True)
            t0 = time.perf_counter()
            subprocess.run(run_cmd, check=True, env=child_env)
            cli_s = time.perf_counter() - t0
            cli_logits = safetensors_io.load(os.path.join(tmp, "run.safetensors"))["logits"]

            torch_logits, torch_med, torch_min, torch_cpu = time_torch(model, pixel_values, threads, args.reps, args.warmup)
            diff = float(np.abs(vivid_logits - torch_logits).max())
            cli_diff = float(np.abs(cli_logits - torch_logits).max())
            results.append((threads, torch_med, torch_min, vivid_res["forward_median_s"], vivid_res["forward_min_s"],
                            vivid_res["load_s"], cli_s, diff, cli_diff, torch_cpu, vivid_res["forward_cpu_median_s"]))

    print(f"\n{args.model}: seconds per forward of a batch of {args.batch} clip(s)")
    print("wall: median (min) of the timed forwards; cpu: median process CPU seconds per forward (all threads)")
    print("threads  torch wall (min)   vivid wall (min)   torch/vivid wall | torch cpu  vivid cpu  torch/vivid cpu"
          " | vivid load  vivid run CLI | max|dlogits|")
    for t, tm, tmin, vm, vmin, load, cli, diff, cli_diff, tcpu, vcpu in results:
        print(f"{t:7d}  {tm:7.3f} ({tmin:6.3f})  {vm:7.3f} ({vmin:6.3f})  {tm / vm:8.2f}x         | "
              f"{tcpu:8.3f}  {vcpu:8.3f}  {tcpu / vcpu:8.2f}x        | {load:8.3f}  {cli:8.3f}      | "
              f"{diff:.2e} (CLI {cli_diff:.2e})")
    worst = max(r[7] for r in results + [])
    worst = max(worst, max(r[8] for r in results))
    print(f"logits agree within 1e-4: {'yes' if worst <= 1e-4 else 'NO'} (worst {worst:.2e})")
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
