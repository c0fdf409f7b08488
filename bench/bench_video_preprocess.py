#!/usr/bin/python3
"""Video preprocessing benchmark: the HF video-classification pipeline's Python chain
(PyAV decode + VideoMAEImageProcessor steps with PIL/numpy) against vivid, one thread.

Run from the repository root with Debian's Python:
    /usr/bin/python3 bench/bench_video_preprocess.py --build build-bench [--reps 5]
It makes a 10 s 1280x720 30 fps H.264 clip with the ffmpeg CLI, times both sides pinned to
CPU 0 (taskset), prints medians, frames/s, the ratio, and checks pixel_values agree (1e-6).
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import av
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

NUM_FRAMES = 16
FRAME_SAMPLING_RATE = 4
SHORTEST_EDGE = 224
CROP = 224
MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]
PREPROCESSOR_CONFIG = {
    "image_processor_type": "VideoMAEImageProcessor",
    "do_resize": True, "size": {"shortest_edge": SHORTEST_EDGE}, "resample": 2,
    "do_center_crop": True, "crop_size": {"height": CROP, "width": CROP},
    "do_rescale": True, "rescale_factor": 1 / 255,
    "do_normalize": True, "image_mean": MEAN, "image_std": STD,
}


def make_clip(path):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "testsrc2=size=1280x720:rate=30:duration=10",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", path], check=True)


def read_video_pyav(container, indices):
    # transformers/pipelines/video_classification.py, read_video_pyav
    frames = []
    container.seek(0)
    start_index = indices[0]
    end_index = indices[-1]
    for i, frame in enumerate(container.decode(video=0)):
        if i > end_index:
            break
        if i >= start_index and i in indices:
            frames.append(frame)
    return np.stack([x.to_ndarray(format="rgb24") for x in frames])


def decode(path):
    container = av.open(path)
    indices = np.linspace(0, NUM_FRAMES * FRAME_SAMPLING_RATE - 1, num=NUM_FRAMES, dtype=np.int64)
    video = read_video_pyav(container, indices)
    container.close()
    return video


def preprocess_frame(frame, mean=MEAN, std=STD):
    # VideoMAEImageProcessor._preprocess_image: resize (PIL, shortest edge), center crop,
    # rescale (float64 multiply, cast to float32), normalize, channels first.
    h, w = frame.shape[:2]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = SHORTEST_EDGE, int(SHORTEST_EDGE * long / short)
    new_h, new_w = (new_long, new_short) if w <= h else (new_short, new_long)
    resized = np.array(Image.fromarray(frame).resize((new_w, new_h), resample=Image.BILINEAR))
    top, left = (new_h - CROP) // 2, (new_w - CROP) // 2
    cropped = resized[top:top + CROP, left:left + CROP]
    rescaled = (cropped.astype(np.float64) * (1 / 255)).astype(np.float32)
    normalized = (rescaled - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    return normalized.transpose(2, 0, 1)


def python_chain(path):
    t0 = time.perf_counter()
    video = decode(path)
    t1 = time.perf_counter()
    pixel_values = np.stack([preprocess_frame(f) for f in video])
    t2 = time.perf_counter()
    return pixel_values, t1 - t0, t2 - t1


def pin_to_cpu0():
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build-bench", help="CMake build dir with vivid and bench_preprocess")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    vivid = os.path.join(args.build, "vivid")
    bench_preprocess = os.path.join(args.build, "bench_preprocess")
    pin_to_cpu0()  # the Python chain is single-threaded; pin everything to one core
    taskset = ["taskset", "-c", "0"] if shutil.which("taskset") else []

    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "clip_720p_10s.mp4")
        config = os.path.join(tmp, "preprocessor_config.json")
        out = os.path.join(tmp, "vivid.safetensors")
        make_clip(clip)
        with open(config, "w") as f:
            json.dump(PREPROCESSOR_CONFIG, f)

        cmd = taskset + [vivid, "preprocess", "--preprocessor-config", config, "--video", clip,
                         "--num-frames", str(NUM_FRAMES), "--frame-sampling-rate", str(FRAME_SAMPLING_RATE),
                         "--threads", "1", "--save-outputs", out]
        bcmd = taskset + [bench_preprocess, clip, config, str(NUM_FRAMES), str(FRAME_SAMPLING_RATE), "1", "1"]
        # Both cores (children inherit this process's pinning, so widen it explicitly).
        bcmd2 = (["taskset", "-c", "0,1"] if taskset else []) + bcmd[len(taskset):-1] + ["2"]
        have_inproc = os.path.exists(bench_preprocess)
        print("vivid command:     ", " ".join(cmd))
        if have_inproc:
            print("in-process command:", " ".join(bcmd))

        # The machine is shared, so the three measurements are interleaved rep by rep (load
        # changes hit all of them alike), and CPU time is recorded beside wall time.
        python_chain(clip)
        subprocess.run(cmd, check=True)  # warm-ups (page cache, lazy binding)
        py, py_cpu, cli, cli_cpu, inproc, inproc2 = [], [], [], [], [], []
        for _ in range(args.reps):
            c0 = time.process_time()
            py_pixel_values, d, p = python_chain(clip)
            py_cpu.append(time.process_time() - c0)
            py.append((d, p))
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True)
            cli.append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cli_cpu.append((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime))
            if have_inproc:
                inproc.append(json.loads(subprocess.run(bcmd, check=True, capture_output=True, text=True).stdout))
                inproc2.append(json.loads(subprocess.run(bcmd2, check=True, capture_output=True, text=True).stdout))
        med = statistics.median
        py_total = med(d + p for d, p in py)
        py_decode = med(d for d, _ in py)
        py_pre = med(p for _, p in py)

        got = safetensors_io.load(out)
        vivid_pixel_values = got["pixel_values"][0]
        assert vivid_pixel_values.shape == py_pixel_values.shape, (vivid_pixel_values.shape, py_pixel_values.shape)
        max_diff = float(np.abs(vivid_pixel_values - py_pixel_values).max())
        frames = py_pixel_values.shape[0]

    py_cpu_total = med(py_cpu)

    def row(name, seconds, cpu=None):
        extra = f"  | cpu {cpu * 1000:6.1f} ms, python/this {py_cpu_total / cpu:5.2f}x" if cpu is not None else ""
        print(f"{name:40s} {seconds * 1000:8.1f} ms  {frames / seconds:7.1f} frames/s  "
              f"python/this = {py_total / seconds:5.2f}x{extra}")

    print(f"\nclip 1280x720 30 fps 10 s H.264; {frames} frames sampled (num_frames={NUM_FRAMES}, "
          f"rate={FRAME_SAMPLING_RATE}, decode stops after frame {NUM_FRAMES * FRAME_SAMPLING_RATE - 1}); "
          f"1 thread, CPU 0; median of {args.reps} interleaved reps (wall time)")
    row("python PyAV+PIL+numpy (total)", py_total, py_cpu_total)
    print(f"{'  python decode (PyAV, rgb24)':40s} {py_decode * 1000:8.1f} ms")
    print(f"{'  python resize/crop/normalize':40s} {py_pre * 1000:8.1f} ms")
    row("vivid preprocess CLI (process wall)", med(cli), med(cli_cpu))
    if inproc:
        row("vivid in-process read_clips+preprocess", med(r["total_s"] for r in inproc),
            med(r["total_cpu_s"] for r in inproc))
        print(f"{'  vivid decode (read_clips)':40s} {med(r['decode_s'] for r in inproc) * 1000:8.1f} ms")
        print(f"{'  vivid preprocess_clip':40s} {med(r['preprocess_s'] for r in inproc) * 1000:8.1f} ms"
              f"   python/vivid = {py_pre / med(r['preprocess_s'] for r in inproc):5.2f}x")
        skip, noskip = med(r["decoder_only_s"] for r in inproc), med(r["decoder_only_no_skip_s"] for r in inproc)
        print(f"{'  libavcodec alone, non-ref dropped':40s} {skip * 1000:8.1f} ms   "
              f"(every frame decoded: {noskip * 1000:.1f} ms; ceiling python/vivid = {py_total / skip:4.2f}x)")
        print("vivid in-process, 2 threads (both cores; decoder frame threading, frames preprocessed in parallel):")
        row("  read_clips+preprocess", med(r["total_s"] for r in inproc2), med(r["total_cpu_s"] for r in inproc2))
        print(f"{'  libavcodec alone, non-ref dropped':40s} {med(r['decoder_only_s'] for r in inproc2) * 1000:8.1f} ms")
    print(f"in-process 2-thread command: {' '.join(bcmd2)}")
    print(f"pixel_values max |vivid - python| = {max_diff:.3g} ({'OK' if max_diff <= 1e-6 else 'FAIL'} at 1e-6)")
    return 0 if max_diff <= 1e-6 else 1


if __name__ == "__main__":
    sys.exit(main())
