#!/usr/bin/python3
"""Where a forward's time goes, per precision: perf samples grouped as the int8 issue's table.

    /usr/bin/python3 bench/profile_shares.py --model /tmp/int8-bench-cache/videomae-b/hf --reps 3

For each precision (--precisions, default fp32,bf16,int8) runs `perf record -e cpu-clock -g`
over `BUILD/vivid bench --precision P --threads T --reps R` and prints one markdown row:
oneDNN's JIT matmuls ([JIT] samples), vivid's own code (libvivid) and within it attention (symbols
with "attention", qk_tile, pv_tile) and input quantization (quantize in the name, not the weights'
one-time quantize_channel), OpenMP (libgomp: mostly threads waiting at barriers), the oneDNN
library outside JIT code (the weights' packing at load, primitive creation), and the rest (the
kernel, libc, the random input). Shares of all samples, load included: run it on a quiet machine
and give the load it prints. Needs `perf` (Debian: linux-perf).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def parse(report_text):
    """(percent, name) rows of a `perf report --stdio -g none` listing."""
    rows = []
    for line in report_text.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(.*?)\s*$", line)
        if m and not line.lstrip().startswith("#"):
            rows.append((float(m.group(1)), m.group(2)))
    return rows


def shares(by_dso, vivid_symbols):
    groups = {"jit": 0.0, "vivid": 0.0, "attention": 0.0, "quantize": 0.0, "gomp": 0.0, "dnnl": 0.0, "other": 0.0}
    for pct, dso in by_dso:
        key = ("jit" if dso.startswith("[JIT]") else "vivid" if dso.startswith("libvivid") else
               "gomp" if dso.startswith("libgomp") else "dnnl" if dso.startswith("libdnnl") else "other")
        groups[key] += pct
    for pct, sym in vivid_symbols:
        if "attention" in sym or "qk_tile" in sym or "pv_tile" in sym or "exp_row" in sym:
            groups["attention"] += pct
        elif "quantize" in sym and "channel" not in sym:
            groups["quantize"] += pct
    return groups


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--model", required=True, help="HF model folder")
    p.add_argument("--precisions", default="fp32,bf16,int8")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    vivid = os.path.join(args.build, "vivid")
    libvivid = sorted(f for f in os.listdir(args.build) if f.startswith("libvivid.so."))[-1]
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    print("| precision | oneDNN matmuls (JIT) | vivid's own code | of which attention | of which quantizing inputs "
          "| OpenMP | oneDNN library | other |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for precision in args.precisions.split(","):
            data = os.path.join(tmp, f"{precision}.data")
            run = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-g", "-o", data, vivid, "bench",
                                  "--model", args.model, "--precision", precision, "--threads", str(args.threads),
                                  "--reps", str(args.reps)], capture_output=True, text=True)
            if run.returncode != 0:
                print(f"| {precision} | failed: {run.stderr.strip().splitlines()[-1:]} |||||||")
                continue

            def report(*extra):
                return parse(subprocess.run(["perf", "report", "-i", data, "--no-children", "-g", "none", "--stdio",
                                             *extra], capture_output=True, text=True).stdout)

            g = shares(report("--sort", "dso"), report("--sort", "symbol", "--dsos", libvivid))
            print(f"| {precision} | {g['jit']:.1f} % | {g['vivid']:.1f} % | {g['attention']:.1f} % | "
                  f"{g['quantize']:.1f} % | {g['gomp']:.1f} % | {g['dnnl']:.1f} % | {g['other']:.1f} % |", flush=True)
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
