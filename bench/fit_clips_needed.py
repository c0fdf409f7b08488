#!/usr/bin/python3
"""How many clips per class does `vivid fit` need? Measured on the README's worked example.

    /usr/bin/python3 bench/fit_clips_needed.py --build build [--draws 20]

The 12 bundled demo clips regrouped into three new classes (horizontal: moving left/right;
vertical: moving up/down; size: growing/shrinking; 4 clips each). For k = 1, 2, 3 clips per class,
--draws random training subsets (seeded) are fitted and scored on the class's other 4 - k clips
(--val-list). Features are computed once (`vivid features`) and reused by every fit (--features).
k = 1 uses --l2 0.01 (cross-validation needs two clips per class); k >= 2 lets cross-validation
choose L. Prints per k the mean, min and max validation accuracy and the L chosen most often.
"""
import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_bench import DEMO, GROUPS, SOURCE, convert_demo_model  # noqa: E402  the same regrouped demo


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--draws", type=int, default=20)
    a = ap.parse_args()
    vivid = os.path.join(a.build, "vivid")
    work = tempfile.mkdtemp(prefix="vivid-fit-clips-")
    try:
        model = os.path.join(work, "model")
        convert_demo_model(vivid, model)
        clips = {g: [os.path.join(DEMO, "clips", f"{s}_{n}.mp4") for s in sources for n in range(2)]
                 for g, sources in GROUPS.items()}
        features = os.path.join(work, "features")
        subprocess.run([vivid, "features", "--model", model, os.path.join(DEMO, "clips"), "--out", features],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rng = random.Random(0)
        print("| clips per class | fits | val clips per fit | val accuracy mean | min | max | L chosen (most often) |")
        print("|---|---|---|---|---|---|---|")
        for k in (1, 2, 3):
            accuracies, chosen = [], collections.Counter()
            for d in range(a.draws):
                train, val = [], []
                for g, paths in clips.items():
                    picked = rng.sample(paths, k)
                    train += [(p, g) for p in picked]
                    val += [(p, g) for p in paths if p not in picked]
                for name, rows in (("train.jsonl", train), ("val.jsonl", val)):
                    with open(os.path.join(work, name), "w") as f:
                        f.writelines(json.dumps({"path": p, "label": g}) + "\n" for p, g in rows)
                out = os.path.join(work, "new")
                cmd = [vivid, "fit", "--model", model, "--list", os.path.join(work, "train.jsonl"), "--val-list",
                       os.path.join(work, "val.jsonl"), "--features", features, "--out", out, "--force"]
                if k == 1:
                    cmd += ["--l2", "0.01"]
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with open(os.path.join(out, "fit_report.json")) as f:
                    report = json.load(f)
                accuracies.append(report["val"]["accuracy"])
                chosen[report["l2"]] += 1
            mean = sum(accuracies) / len(accuracies)
            print(f"| {k} | {a.draws} | {3 * (4 - k)} | {mean:.3f} | {min(accuracies):.3f} | {max(accuracies):.3f} | "
                  f"{chosen.most_common(1)[0][0]:g} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
