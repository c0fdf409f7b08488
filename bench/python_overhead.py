#!/usr/bin/python3
"""The Python module's cost over the library, and two Python threads on two models.

    /usr/bin/python3 bench/python_overhead.py --build build --model /tmp/vivid-bench-models/videomae-b/hf

1. The same forward on the same input, timed in-process: `vivid bench --json` (C++) and
   vivid.Model.forward from Python (numpy in, numpy out), interleaved round by round; the ratio
   of medians is the Python call's overhead (target: within 2 %).
2. Two models with one thread each: one after the other, then in two Python threads (the GIL is
   released while vivid works), interleaved; the ratio is the threads' speed-up.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np


def cpp_seconds(build, model, threads, reps):
    r = subprocess.run([os.path.join(build, "vivid"), "bench", "--model", model, "--threads", str(threads),
                        "--reps", str(reps), "--warmup", "1", "--json"], check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])["seconds"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    sys.path.insert(0, os.path.join(a.build, "python"))
    import vivid

    m = vivid.Model.load(a.model, threads=a.threads)
    info = m.info
    shape = (1, info["frames"], info["channels"], info["image_size"], info["image_size"])
    pv = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    m.forward(pv)
    cpp, py = [], []
    for _ in range(a.rounds):
        cpp += cpp_seconds(a.build, a.model, a.threads, a.reps)
        for _ in range(a.reps):
            t0 = time.perf_counter()
            m.forward(pv)
            py.append(time.perf_counter() - t0)
    del m
    print(f"forward, {a.threads} threads: C++ min {min(cpp):.4f} median {statistics.median(cpp):.4f} s; "
          f"Python min {min(py):.4f} median {statistics.median(py):.4f} s; "
          f"Python / C++ (medians) {statistics.median(py) / statistics.median(cpp):.4f}")

    models = [vivid.Model.load(a.model, threads=1) for _ in range(2)]
    for mm in models:
        mm.forward(pv)
    seq, par = [], []
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        for mm in models:
            mm.forward(pv)
        seq.append(time.perf_counter() - t0)
        ts = [threading.Thread(target=mm.forward, args=(pv,)) for mm in models]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        par.append(time.perf_counter() - t0)
    print(f"two models x 1 thread: in turn median {statistics.median(seq):.3f} s, two Python threads median "
          f"{statistics.median(par):.3f} s: {statistics.median(seq) / statistics.median(par):.2f}x "
          f"(load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
