#!/usr/bin/python3
"""vivid fit end to end on a folder of videos, against classifying the same videos.

    /usr/bin/python3 bench/fit_bench.py --build build [--copies 8] [--rounds 3] [--threads 2]

The bundled demo model (examples/demo, converted once) and its 12 clips regrouped into three new
classes (horizontal: moving left/right; vertical: moving up/down; size: growing/shrinking), each
clip copied --copies times under its own name so that the folder holds 12 x copies videos. Per
round, interleaved, each a whole process timed from start to end (model load included):
  A  vivid classify (the baseline: the same decoding and forwards, --prefetch 2)
  B  vivid fit --l2 0.01 (one solve)
  C  vivid fit (L chosen by 4-fold cross-validation over the default grid of 5)
fit_report.json's seconds split B and C into features and solving. Prints a markdown table with
min and median of each, the ratio to A and the shares.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(SOURCE, "examples", "demo")
GROUPS = {"horizontal": ["moving_left", "moving_right"], "vertical": ["moving_up", "moving_down"],
          "size": ["growing", "shrinking"]}


def convert_demo_model(vivid, out):
    """The bundled demo checkpoint as an HF folder at `out` (the model both fit benchmarks use)."""
    subprocess.run([vivid, "convert", "--from", "videomae-pth", "--checkpoint", os.path.join(DEMO, "videomae_demo.pth"),
                    "--config", os.path.join(DEMO, "config.json"), "--preprocessor-config",
                    os.path.join(DEMO, "preprocessor_config.json"), "--out", out], check=True,
                   stdout=subprocess.DEVNULL)


def run(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    vivid = os.path.join(a.build, "vivid")
    work = tempfile.mkdtemp(prefix="vivid-fit-bench-")
    try:
        model = os.path.join(work, "model")
        convert_demo_model(vivid, model)
        train = os.path.join(work, "train")
        for group, sources in GROUPS.items():
            os.makedirs(os.path.join(train, group))
            for s in sources:
                for n in range(2):
                    for c in range(a.copies):
                        shutil.copy(os.path.join(DEMO, "clips", f"{s}_{n}.mp4"),
                                    os.path.join(train, group, f"{s}_{n}_copy{c}.mp4"))
        videos = sum(len(files) for _, _, files in os.walk(train))
        threads = ["--threads", str(a.threads)]
        ways = {
            "A classify (baseline)": lambda r: run([vivid, "classify", "--model", model, train, "--jsonl"] + threads),
            "B fit --l2 0.01": lambda r: run([vivid, "fit", "--model", model, train, "--l2", "0.01", "--force",
                                              "--out", os.path.join(work, "fit_b")] + threads),
            "C fit (cross-validated L)": lambda r: run([vivid, "fit", "--model", model, train, "--force",
                                                        "--out", os.path.join(work, "fit_c")] + threads),
        }
        wall = {w: [] for w in ways}
        split = {w: [] for w in ways if w[0] != "A"}
        for r in range(a.rounds):
            for w, go in ways.items():
                wall[w].append(go(r))
                if w in split:
                    folder = "fit_b" if w[0] == "B" else "fit_c"
                    with open(os.path.join(work, folder, "fit_report.json")) as f:
                        s = json.load(f)["seconds"]
                    split[w].append((s["features"], s["solve"]))
        base = statistics.median(wall["A classify (baseline)"])
        base_min = min(wall["A classify (baseline)"])
        print(f"{videos} videos (12 demo clips x {a.copies}), {a.rounds} rounds, --threads {a.threads}\n")
        print("| way | min s | median s | min / classify min | median / classify median | features s (median) "
              "| solve s (median) | solve share of the median |")
        print("|---|---|---|---|---|---|---|---|")
        for w, times in wall.items():
            med = statistics.median(times)
            row = f"| {w} | {min(times):.3f} | {med:.3f} | {min(times) / base_min:.2f}x | {med / base:.2f}x |"
            if w in split:
                feats = statistics.median(s[0] for s in split[w])
                solve = statistics.median(s[1] for s in split[w])
                row += f" {feats:.3f} | {solve:.4f} | {100 * solve / med:.1f} % |"
            else:
                row += " - | - | - |"
            print(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
