#!/usr/bin/python3
"""bf16 numerics on a full-size model, on any CPU: logits of vivid's reference kernels with bf16
rounding (weights and linear-layer inputs rounded to nearest-even bfloat16, products accumulated
exactly: what bf16 hardware computes, up to summation order) against vivid fp32.

    /usr/bin/python3 bench/bf16_error.py --build build --model-dir /tmp/vivid-bench-models/videomae-b

MODEL_DIR is a compare.py cache folder (hf/ and input-b1.safetensors). Slow: the reference kernels
are plain loops (about 30 s for the pre-training model, minutes for VideoMAE-B).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def run(build, model_dir, out, extra):
    inp = os.path.join(model_dir, "input-b1.safetensors")
    args = [os.path.join(build, "vivid"), "run", "--model", os.path.join(model_dir, "hf"), "--pixel-values", inp,
            "--save-outputs", out, "--threads", str(os.cpu_count())] + extra
    if "bool_masked_pos" in safetensors_io.load(inp):
        args += ["--mask", inp]
    subprocess.run(args, check=True)
    return safetensors_io.load(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--model-dir", required=True)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = run(a.build, a.model_dir, os.path.join(tmp, "fp32.safetensors"), [])
        bf16 = run(a.build, a.model_dir, os.path.join(tmp, "bf16.safetensors"),
                   ["--kernels", "reference", "--precision", "bf16"])
    diff = np.abs(bf16["logits"] - fp32["logits"])
    line = f"{a.model_dir}: max |bf16 - fp32| logit {diff.max():.3g} (largest |logit| {np.abs(fp32['logits']).max():.3g})"
    if "loss" in fp32:
        line += f"; loss {float(bf16['loss'][0]):.7g} vs {float(fp32['loss'][0]):.7g}"
    else:
        line += f"; top-1 {'same' if (bf16['logits'].argmax(-1) == fp32['logits'].argmax(-1)).all() else 'DIFFERENT'}"
    print(line)


if __name__ == "__main__":
    main()
