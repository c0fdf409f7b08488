#!/usr/bin/python3
"""vivid's own scaling: seconds per clip at batch 1 and batch B, and 1 thread against T threads.

    /usr/bin/python3 bench/scaling.py --build build --model /tmp/vivid-bench-models/videomae-b/hf \
        --batch 4 --threads 2 --rounds 3

Each configuration is one `vivid bench` process per round (model loaded once, one warm-up forward,
--reps timed forwards); rounds are interleaved so that a noisy neighbour hits every configuration.
Prints min and median seconds per clip, the batch gain (batch 1 / batch B per clip) and the thread
speed-up (1 thread / T threads), with the load average before and after.
"""
import argparse
import json
import os
import statistics
import subprocess


def run(build, model, batch, threads, reps):
    out = subprocess.run([os.path.join(build, "vivid"), "bench", "--model", model, "--batch", str(batch),
                          "--threads", str(threads), "--reps", str(reps), "--warmup", "1", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--model", required=True, help="HF model folder")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=1)
    a = p.parse_args()
    configs = [(1, a.threads), (a.batch, a.threads), (1, 1)]
    per_clip = {c: [] for c in configs}
    load_before = os.getloadavg()
    gflop = None
    for r in range(a.rounds):
        for batch, threads in configs:
            j = run(a.build, a.model, batch, threads, a.reps)
            gflop = j["gflop"] / batch
            per_clip[(batch, threads)] += [s / batch for s in j["seconds"]]
            print(f"round {r + 1}: batch {batch}, {threads} thread(s): "
                  f"{[round(s / batch, 3) for s in j['seconds']]} s per clip", flush=True)
    print(f"\n{a.model}: {gflop:.1f} GFLOP per clip; load average before {load_before}, after {os.getloadavg()}")
    print("| batch | threads | s per clip min | s per clip median | GFLOP/s (median) |")
    print("|---|---|---|---|---|")
    for (batch, threads), xs in per_clip.items():
        med = statistics.median(xs)
        print(f"| {batch} | {threads} | {min(xs):.3f} | {med:.3f} | {gflop / med:.1f} |")
    med = {c: statistics.median(xs) for c, xs in per_clip.items()}
    print(f"\nbatch {a.batch} vs 1 (per clip, {a.threads} threads): {med[(1, a.threads)] / med[(a.batch, a.threads)]:.2f}x")
    print(f"{a.threads} threads vs 1 (batch 1): {med[(1, 1)] / med[(1, a.threads)]:.2f}x")


if __name__ == "__main__":
    main()
