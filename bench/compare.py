#!/usr/bin/python3
"""vivid against PyTorch and ONNX Runtime on the CPU: same random weights, same input, interleaved.

    /usr/bin/python3 bench/compare.py --build build --threads 2
    /usr/bin/python3 bench/compare.py --build build --models videomae-b,vivit-b --rounds 3 \
        --json-out out/compare.json --markdown-out out/compare.md

Models (--models, default all): videomae-b, vivit-b, videomae-b-pretrain (0.9 tube mask, forward with
the loss), videomae-l. Each gets random weights (std 0.02) saved as an HF folder and one random input
(pixel_values, and bool_masked_pos for pre-training) in --cache (reused when present).

Engines (--engines, default all), each its own process per round, rounds interleaved:
  vivid-fp32    BUILD/vivid bench --precision fp32 (timed in-process by vivid)
  vivid-bf16    BUILD/vivid bench --precision bf16 (exit 2: not supported on this CPU)
  vivid-int8    BUILD/vivid bench --precision int8 (every CPU; each layer kind's implementations recorded)
  torch-tuned   bench/torch_worker.py: PyTorch with OpenBLAS-openmp via LD_LIBRARY_PATH (Debian's
                libopenblas0-openmp, downloaded and extracted privately into --cache), glibc malloc
                kept from unmapping, OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs
  torch-netlib  the same module with torch as installed (netlib BLAS): one rep, no warm-up, first
                round only; by default for pre-training models only (--netlib all|none|pretrain)
  torch-bf16    torch.autocast("cpu", bfloat16), only on CPUs with AVX512-BF16 or AMX
  ort           bench/ort_runner.js: npm onnxruntime-node (pinned, installed with --ignore-scripts
                into --ort-dir) on the torch module exported with torch.onnx.export, opset 14
Every engine's logits (and loss) are compared with vivid fp32's; the FMA peak is measured in the same
run (12 independent FMA chains per thread, widest vectors, --threads threads).
"""
import argparse
import glob
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import machine  # noqa: E402
import safetensors_io  # noqa: E402
import video_models  # noqa: E402

ENGINES = ["vivid-fp32", "vivid-bf16", "vivid-int8", "torch-tuned", "torch-bf16", "ort", "torch-netlib"]
FP32_ENGINES = {"vivid-fp32", "torch-tuned", "torch-netlib", "ort"}
FP32_TOLERANCE = 1e-4
ORT_VERSION = "1.30.0"
PYTHON = "/usr/bin/python3"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def tail(text, lines=3):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:]) or "(no output)"


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"no JSON object on stdout: {tail(text)}")


# ----------------------------------------------------------------------------------------------
# One-time setup: vivid, OpenBLAS for torch, onnxruntime-node


def check_vivid_bench(build):
    vivid = os.path.join(build, "vivid")
    if not os.access(vivid, os.X_OK):
        return None, f"{vivid} not found"
    r = subprocess.run([vivid, "bench", "--help"], capture_output=True, text=True)
    if r.returncode != 0 or "--precision" not in r.stdout + r.stderr:
        return None, f"{vivid} has no `bench` subcommand (yet)"
    return vivid, None


def setup_openblas(cache):
    """Debian's libopenblas0-openmp, extracted under cache (not installed), and a folder of links
    libblas.so.3, liblapack.so.3, libopenblas.so.0 for LD_LIBRARY_PATH. Returns that folder."""
    root = os.path.join(cache, "openblas-openmp")
    links = os.path.join(root, "lib")
    names = ("libblas.so.3", "liblapack.so.3", "libopenblas.so.0")
    if all(os.path.exists(os.path.join(links, n)) for n in names):
        return links
    os.makedirs(root, exist_ok=True)
    log("downloading libopenblas0-openmp (apt-get download; extracted privately, not installed)")
    if not glob.glob(os.path.join(root, "libopenblas0-openmp_*.deb")):
        subprocess.run(["apt-get", "download", "libopenblas0-openmp"], cwd=root, check=True,
                       capture_output=True, text=True)
    deb = sorted(glob.glob(os.path.join(root, "libopenblas0-openmp_*.deb")))[-1]
    subprocess.run(["dpkg", "-x", deb, os.path.join(root, "x")], check=True)
    found = glob.glob(os.path.join(root, "x", "usr", "lib", "*", "openblas-openmp", "libopenblas.so.0"))
    if not found:
        raise RuntimeError(f"no openblas-openmp/libopenblas.so.0 in {deb}")
    src = os.path.dirname(found[0])
    os.makedirs(links, exist_ok=True)
    for n in names:
        target = os.path.realpath(os.path.join(src, n))
        if not os.path.exists(target):
            raise RuntimeError(f"{deb} has no {n}")
        link = os.path.join(links, n)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(target, link)
    return links


def setup_ort(ort_dir, version):
    module = os.path.join(ort_dir, "node_modules", "onnxruntime-node")
    package = os.path.join(module, "package.json")
    if os.path.exists(package):
        with open(package) as f:
            if json.load(f).get("version") == version:
                return module
    os.makedirs(ort_dir, exist_ok=True)
    log(f"npm install --ignore-scripts onnxruntime-node@{version} into {ort_dir}")
    subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", ort_dir,
                    f"onnxruntime-node@{version}"], check=True, capture_output=True, text=True)
    if not os.path.exists(package):
        raise RuntimeError(f"npm did not install {module}")
    return module


def torch_env(kind, threads, blas_dir, avx512):
    env = dict(os.environ)
    if kind == "netlib":  # torch as installed
        env.pop("LD_LIBRARY_PATH", None)
        env["OMP_NUM_THREADS"] = str(threads)
        return env
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    if avx512:
        # OpenBLAS 0.3.21 takes Zen 4/5 for Haswell; on an AVX2-only CPU this setting crashes.
        env["OPENBLAS_CORETYPE"] = "SkylakeX"
    env.update(LD_LIBRARY_PATH=blas_dir, MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="100000000000",
               OMP_NUM_THREADS=str(threads))
    return env


# ----------------------------------------------------------------------------------------------
# Per model: HF folder, input, ONNX export


class Prepared:
    def __init__(self, name, spec, cache, batch):
        self.name, self.spec, self.batch = name, spec, batch
        self.dir = os.path.join(cache, name)
        self.hf = os.path.join(self.dir, "hf")
        self.input = os.path.join(self.dir, f"input-b{batch}.safetensors")
        self.onnx = None
        self.onnx_error = None
        self.inputs = None

    def prepare(self):
        t0 = time.perf_counter()
        if video_models.write_model_folder(self.spec, self.hf):
            log(f"{self.name}: wrote random weights to {self.hf} ({time.perf_counter() - t0:.1f} s)")
        else:
            log(f"{self.name}: reusing {self.hf}")
        self.inputs = video_models.random_inputs(self.spec, self.batch)
        safetensors_io.save(self.input, self.inputs)

    def export_onnx(self, env, timeout):
        # The file name carries a hash of the torch module's source: an edit re-exports.
        with open(os.path.join(BENCH, "video_models.py"), "rb") as f:
            key = hashlib.sha1(f.read()).hexdigest()[:8]
        path = os.path.join(self.dir, f"model-b{self.batch}-{key}.onnx")
        weights = os.path.join(self.hf, "model.safetensors")
        if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(weights):
            self.onnx = path
            return
        for old in glob.glob(os.path.join(self.dir, f"model-b{self.batch}-*.onnx")):
            os.unlink(old)
        log(f"{self.name}: torch.onnx.export (opset 14) -> {path}")
        r = machine.run_process([PYTHON, os.path.join(BENCH, "torch_worker.py"), "export", "--model", self.hf,
                                 "--input", self.input, "--onnx", path], env=env, timeout=timeout)
        if r.returncode != 0:
            self.onnx_error = f"ONNX export failed (rc {r.returncode}): {tail(r.stderr)}"
            log(f"{self.name}: {self.onnx_error}")
            return
        self.onnx = path
        log(f"{self.name}: exported in {r.wall_s:.1f} s, {os.path.getsize(path) / 1e6:.0f} MB")


# ----------------------------------------------------------------------------------------------
# Engines: each call runs one process and returns (seconds list, outputs dict, note, extra dict)


class EngineError(Exception):
    pass


class Unsupported(Exception):
    pass


class Result:
    def __init__(self, engine):
        self.engine = engine
        self.seconds = []
        self.peak_rss_mb = 0.0
        self.outputs = None
        self.status = "pending"  # ok | error | unsupported | skipped
        self.note = ""
        self.extra = {}

    @property
    def finished(self):
        return self.status in ("error", "unsupported", "skipped")


class Runner:
    def __init__(self, args, tmp, vivid, blas_dir, ort_module, avx512):
        self.args, self.tmp = args, tmp
        self.vivid, self.blas_dir, self.ort_module, self.avx512 = vivid, blas_dir, ort_module, avx512

    def run(self, engine, model):
        a = self.args
        if engine.startswith("vivid"):
            return self.vivid_bench(model, engine.split("-")[1], a.reps, a.warmup)
        if engine == "torch-tuned":
            return self.torch(model, "tuned", a.reps, a.warmup)
        if engine == "torch-bf16":
            return self.torch(model, "tuned", a.reps, a.warmup, autocast=True)
        if engine == "torch-netlib":
            return self.torch(model, "netlib", 1, 0)
        if engine == "ort":
            return self.ort(model, a.reps, a.warmup)
        raise ValueError(engine)

    def process(self, cmd, env=None):
        r = machine.run_process(cmd, env=env, timeout=self.args.timeout)
        if r.timed_out:
            raise EngineError(f"timed out after {self.args.timeout} s")
        return r

    def vivid_bench(self, model, precision, reps, warmup):
        out = os.path.join(self.tmp, f"{model.name}-vivid-{precision}.safetensors")
        cmd = [self.vivid, "bench", "--model", model.hf, "--threads", str(self.args.threads),
               "--precision", precision, "--reps", str(reps), "--warmup", str(warmup), "--batch",
               str(self.args.batch), "--input", model.input, "--save-outputs", out, "--json"]
        env = dict(os.environ)
        if self.args.max_isa == "avx2":  # an AVX2-only CPU's paths (Zen 3), on this one
            env.update(VIVID_MAX_CPU_ISA="avx2", ONEDNN_MAX_CPU_ISA="AVX2")
        r = self.process(cmd, env)
        if r.returncode == 2 and precision == "bf16":
            raise Unsupported(f"not supported on this CPU ({tail(r.stderr, 1)})")
        if r.returncode != 0:
            raise EngineError(f"vivid bench exited {r.returncode}: {tail(r.stderr)}")
        res = last_json_line(r.stdout)
        outputs = {k: np.array(v) for k, v in safetensors_io.load(out).items() if k in ("logits", "loss")}
        extra = {k: res[k] for k in ("gflop", "threads", "precision", "batch", "kernels", "load_seconds",
                                     "peak_rss_mb", "implementations") if k in res}
        extra["vivid_peak_rss_mb"] = extra.pop("peak_rss_mb", None)  # vivid's own figure; ours is wait4's
        return res["seconds"], outputs, r.peak_rss_mb, f"kernels: {res['kernels']}" if "kernels" in res else "", extra

    def torch(self, model, kind, reps, warmup, autocast=False):
        out = os.path.join(self.tmp, f"{model.name}-torch-{kind}{'-bf16' if autocast else ''}.safetensors")
        cmd = [PYTHON, os.path.join(BENCH, "torch_worker.py"), "run", "--model", model.hf, "--input", model.input,
               "--threads", str(self.args.threads), "--reps", str(reps), "--warmup", str(warmup),
               "--save-outputs", out] + (["--autocast-bf16"] if autocast else [])
        env = torch_env(kind, self.args.threads, self.blas_dir, self.avx512)
        r = self.process(cmd, env)
        if r.returncode != 0:
            raise EngineError(f"torch_worker exited {r.returncode}: {tail(r.stderr)}")
        res = last_json_line(r.stdout)
        blas = res["blas"]
        # The library doing the work: OpenBLAS's core if mapped, else the libblas.so.3 found.
        main = [b for b in blas if "libopenblas" in os.path.basename(b)] or [b for b in blas if "libblas" in b]
        note = "BLAS: " + (main[0] if main else "none mapped")
        if kind == "tuned" and not any("openblas" in b for b in blas):
            note = "WARNING: OpenBLAS not loaded; " + note
        outputs = {k: np.array(v) for k, v in safetensors_io.load(out).items()}
        return res["seconds"], outputs, r.peak_rss_mb, note, {"blas": blas, "torch_threads": res["threads"]}

    def ort(self, model, reps, warmup):
        if model.onnx is None:
            raise EngineError(model.onnx_error or "no ONNX model")
        inputs = [("pixel_values", "float32", model.inputs["pixel_values"])]
        if model.spec.is_pretraining:
            visible, masked = video_models.mask_to_indices(model.inputs["bool_masked_pos"])
            inputs += [("visible_idx", "int64", visible), ("masked_idx", "int64", masked)]
        spec = {"ort_module": self.ort_module, "model": model.onnx, "threads": self.args.threads,
                "reps": reps, "warmup": warmup, "inputs": [], "outputs": []}
        for name, dtype, arr in inputs:
            path = os.path.join(self.tmp, f"{model.name}-ort-{name}.bin")
            np.ascontiguousarray(arr, dtype=dtype).tofile(path)
            spec["inputs"].append({"name": name, "type": dtype, "dims": list(arr.shape), "file": path})
        for name in ["logits", "loss"] if model.spec.is_pretraining else ["logits"]:
            spec["outputs"].append({"name": name, "file": os.path.join(self.tmp, f"{model.name}-ort-{name}.out")})
        spec_path = os.path.join(self.tmp, f"{model.name}-ort.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        r = self.process(["node", os.path.join(BENCH, "ort_runner.js"), spec_path])
        if r.returncode != 0:
            raise EngineError(f"ort_runner exited {r.returncode}: {tail(r.stderr)}")
        res = last_json_line(r.stdout)
        outputs = {o["name"]: np.fromfile(o["file"], dtype=np.float32).reshape(res["outputs"][o["name"]])
                   for o in spec["outputs"]}
        version = json.load(open(os.path.join(self.ort_module, "package.json")))["version"]
        return res["seconds"], outputs, r.peak_rss_mb, f"onnxruntime-node {version}", {"load_seconds": res["load_seconds"]}


# ----------------------------------------------------------------------------------------------
# Report


def max_diff(a, b):
    if a is None or b is None:
        return None
    if a.shape != b.shape:
        a, b = a.reshape(-1), b.reshape(-1)
        if a.shape != b.shape:
            return float("nan")
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())


def fmt(x, spec):
    return "" if x is None else format(x, spec)


def fmt_s(x):
    return "" if x is None else f"{x:.3f}" if x >= 0.1 else f"{x:.3g}"


def summarize_model(name, spec, results, peak_gflops, batch):
    """Adds the derived figures; returns the model's JSON entry."""
    gflop_py = video_models.gflop_per_clip(spec) * batch
    notes = []
    vivid = results.get("vivid-fp32")
    gflop = gflop_py
    gflop_vivid = vivid.extra.get("gflop") if vivid and vivid.status == "ok" else None
    if gflop_vivid:
        gflop = gflop_vivid
        if abs(gflop_vivid - gflop_py) > 0.01 * gflop_py:
            per_clip = video_models.gflop_per_clip(spec)
            if batch > 1 and abs(gflop_vivid - per_clip) <= 0.01 * per_clip:
                gflop = gflop_vivid * batch
                notes.append(f"vivid's gflop {gflop_vivid:.1f} is per clip; using x{batch}")
            else:
                notes.append(f"WARNING: vivid's gflop {gflop_vivid:.1f} differs from the Python count "
                             f"{gflop_py:.1f} by {100 * (gflop_vivid / gflop_py - 1):+.1f} %")
    ref_name = "vivid-fp32" if vivid and vivid.status == "ok" else "torch-tuned"
    ref = results.get(ref_name)
    ref_out = ref.outputs if ref and ref.status == "ok" else None
    if ref_name != "vivid-fp32" and ref_out is not None:
        notes.append("vivid fp32 unavailable: differences are against torch-tuned")
    ref_median = statistics.median(vivid.seconds) if vivid and vivid.status == "ok" else None

    engines = {}
    for eng, r in results.items():
        e = {"status": r.status, "note": r.note, "seconds": r.seconds,
             "peak_rss_mb": round(r.peak_rss_mb, 1) if r.peak_rss_mb else None, **r.extra}
        if r.status == "ok" and r.seconds:
            med = statistics.median(r.seconds)
            e.update(seconds_min=min(r.seconds), seconds_median=med, gflops=gflop / med,
                     pct_peak=100 * gflop / med / peak_gflops if peak_gflops else None,
                     ratio_vs_vivid=med / ref_median if ref_median else None)
            if ref_out is not None and r.outputs is not None:
                e["max_logit_diff"] = max_diff(r.outputs.get("logits"), ref_out.get("logits"))
                if spec.is_pretraining:
                    e["loss"] = float(r.outputs["loss"].reshape(-1)[0]) if "loss" in r.outputs else None
                    e["loss_diff"] = max_diff(r.outputs.get("loss"), ref_out.get("loss"))
        engines[eng] = e
    fp32_diffs = [e.get("max_logit_diff") for n, e in engines.items() if n in FP32_ENGINES and n != ref_name]
    fp32_diffs += [e.get("loss_diff") for n, e in engines.items() if n in FP32_ENGINES and n != ref_name]
    fp32_diffs = [d for d in fp32_diffs if d is not None]
    return {"gflop": gflop, "gflop_python": gflop_py, "gflop_vivid": gflop_vivid, "reference": ref_name,
            "fp32_within_tolerance": all(d <= FP32_TOLERANCE for d in fp32_diffs) if fp32_diffs else None,
            "worst_fp32_diff": max(fp32_diffs) if fp32_diffs else None, "notes": notes, "engines": engines}


def markdown(report):
    m = report["machine"]
    peak = report["fma_peak"]
    lines = [f"# vivid vs PyTorch vs ONNX Runtime, {m['threads']} thread(s), batch {report['batch']}", "",
             f"- machine: {machine.describe(m)}",
             f"- load average before {m['loadavg_before']}, after {m.get('loadavg_after')}"
             + (" (**the machine was busy before the run: timings are noisy**)"
                if m["loadavg_before"][0] >= 0.5 else ""),
             f"- FMA peak ({peak.get('isa')}, 12 chains/thread, {m['threads']} threads): "
             f"{fmt(peak.get('gflops'), '.1f')} GFLOP/s",
             f"- {report['rounds']} round(s), interleaved; per process {report['reps']} rep(s) after "
             f"{report['warmup']} warm-up; torch-netlib: 1 rep, no warm-up, first round only",
             "- ratio = engine median / vivid fp32 median (>1: vivid is faster); diffs are max |x - vivid fp32|"]
    if report.get("max_isa", "native") != "native":
        lines.append(f"- vivid engines limited to {report['max_isa']} (VIVID_MAX_CPU_ISA, ONEDNN_MAX_CPU_ISA)")
    lines.append("")
    for name, entry in report["models"].items():
        pre = entry["spec"]["arch"] == "VideoMAEForPreTraining"
        lines.append(f"## {name} ({entry['gflop']:.4g} GFLOP per forward)")
        lines.append("")
        header = ["engine", "s min", "s median", "GFLOP/s", "% peak", "vs vivid fp32", "peak RSS MB",
                  "max abs logit diff"] + (["loss diff"] if pre else []) + ["notes"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for eng, e in entry["engines"].items():
            if e["status"] != "ok":
                row = [eng] + [""] * (len(header) - 2) + [f"{e['status']}: {e['note']}"]
                if e.get("peak_rss_mb") and e["status"] == "error":
                    row[6] = f"{e['peak_rss_mb']:.0f}"
            else:
                ratio = e.get("ratio_vs_vivid")
                row = [eng, fmt_s(e["seconds_min"]), fmt_s(e["seconds_median"]),
                       fmt(e["gflops"], ".1f"), fmt(e.get("pct_peak"), ".0f"),
                       f"{ratio:.2f}x" if ratio else "", fmt(e.get("peak_rss_mb"), ".0f"),
                       fmt(e.get("max_logit_diff"), ".1e")]
                if pre:
                    row.append(fmt(e.get("loss_diff"), ".1e"))
                row.append(e["note"])
            lines.append("| " + " | ".join(str(c) for c in row) + " |")
        lines.append("")
        for n in entry["notes"]:
            lines.append(f"- {n}")
        if entry["notes"]:
            lines.append("")
    lines.append("## Summary")
    lines.append("")
    for name, entry in report["models"].items():
        engines = entry["engines"]
        v = engines.get("vivid-fp32", {})
        parts = []
        if v.get("status") == "ok":
            parts.append(f"vivid fp32 {fmt_s(v['seconds_median'])} s ({fmt(v.get('pct_peak'), '.0f')} % of peak)")
        else:
            parts.append("vivid fp32 " + (v.get("status", "not run") + (": " + v["note"] if v.get("note") else "")))
        others = [f"{n} {fmt_s(e['seconds_median'])} s" + (f" ({e['ratio_vs_vivid']:.2f}x)" if e.get("ratio_vs_vivid") else "")
                  for n, e in engines.items() if n != "vivid-fp32" and e["status"] == "ok"]
        if others:
            parts.append("; ".join(others))
        ok = entry["fp32_within_tolerance"]
        if ok is not None:
            parts.append(f"fp32 engines within {FP32_TOLERANCE:g} of {entry['reference']}: "
                         f"{'yes' if ok else 'NO'} (worst {entry['worst_fp32_diff']:.1e})")
        lines.append(f"- **{name}**: " + "; ".join(parts))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build", help="build folder holding vivid")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=1, help="timed forwards per process")
    p.add_argument("--warmup", type=int, default=1, help="untimed forwards per process first")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--models", default=",".join(video_models.MODELS),
                   help="comma-separated: " + ", ".join(video_models.MODELS))
    p.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ", ".join(ENGINES))
    p.add_argument("--netlib", choices=["pretrain", "all", "none"], default="pretrain",
                   help="models for torch-netlib: pre-training ones (default), all, none")
    p.add_argument("--cache", default="/tmp/vivid-bench-models", help="models, inputs, ONNX files, OpenBLAS")
    p.add_argument("--ort-dir", default="/tmp/vivid-bench-ort", help="npm prefix for onnxruntime-node")
    p.add_argument("--ort-version", default=ORT_VERSION)
    p.add_argument("--timeout", type=float, default=3600, help="seconds per engine process")
    p.add_argument("--max-isa", choices=["native", "avx2"], default="native",
                   help="avx2: vivid engines run as on an AVX2-only CPU (VIVID_MAX_CPU_ISA=avx2, ONEDNN_MAX_CPU_ISA=AVX2)")
    p.add_argument("--json-out")
    p.add_argument("--markdown-out")
    args = p.parse_args()
    args.models = [m for m in args.models.split(",") if m]
    if args.tiny:
        args.models = list(video_models.TINY_MODELS)
    args.engines = [e for e in args.engines.split(",") if e]
    for m in args.models:
        if m not in video_models.ALL_MODELS:
            p.error(f"unknown model {m}; choose from {', '.join(video_models.MODELS)}")
    for e in args.engines:
        if e not in ENGINES:
            p.error(f"unknown engine {e}; choose from {', '.join(ENGINES)}")
    args.engines = [e for e in ENGINES if e in args.engines]  # fixed order within a round
    return args


def setup_engines(args, flags):
    """Engine-wide setup. Returns (disabled {engine: reason}, vivid, OpenBLAS folder, ORT module)."""
    disabled = {}
    vivid = None
    if any(e.startswith("vivid") for e in args.engines):
        vivid, err = check_vivid_bench(args.build)
        if err:
            log(err)
            disabled.update({"vivid-fp32": err, "vivid-bf16": err, "vivid-int8": err})
    if "torch-bf16" in args.engines and not machine.has_bf16(flags):
        disabled["torch-bf16"] = "skipped: no AVX512-BF16 (minutes per forward)"
    blas_dir = None
    if {"torch-tuned", "torch-bf16", "ort"} & set(args.engines):  # ort: the export runs torch too
        try:
            blas_dir = setup_openblas(args.cache)
            log(f"OpenBLAS-openmp for torch: {blas_dir}")
        except (OSError, subprocess.CalledProcessError, RuntimeError) as e:
            msg = f"OpenBLAS setup failed: {getattr(e, 'stderr', '') or e}"
            log(msg)
            disabled.setdefault("torch-tuned", msg)
            disabled.setdefault("torch-bf16", msg)
    ort_module = None
    if "ort" in args.engines:
        try:
            ort_module = setup_ort(args.ort_dir, args.ort_version)
        except (OSError, subprocess.CalledProcessError, RuntimeError) as e:
            disabled["ort"] = f"onnxruntime-node setup failed: {tail(getattr(e, 'stderr', '') or str(e))}"
            log(disabled["ort"])
    return disabled, vivid, blas_dir, ort_module


def run_model(name, args, runner, disabled, export_env):
    """Prepares one model and runs its engines, round by round. Returns {engine: Result}."""
    spec = video_models.ALL_MODELS[name]
    model = Prepared(name, spec, args.cache, args.batch)
    results = {e: Result(e) for e in args.engines}
    try:
        model.prepare()
    except Exception as e:  # noqa: BLE001 - reported in the table, the run goes on
        for r in results.values():
            r.status, r.note = "error", f"model preparation failed: {e}"
    if "ort" in results and not results["ort"].finished and "ort" not in disabled:
        model.export_onnx(export_env, args.timeout)
    netlib_here = args.netlib == "all" or (args.netlib == "pretrain" and spec.is_pretraining)
    for eng, r in results.items():
        if r.finished:
            continue
        if eng in disabled:
            r.status = "skipped" if disabled[eng].startswith("skipped") else "error"
            r.note = disabled[eng].removeprefix("skipped: ")
        elif eng == "torch-netlib" and not netlib_here:
            r.status, r.note = "skipped", f"--netlib {args.netlib}"
    for rnd in range(args.rounds):
        for eng, r in results.items():
            if r.finished or (eng == "torch-netlib" and rnd > 0):
                continue
            where = f"{name} round {rnd + 1}/{args.rounds} {eng}"
            load = machine.loadavg()[0]
            r.extra.setdefault("loadavg_1min_at_start", []).append(load)
            try:
                seconds, outputs, rss, note, extra = runner.run(eng, model)
            except Unsupported as e:
                r.status, r.note = "unsupported", str(e)
                log(f"{where}: {e}")
                continue
            except Exception as e:  # noqa: BLE001 - one engine failing must not stop the run
                r.status, r.note = "error", str(e)
                log(f"{where}: ERROR {e}")
                continue
            r.status, r.note, r.outputs = "ok", note, outputs
            r.seconds += seconds
            r.peak_rss_mb = max(r.peak_rss_mb, rss)
            r.extra.update(extra)
            log(f"{where}: {', '.join(f'{s:.3f}' for s in seconds)} s, peak RSS {rss:.0f} MB "
                f"(load before {load:.2f})")
    return model, results


def main():
    args = parse_args()
    facts = machine.facts(args.threads)
    flags = machine.cpu_flags()
    log(machine.describe(facts))
    log(f"load average {facts['loadavg_before']}")
    os.makedirs(args.cache, exist_ok=True)
    try:
        peak = machine.fma_peak(args.threads, args.cache)
        log(f"FMA peak ({peak['isa']}, {args.threads} threads): {peak['gflops']:.1f} GFLOP/s")
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        peak = {"error": str(e)}
        log(f"FMA peak failed: {e}")

    disabled, vivid, blas_dir, ort_module = setup_engines(args, flags)
    avx512 = "avx512f" in flags
    export_env = torch_env("tuned", args.threads, blas_dir, avx512) if blas_dir else dict(os.environ)
    report = {"machine": facts, "fma_peak": peak, "threads": args.threads, "batch": args.batch,
              "rounds": args.rounds, "reps": args.reps, "warmup": args.warmup, "max_isa": args.max_isa,
              "models": {}}
    with tempfile.TemporaryDirectory(prefix="vivid-compare-") as tmp:
        runner = Runner(args, tmp, vivid, blas_dir, ort_module, avx512)
        for name in args.models:
            model, results = run_model(name, args, runner, disabled, export_env)
            spec = model.spec
            entry = summarize_model(name, spec, results, peak.get("gflops"), args.batch)
            entry["spec"] = {"arch": spec.arch, **{k: v for k, v in vars(spec).items() if k != "arch"}}
            entry["model_dir"] = model.hf
            report["models"][name] = entry
            for n in entry["notes"]:
                log(f"{name}: {n}")
            blas = entry["engines"].get("torch-tuned", {}).get("blas")
            if blas:
                log(f"{name}: torch-tuned mapped {', '.join(blas)}")
    facts["loadavg_after"] = machine.loadavg()

    text = markdown(report)
    print(text)
    if args.markdown_out:
        with open(args.markdown_out, "w") as f:
            f.write(text)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(report, f, indent=1, default=float)
    ok = [e["fp32_within_tolerance"] for e in report["models"].values() if e["fp32_within_tolerance"] is not None]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
