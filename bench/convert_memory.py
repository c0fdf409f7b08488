#!/usr/bin/python3
"""Peak memory of `vivid convert` on a full-size original VideoMAE checkpoint.

    /usr/bin/python3 bench/convert_memory.py --vivid build/vivid [--size large] [--rounds 3] [--keep DIR]

Makes (once, cached in --cache) a VideoMAE fine-tuned checkpoint laid out like the conformance case
videomae_tiny_finetuned: torch.save({"model": state_dict}), the original key names (no pos_embed: the
fine-tuning model's sinusoid table is not a parameter; fc_norm, no norm, since use_mean_pooling),
random float32 weights (randn * 0.02, fixed seed). Then runs `vivid convert --from videomae-pth
--model-name videomae-<size>-finetuned-kinetics` --rounds times and prints checkpoint size, peak RSS
(the kernel's ru_maxrss of the vivid process), peak / checkpoint and wall time, min and median, as a
markdown table and one JSON line.
"""
import argparse
import json
import os
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine  # noqa: E402

# (hidden, layers, mlp) of the presets. Heads, frames (16) and image size (224) shape no weight: the
# preset supplies them, and the position table is computed, not stored.
SIZES = {"small": (384, 12, 1536), "base": (768, 12, 3072), "large": (1024, 24, 4096), "huge": (1280, 32, 5120)}
LABELS, PATCH, TUBELET = 400, 16, 2


def make_checkpoint(path, size):
    import torch  # only here: a cached checkpoint needs no torch
    hidden, layers, mlp = SIZES[size]
    shapes = {"patch_embed.proj.weight": (hidden, 3, TUBELET, PATCH, PATCH), "patch_embed.proj.bias": (hidden,)}
    for i in range(layers):  # the original block order (FINDINGS.md)
        b = f"blocks.{i}."
        shapes.update({b + "norm1.weight": (hidden,), b + "norm1.bias": (hidden,),
                       b + "attn.q_bias": (hidden,), b + "attn.v_bias": (hidden,),
                       b + "attn.qkv.weight": (3 * hidden, hidden),
                       b + "attn.proj.weight": (hidden, hidden), b + "attn.proj.bias": (hidden,),
                       b + "norm2.weight": (hidden,), b + "norm2.bias": (hidden,),
                       b + "mlp.fc1.weight": (mlp, hidden), b + "mlp.fc1.bias": (mlp,),
                       b + "mlp.fc2.weight": (hidden, mlp), b + "mlp.fc2.bias": (hidden,)})
    shapes.update({"fc_norm.weight": (hidden,), "fc_norm.bias": (hidden,),
                   "head.weight": (LABELS, hidden), "head.bias": (LABELS,)})
    gen = torch.Generator().manual_seed(0)
    state = {k: torch.randn(s, generator=gen) * 0.02 for k, s in shapes.items()}
    # Written under the same file name, whose stem torch uses as the zip's folder ("checkpoint/data.pkl",
    # as in the case), then moved: a killed run leaves no half-written cache.
    tmp = os.path.join(os.path.dirname(path), "partial", os.path.basename(path))
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    torch.save({"model": state}, tmp)
    os.replace(tmp, path)
    os.rmdir(os.path.dirname(tmp))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vivid", required=True, help="the vivid binary")
    p.add_argument("--size", default="large", choices=SIZES)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cache", default="/tmp/vivid-convert-mem")
    p.add_argument("--keep", metavar="DIR", help="write the converted folder here and keep it")
    a = p.parse_args()

    ckpt = os.path.join(a.cache, a.size, "checkpoint.pth")
    if not os.path.exists(ckpt):
        # Made here: run_process starts vivid from a small launcher, so vivid's ru_maxrss does not
        # inherit this process's high-water mark (Linux carries it over exec).
        print(f"making {ckpt} ...", flush=True)
        make_checkpoint(ckpt, a.size)
    ckpt_mb = os.path.getsize(ckpt) / 2**20
    out = a.keep or os.path.join(a.cache, a.size, "out")
    cmd = [a.vivid, "convert", "--from", "videomae-pth", "--checkpoint", ckpt,
           "--model-name", f"videomae-{a.size}-finetuned-kinetics", "--out", out, "--force"]

    facts = machine.facts(threads=None)
    rss, wall = [], []
    for r in range(a.rounds):
        done = machine.run_process(cmd)
        if done.returncode != 0:
            sys.exit(f"vivid convert failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
        rss.append(done.peak_rss_mb)
        wall.append(done.wall_s)
        print(f"round {r + 1}: peak RSS {done.peak_rss_mb:.0f} MB, {done.wall_s:.2f} s", flush=True)
    if not a.keep:
        shutil.rmtree(out, ignore_errors=True)

    result = {"command": " ".join(cmd), "size": a.size, "checkpoint_mb": round(ckpt_mb, 1),
              "peak_rss_mb": {"min": round(min(rss), 1), "median": round(statistics.median(rss), 1)},
              "ratio": {"min": round(min(rss) / ckpt_mb, 3), "median": round(statistics.median(rss) / ckpt_mb, 3)},
              "wall_s": {"min": round(min(wall), 3), "median": round(statistics.median(wall), 3)},
              "rounds": a.rounds, "cpu": facts["cpu"], "nproc": facts["nproc"], "date": facts["date"],
              "loadavg_before": facts["loadavg_before"], "loadavg_after": machine.loadavg()}
    print(f"\n`{result['command']}`\n\n{facts['date']}; {facts['cpu']}, nproc {facts['nproc']}; "
          f"load average before {result['loadavg_before']}, after {result['loadavg_after']}\n")
    print("| checkpoint MB | peak RSS MB min | peak RSS MB median | peak / checkpoint (median) | wall s min | wall s median |")
    print("|---|---|---|---|---|---|")
    print(f"| {ckpt_mb:.1f} | {min(rss):.1f} | {statistics.median(rss):.1f} | {result['ratio']['median']:.3f} "
          f"| {min(wall):.2f} | {statistics.median(wall):.2f} |\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
