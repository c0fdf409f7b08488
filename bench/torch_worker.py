#!/usr/bin/python3
"""One PyTorch engine process for compare.py: time the forward, or export it to ONNX.

    torch_worker.py run --model DIR --input INPUT.safetensors --threads T --reps R --warmup W \
        [--autocast-bf16] [--save-outputs OUT.safetensors]
    torch_worker.py export --model DIR --input INPUT.safetensors --onnx OUT.onnx

`run` prints one JSON object on stdout: seconds (per timed rep), the BLAS libraries mapped into this
process (from /proc/self/maps), torch's version and thread count. Which BLAS torch uses is decided
by the environment compare.py gives the process (LD_LIBRARY_PATH), not here.
"""
import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import video_models  # noqa: E402


def mapped_blas():
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f
                 if "/" in line and any(k in line.lower() for k in ("blas", "lapack"))}
    return sorted(os.path.realpath(p) for p in paths)


def set_openblas_threads(threads):
    # Debian's torch is built with BLAS_INFO=generic: torch.set_num_threads does not reach
    # OpenBLAS's own thread count, so set it directly when OpenBLAS is loaded.
    for lib in ("libopenblas.so.0", "libblas.so.3"):
        try:
            ctypes.CDLL(lib).openblas_set_num_threads(threads)
            return
        except (OSError, AttributeError):
            pass


def model_inputs(spec, input_path):
    data = safetensors_io.load(input_path, writable=True)
    args = [torch.from_numpy(data["pixel_values"])]
    if spec.is_pretraining:
        visible, masked = video_models.mask_to_indices(data["bool_masked_pos"])
        args += [torch.from_numpy(visible), torch.from_numpy(masked)]
    return args


def outputs_dict(out):
    if isinstance(out, tuple):
        logits, loss = out
        return {"logits": logits.float().numpy(), "loss": loss.float().reshape(1).numpy()}
    return {"logits": out.float().numpy()}


def run(args):
    torch.set_num_threads(args.threads)
    set_openblas_threads(args.threads)
    spec, model = video_models.load_model_folder(args.model)
    inputs = model_inputs(spec, args.input)
    seconds = []
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.autocast_bf16):
        for _ in range(args.warmup):
            out = model(*inputs)
        for _ in range(args.reps):
            t0 = time.perf_counter()
            out = model(*inputs)
            seconds.append(time.perf_counter() - t0)
    if args.save_outputs:
        safetensors_io.save(args.save_outputs, outputs_dict(out))
    print(json.dumps({"seconds": seconds, "blas": mapped_blas(), "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "autocast_bf16": args.autocast_bf16}))


def export(args):
    spec, model = video_models.load_model_folder(args.model)
    inputs = model_inputs(spec, args.input)
    names = ["pixel_values", "visible_idx", "masked_idx"][:len(inputs)]
    outputs = ["logits", "loss"] if spec.is_pretraining else ["logits"]
    tmp = args.onnx + ".tmp"
    t0 = time.perf_counter()
    with torch.no_grad():
        torch.onnx.export(model, tuple(inputs), tmp, input_names=names, output_names=outputs,
                          opset_version=14, do_constant_folding=True)
    os.replace(tmp, args.onnx)
    print(json.dumps({"onnx": args.onnx, "seconds": time.perf_counter() - t0,
                      "bytes": os.path.getsize(args.onnx)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--model", required=True)
    r.add_argument("--input", required=True)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--reps", type=int, default=1)
    r.add_argument("--warmup", type=int, default=1)
    r.add_argument("--autocast-bf16", action="store_true")
    r.add_argument("--save-outputs")
    e = sub.add_parser("export")
    e.add_argument("--model", required=True)
    e.add_argument("--input", required=True)
    e.add_argument("--onnx", required=True)
    args = parser.parse_args()
    np.seterr(all="ignore")
    (run if args.command == "run" else export)(args)


if __name__ == "__main__":
    main()
