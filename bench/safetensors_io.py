"""Minimal safetensors reader/writer for the bench scripts (no safetensors package here).

Layout: 8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}},
then the raw little-endian tensor bytes.
"""
import json
import os
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32,
           "U8": np.uint8, "BOOL": np.bool_, "F16": np.float16}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def load(path, writable=False):
    """{name: array}. The arrays are views of one buffer, read-only unless writable."""
    with open(path, "rb") as f:
        if writable:
            data = bytearray(os.fstat(f.fileno()).st_size)
            f.readinto(data)
        else:
            data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]])
        arr = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=base + begin)
        out[name] = arr.reshape(info["shape"])
    return out


def save(path, tensors):
    header, offset = {}, 0
    for name in sorted(tensors):
        arr = tensors[name]
        header[name] = {"dtype": _NAMES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in sorted(tensors):  # one tensor at a time: no second copy of the whole file
            f.write(np.ascontiguousarray(tensors[name]).tobytes())
