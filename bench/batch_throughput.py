#!/usr/bin/python3
"""Videos per second for classifying a folder of 720p clips with VideoMAE-B, whole processes.

    /usr/bin/python3 bench/batch_throughput.py --build build [--videos 8] [--rounds 2]

Ways, interleaved per round (A B C A B C ...), each one process timed from start to end (model load
included):
  A  vivid classify --threads 2 (default --prefetch 2: decoding overlapped with the model)
  B  vivid classify --threads 2 --prefetch 0 (decode, then forward, one video at a time)
  C  the Python chain, this file's --python-chain mode: PyAV decode with the HF video-classification
     pipeline's sampling (16 frames, frame_sampling_rate 1: frames 0..15), VideoMAEImageProcessor's
     steps in PIL/numpy (bench_video_preprocess.py), the PyTorch VideoMAE-B of video_models.py with
     OpenBLAS-openmp (compare.py's torch-tuned setup), softmax top-5, video after video.
Clips (N x 10 s 1280x720 30 fps H.264, libx264 veryfast) and a model folder with a
preprocessor_config.json are made once under --cache. The weights are compare.py's random VideoMAE-B.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import compare  # noqa: E402
import machine  # noqa: E402

PYTHON = "/usr/bin/python3"
HF_MODEL = "/tmp/vivid-bench-models/videomae-b/hf"
PREPROCESSOR_CONFIG = {
    "image_processor_type": "VideoMAEImageProcessor", "do_resize": True, "size": {"shortest_edge": 224},
    "do_center_crop": True, "crop_size": {"height": 224, "width": 224}, "do_rescale": True,
    "rescale_factor": 0.00392156862745098, "do_normalize": True, "image_mean": [0.485, 0.456, 0.406],
    "image_std": [0.229, 0.224, 0.225], "resample": 2,
}
# Sources cycled over the clips; the seed and a hue shift make repeats of one source differ.
SOURCES = ["testsrc2=s=1280x720:r=30", "mandelbrot=s=1280x720:r=30:maxiter=256",
           "cellauto=s=1280x720:r=30:rule=110:seed={i}"]
WAYS = {"A": "vivid classify, --prefetch 2 (default)", "B": "vivid classify, --prefetch 0",
        "C": "Python: PyAV + PIL/numpy + PyTorch (OpenBLAS-openmp)"}
log = compare.log


def make_clips(cache, n):
    """Clips are cached one by one in cache/clips; cache/videos-N links the first N of them, so that
    the folder handed to vivid holds exactly N videos."""
    clips, folder = os.path.join(cache, "clips"), os.path.join(cache, f"videos-{n}")
    os.makedirs(clips, exist_ok=True)
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        name = f"clip{i:03d}.mp4"
        path = os.path.join(clips, name)
        if not os.path.exists(path):
            src = SOURCES[i % len(SOURCES)].format(i=i)
            log(f"ffmpeg: {name} from {src}")
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", src, "-t", "10",
                            "-vf", f"hue=h={47 * i % 360}", "-pix_fmt", "yuv420p", "-c:v", "libx264",
                            "-preset", "veryfast", path + ".tmp.mp4"], check=True)
            os.replace(path + ".tmp.mp4", path)
        if not os.path.lexists(os.path.join(folder, name)):
            os.symlink(path, os.path.join(folder, name))
    return folder


def model_folder(cache):
    """The HF folder if it has a preprocessor_config.json; else a copy (links) with the standard one."""
    if os.path.exists(os.path.join(HF_MODEL, "preprocessor_config.json")):
        return HF_MODEL
    folder = os.path.join(cache, "model")
    os.makedirs(folder, exist_ok=True)
    for name in ("config.json", "model.safetensors"):
        if not os.path.lexists(os.path.join(folder, name)):
            os.symlink(os.path.join(HF_MODEL, name), os.path.join(folder, name))
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(PREPROCESSOR_CONFIG, f)
    return folder


def wait_for_quiet(limit_s):
    """The machine is shared: wait (20 s polls, up to limit_s) while a build or a test run is going."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        busy = [p for p in (["-x", "ninja"], ["-f", "ctest"]) if subprocess.run(["pgrep", *p],
                                                                              capture_output=True).returncode == 0]
        if not busy:
            return time.monotonic() - t0
        log(f"waiting: {' and '.join(b[1] for b in busy)} running (load {machine.loadavg()})")
        time.sleep(20)
    log(f"still busy after {limit_s} s; measuring anyway")
    return time.monotonic() - t0


def read_jsonl(path):
    with open(path) as f:
        return {os.path.basename(r["path"]): r for r in map(json.loads, f) if r.get("labels")}


# ----------------------------------------------------------------------------------------------
# Way C, run as its own process


def python_chain(model_dir, folder, out, threads):
    import numpy as np
    import torch
    import av
    import bench_video_preprocess as bvp
    import torch_worker
    import video_models

    torch.set_num_threads(threads)
    torch_worker.set_openblas_threads(threads)
    with open(os.path.join(model_dir, "config.json")) as f:
        id2label = json.load(f)["id2label"]
    with open(os.path.join(model_dir, "preprocessor_config.json")) as f:
        pre = json.load(f)
    spec, model = video_models.load_model_folder(model_dir)
    # HF pipeline: indices = linspace(0, num_frames * frame_sampling_rate - 1, num_frames), rate 1.
    indices = np.linspace(0, spec.frames - 1, num=spec.frames, dtype=np.int64)
    paths = sorted(os.path.join(d, n) for d, _, names in os.walk(folder) for n in names if n.endswith(".mp4"))
    with open(out, "w") as f, torch.inference_mode():
        for path in paths:
            with av.open(path) as container:
                video = bvp.read_video_pyav(container, indices)
            pixel_values = np.stack([bvp.preprocess_frame(fr, pre["image_mean"], pre["image_std"]) for fr in video])
            probs = torch.softmax(model(torch.from_numpy(pixel_values[None]))[0], -1)
            scores, ids = probs.topk(5)
            labels = [{"label": id2label[str(i)], "score": s} for s, i in zip(scores.tolist(), ids.tolist())]
            f.write(json.dumps({"path": path, "labels": labels}) + "\n")
            f.flush()


# ----------------------------------------------------------------------------------------------


def run_way(way, args, model, folder, env_c, tmp):
    out = os.path.join(tmp, f"{way}.jsonl")
    if os.path.exists(out):
        os.unlink(out)  # vivid --out appends
    if way == "C":
        cmd = [PYTHON, os.path.abspath(__file__), "--python-chain", model, folder, out, "--threads", str(args.threads)]
    else:
        cmd = [os.path.join(args.build, "vivid"), "classify", "--model", model, folder, "--out", out,
               "--threads", str(args.threads)] + (["--prefetch", "0"] if way == "B" else [])
    r = machine.run_process(cmd, env=env_c if way == "C" else None, timeout=args.timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{way} exited {r.returncode}: {compare.tail(r.stderr)}")
    got = read_jsonl(out)
    if len(got) != args.videos:
        raise RuntimeError(f"{way} classified {len(got)} of {args.videos} videos: {compare.tail(r.stderr)}")
    return cmd, r, got


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--videos", type=int, default=8)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cache", default="/tmp/vivid-batch-bench")
    p.add_argument("--blas-cache", default="/tmp/vivid-bench-models", help="compare.py's cache (OpenBLAS)")
    p.add_argument("--wait", type=float, default=1200, help="max seconds to wait for ninja/ctest to finish")
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--markdown-out", default=os.path.join(BENCH, "results", "batch-throughput-zen3.md"))
    p.add_argument("--python-chain", nargs=3, metavar=("MODEL", "FOLDER", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.python_chain:
        return python_chain(*args.python_chain, args.threads)

    command = "/usr/bin/python3 bench/batch_throughput.py " + shlex.join(sys.argv[1:])
    facts = machine.facts(args.threads)
    folder, model = make_clips(args.cache, args.videos), model_folder(args.cache)
    avx512 = "avx512f" in machine.cpu_flags()
    env_c = compare.torch_env("tuned", args.threads, compare.setup_openblas(args.blas_cache), avx512)
    # Round 1 should not be the only one reading weights and clips from disk.
    for path in [os.path.join(model, "model.safetensors")] + sorted(os.listdir(folder)):
        with open(os.path.join(folder, path), "rb") as f:  # path: absolute, or a clip's name
            while f.read(1 << 24):
                pass
    log(f"{machine.describe(facts)}; {args.videos} videos in {folder}; model {model}")

    tmp = os.path.join(args.cache, "out")
    os.makedirs(tmp, exist_ok=True)
    runs = {w: [] for w in WAYS}  # per run: seconds, loadavg before, peak RSS
    outputs, cmds = {}, {}
    for rnd in range(args.rounds):
        for way in WAYS:
            waited = wait_for_quiet(args.wait)
            load = machine.loadavg()
            cmds[way], r, outputs[way] = run_way(way, args, model, folder, env_c, tmp)
            runs[way].append({"seconds": r.wall_s, "loadavg": load, "peak_rss_mb": round(r.peak_rss_mb),
                              "waited_s": round(waited)})
            log(f"round {rnd + 1}/{args.rounds} {way}: {r.wall_s:.1f} s, {args.videos / r.wall_s:.3f} videos/s, "
                f"peak RSS {r.peak_rss_mb:.0f} MB (loadavg before {load})")
    facts["loadavg_after"] = machine.loadavg()

    # Top-1 agreement, last round's outputs (random weights: top scores are close, so a rare flip
    # between fp32 engines would show as a mismatch with a tiny score gap).
    mismatches = []
    for name in sorted(outputs["A"]):
        a, c = outputs["A"][name]["labels"], outputs["C"][name]["labels"]
        if a[0]["label"] != c[0]["label"]:
            mismatches.append({"video": name, "A": a[0], "C": c[0]})
            print(f"top-1 mismatch {name}: A {a[0]} C {c[0]}")
    agree = [n for n in outputs["A"] if n not in {m["video"] for m in mismatches}]
    score_diff = max((abs(outputs["A"][n]["labels"][0]["score"] - outputs["C"][n]["labels"][0]["score"])
                      for n in agree), default=None)

    summary = {}
    for way, rs in runs.items():
        vps = [args.videos / r["seconds"] for r in rs]
        summary[way] = {"videos_per_s_min": min(vps), "videos_per_s_median": statistics.median(vps),
                        "s_per_video_median": 1 / statistics.median(vps), "runs": rs}
    for way, s in summary.items():
        for ref in ("B", "C"):
            s[f"ratio_vs_{ref}"] = s["videos_per_s_median"] / summary[ref]["videos_per_s_median"]

    lines = [f"# Batch throughput: {args.videos} x 720p 10 s H.264 clips, VideoMAE-B, {args.threads} threads", "",
             f"- command: `{command}`",
             f"- machine: {machine.describe(facts)}; lscpu model name: {facts['cpu']}",
             f"- load average before {facts['loadavg_before']}, after {facts['loadavg_after']}",
             f"- {args.rounds} round(s), ways interleaved; wall time of whole processes (model load included); "
             "ratio = this way's median videos/s / the other's (>1: faster)",
             f"- A: `{shlex.join(cmds['A'])}`", f"- B: `{shlex.join(cmds['B'])}`",
             f"- C: `{shlex.join(cmds['C'])}` (torch-tuned env: OpenBLAS-openmp)",
             f"- top-1 labels A vs C: {args.videos - len(mismatches)}/{args.videos} agree"
             + (f", max top-1 score difference {score_diff:.2g}" if score_diff is not None else ""), "",
             "| way | videos/s min | videos/s median | s/video (median) | vs B | vs C | peak RSS MB | runs: s (loadavg before) |",
             "|---|---|---|---|---|---|---|---|"]
    for way, s in summary.items():
        runs_text = "; ".join(f"{r['seconds']:.1f} ({' '.join(map(str, r['loadavg']))})" for r in s["runs"])
        lines.append(f"| {way}: {WAYS[way]} | {s['videos_per_s_min']:.3f} | {s['videos_per_s_median']:.3f} | "
                     f"{s['s_per_video_median']:.2f} | {s['ratio_vs_B']:.2f}x | {s['ratio_vs_C']:.2f}x | "
                     f"{max(r['peak_rss_mb'] for r in s['runs'])} | {runs_text} |")
    text = "\n".join(lines) + "\n"
    print(f"command: {command}\nlscpu model name: {facts['cpu']}\nload averages: before "
          f"{facts['loadavg_before']}, after {facts['loadavg_after']}\n\n{text}")
    print(json.dumps({"command": command, "cpu": facts["cpu"], "videos": args.videos, "rounds": args.rounds,
                      "threads": args.threads, "loadavg_before": facts["loadavg_before"],
                      "loadavg_after": facts["loadavg_after"], "top1_mismatches": mismatches, "ways": summary}))
    os.makedirs(os.path.dirname(args.markdown_out), exist_ok=True)
    with open(args.markdown_out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
