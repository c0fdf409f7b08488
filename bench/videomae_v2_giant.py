#!/usr/bin/python3
"""VideoMAE V2 giant (1.0 B parameters) on the CPU: convert its fp16 file, then the time per window
and the peak memory per precision.

    /usr/bin/python3 bench/videomae_v2_giant.py --build build --rounds 2 --reps 1 [--threads 2]

Writes once, under --cache, a V2 giant Kinetics-710 checkpoint as the zoo ships the fine-tuned ones
(fp16 state dict under "module", V2's key names; random weights, std 0.02) and converts it with
`vivid convert --model-name videomae-v2-giant-k710` (peak RSS and wall time recorded). Then each round
runs `vivid bench --json` at batch 1 (one 16x224 window, 2048 tokens) for fp32, bf16 and int8 in turn;
per precision it prints the min and median seconds per window, the ratio to fp32 of the same rounds,
and the peak RSS (wait4's ru_maxrss of the vivid process: weights, packed copies and activations).
The weights' own size is printed beside it, so "one copy in memory" can be read off the table.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402

HIDDEN, LAYERS, HEADS, MLP, PATCH, CLASSES = 1408, 40, 16, 6144, 14, 710


def write_checkpoint(path):
    import torch  # Debian's python3-torch; only needed to write the file once
    g = torch.Generator().manual_seed(0)

    def rnd(*shape):
        return (torch.randn(*shape, generator=g) * 0.02).half()

    state = {"patch_embed.proj.weight": rnd(HIDDEN, 3, 2, PATCH, PATCH), "patch_embed.proj.bias": rnd(HIDDEN)}
    for i in range(LAYERS):
        p = "blocks.%d." % i
        for norm in ("norm1", "norm2"):
            state[p + norm + ".weight"] = (1 + rnd(HIDDEN).float()).half()
            state[p + norm + ".bias"] = rnd(HIDDEN)
        state[p + "attn.qkv.weight"] = rnd(3 * HIDDEN, HIDDEN)
        state[p + "attn.q_bias"] = rnd(HIDDEN)
        state[p + "attn.v_bias"] = rnd(HIDDEN)
        state[p + "attn.proj.weight"] = rnd(HIDDEN, HIDDEN)
        state[p + "attn.proj.bias"] = rnd(HIDDEN)
        state[p + "mlp.fc1.weight"] = rnd(MLP, HIDDEN)
        state[p + "mlp.fc1.bias"] = rnd(MLP)
        state[p + "mlp.fc2.weight"] = rnd(HIDDEN, MLP)
        state[p + "mlp.fc2.bias"] = rnd(HIDDEN)
    state["fc_norm.weight"] = (1 + rnd(HIDDEN).float()).half()
    state["fc_norm.bias"] = rnd(HIDDEN)
    state["head.weight"] = rnd(CLASSES, HIDDEN)
    state["head.bias"] = rnd(CLASSES)
    tmp = path + ".tmp"
    torch.save({"module": state}, tmp)
    os.replace(tmp, path)
    return sum(t.numel() for t in state.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--cache", default="out/bench_v2_giant")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precisions", default="fp32,bf16,int8")
    ap.add_argument("--json-out", default="")
    args = ap.parse_args()
    vivid = os.path.abspath(os.path.join(args.build, "vivid"))
    os.makedirs(args.cache, exist_ok=True)
    checkpoint = os.path.join(args.cache, "vit_g_k710_fp16_module.pth")
    folder = os.path.join(args.cache, "videomae-v2-giant-k710")
    facts = machine.facts(args.threads)
    print(machine.describe(facts))
    report = {"machine": facts, "checkpoint_bytes": 0, "convert": None, "runs": {}}
    if not os.path.exists(checkpoint):
        print("writing %s (random fp16 weights)..." % checkpoint, flush=True)
        write_checkpoint(checkpoint)
    report["checkpoint_bytes"] = os.path.getsize(checkpoint)
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        done = machine.run_process([vivid, "convert", "--from", "videomae-pth", "--checkpoint", checkpoint,
                                    "--model-name", "videomae-v2-giant-k710", "--out", folder, "--force",
                                    "--threads", str(args.threads)])
        if done.returncode != 0:
            sys.exit("convert failed: " + done.stderr)
        report["convert"] = {"wall_s": done.wall_s, "peak_rss_mb": done.peak_rss_mb}
        print("convert: %.1f s, peak RSS %.0f MB (fp16 file %.0f MB, fp32 folder %.0f MB)" % (
            done.wall_s, done.peak_rss_mb, report["checkpoint_bytes"] / 2**20,
            os.path.getsize(os.path.join(folder, "model.safetensors")) / 2**20), flush=True)
    weights_mb = os.path.getsize(os.path.join(folder, "model.safetensors")) / 2**20
    precisions = args.precisions.split(",")
    runs = {p: [] for p in precisions}
    for r in range(args.rounds):
        for p in precisions:
            load = machine.loadavg()[0]
            done = machine.run_process([vivid, "bench", "--model", folder, "--precision", p, "--batch", "1",
                                        "--threads", str(args.threads), "--reps", str(args.reps), "--warmup", "1",
                                        "--json"])
            if done.returncode != 0:
                print("%s: exit %d: %s" % (p, done.returncode, done.stderr.strip()))
                continue
            j = json.loads(done.stdout)
            runs[p].append({"seconds_median": j["seconds_median"], "seconds_min": j["seconds_min"],
                            "peak_rss_mb": done.peak_rss_mb, "load": load, "gflop": j["gflop"]})
            print("round %d %s: %.2f s/window, peak RSS %.0f MB, load %.1f" % (
                r, p, j["seconds_min"], done.peak_rss_mb, load), flush=True)
    report["runs"] = runs
    fp32 = [x["seconds_min"] for x in runs.get("fp32", [])]
    print("\n| precision | s/window min | median | x fp32 (median) | GFLOP/s | peak RSS MB | weights MB (fp32 file) |")
    print("|---|---|---|---|---|---|---|")
    for p in precisions:
        if not runs[p]:
            continue
        mins = [x["seconds_min"] for x in runs[p]]
        med = statistics.median(mins)
        ratio = statistics.median(fp32) / med if fp32 else float("nan")
        print("| %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f |" % (
            p, min(mins), med, ratio, runs[p][0]["gflop"] / min(mins), max(x["peak_rss_mb"] for x in runs[p]),
            weights_mb))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
