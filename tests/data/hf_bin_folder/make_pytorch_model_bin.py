"""Writes tests/data/hf_bin_folder/: the videomae_tiny_finetuned conformance model saved the way
HF's save_pretrained(safe_serialization=False) does it: a torch.save'd state dict with HF names in
pytorch_model.bin, beside config.json. Run with Debian's /usr/bin/python3 (torch 1.13)."""
import json
import pathlib
import shutil
import struct
from collections import OrderedDict

import numpy as np
import torch

here = pathlib.Path(__file__).resolve().parent
case = here.parents[1] / "conformance" / "cases" / "videomae_tiny_finetuned" / "expected"

raw = (case / "model.safetensors").read_bytes()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8 : 8 + n])
state = OrderedDict()
for name in sorted(k for k in header if k != "__metadata__"):
    info = header[name]
    begin, end = info["data_offsets"]
    assert info["dtype"] == "F32"
    array = np.frombuffer(raw[8 + n + begin : 8 + n + end], dtype="<f4").reshape(info["shape"])
    state[name] = torch.from_numpy(array.copy())
torch.save(state, here / "pytorch_model.bin")
shutil.copy(case / "config.json", here / "config.json")
print("wrote", here / "pytorch_model.bin")
