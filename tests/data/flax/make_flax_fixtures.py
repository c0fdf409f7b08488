#!/usr/bin/python3
"""Writes the small Flax msgpack checkpoints that tests/formats/flax_checkpoint_test.cpp reads.

Run with Debian's /usr/bin/python3 and python3-msgpack (apt-get install python3-msgpack):
    /usr/bin/python3 tests/data/flax/make_flax_fixtures.py

The encoding re-implements flax/serialization.py (google/flax@00a973a4, the revision the
conformance cases name): an ndarray is msgpack ExtType 1 whose payload is
msgpack.packb((shape, dtype.name, arr.tobytes('C')), use_bin_type=True); a numpy scalar is
ExtType 3 with the same payload for np.asarray(x); a complex is ExtType 2 with packb((re, im));
the tree is packed with strict_types=True; arrays larger than MAX_CHUNK_SIZE bytes become
{'__msgpack_chunked_array__': True, 'shape': {'0': d0, ...}, 'chunks': {'0': flat[0:n], ...}}
(_chunk), here with a tiny MAX_CHUNK_SIZE so the fixtures stay a few KB.

Expected values are written independently with numpy (np.save) into expected/<fixture>/, with
manifest.json listing each parameter's vivid dtype, shape and .npy file. bfloat16 (not a
numpy dtype) is written as its raw uint16 bit patterns, the way jax/ml_dtypes store it.
"""
import json
import os
import shutil

import msgpack
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "..", "fuzz", "corpus", "flax_checkpoint")
MAX_CHUNK_SIZE = 256  # flax uses 2**30; small here so one fixture array is chunked

VIVID_DTYPE = {"float32": "F32", "float16": "F16", "bfloat16": "BF16", "int32": "I32",
               "int64": "I64", "uint8": "U8", "bool": "BOOL"}


class BFloat16Array:
    """A bfloat16 array given by its bit patterns (numpy has no bfloat16)."""

    def __init__(self, values):
        f32 = np.asarray(values, dtype=np.float32)
        # round to nearest even, as ml_dtypes does
        bits = f32.view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        self.bits = rounded.astype(np.uint16)
        self.shape = f32.shape


def ndarray_payload(shape, dtype_name, raw):
    return msgpack.packb((tuple(shape), dtype_name, raw), use_bin_type=True)


def ext_pack(x):  # flax _msgpack_ext_pack
    if isinstance(x, np.ndarray):
        return msgpack.ExtType(1, ndarray_payload(x.shape, x.dtype.name, x.tobytes("C")))
    if isinstance(x, BFloat16Array):
        return msgpack.ExtType(1, ndarray_payload(x.shape, "bfloat16", x.bits.astype("<u2").tobytes()))
    if isinstance(x, np.generic):
        a = np.asarray(x)
        return msgpack.ExtType(3, ndarray_payload(a.shape, a.dtype.name, a.tobytes("C")))
    if isinstance(x, complex):
        return msgpack.ExtType(2, msgpack.packb((x.real, x.imag)))
    raise TypeError(type(x))


def chunk(arr):  # flax _chunk
    chunksize = max(1, int(MAX_CHUNK_SIZE / arr.dtype.itemsize))
    flat = arr.reshape(-1)
    chunks = [flat[i:i + chunksize] for i in range(0, flat.size, chunksize)]
    return {"__msgpack_chunked_array__": True,
            "shape": {str(i): d for i, d in enumerate(arr.shape)},
            "chunks": {str(i): c for i, c in enumerate(chunks)}}


def chunk_leaves(d):  # flax _chunk_array_leaves_in_place
    for k, v in d.items():
        if isinstance(v, np.ndarray) and v.size * v.dtype.itemsize > MAX_CHUNK_SIZE:
            d[k] = chunk(v)
        elif isinstance(v, dict):
            chunk_leaves(v)
    return d


def serialize(tree):  # flax msgpack_serialize
    return msgpack.packb(chunk_leaves(tree), default=ext_pack, strict_types=True)


def write(name, data, folder=HERE):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def write_expected(fixture, params):
    """params: flat {path: array}; writes expected/<fixture>/NNN.npy and manifest.json."""
    folder = os.path.join(HERE, "expected", fixture)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    manifest = {}
    for i, (path, value) in enumerate(sorted(params.items())):
        if isinstance(value, BFloat16Array):
            dtype, stored = "BF16", value.bits
        else:
            value = np.asarray(value)
            dtype, stored = VIVID_DTYPE[value.dtype.name], value
        npy = "%03d.npy" % i
        np.save(os.path.join(folder, npy), stored)
        manifest[path] = {"dtype": dtype, "shape": list(stored.shape), "npy": npy}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def train_state(rng):
    """A Scenic-like train state: optimizer/target holds the params."""
    params = {
        "Dense_0/kernel": rng.standard_normal((3, 4)).astype(np.float32),
        "Dense_0/bias": rng.standard_normal(4).astype(np.float16),
        "Embed_0/embedding": BFloat16Array(rng.standard_normal((5, 3))),
        "big/kernel": rng.standard_normal((10, 13)).astype(np.float32),  # 520 bytes: chunked
        "big/counts": np.arange(100, dtype=np.int32).reshape(4, 25),     # 400 bytes: chunked
        "stats/counts": np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int32),
        "stats/ids": np.array([0, 1, 2**40, -7], dtype=np.int64),
        "stats/mask": np.array([[True, False], [False, True]]),
        "stats/pixels": np.array([0, 1, 127, 128, 200, 254, 255], dtype=np.uint8),
        "layers/0/scale": np.array([1.0, 2.0], dtype=np.float32),
        "layers/1/scale": np.array([3.0, 4.0], dtype=np.float32),
        "layers/1/sub/0/w": np.array([[5.0]], dtype=np.float32),
        "temperature": np.float32(1.5),                                   # numpy scalar: ExtType 3
        "empty": np.zeros((0, 3), dtype=np.float32),
        "zero_d": np.array(42, dtype=np.int64),                           # 0-d ndarray: ExtType 1
    }
    target = {}
    for path, value in params.items():
        node = target
        *parents, leaf = path.split("/")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    # Leaves that are not arrays: skipped by the reader.
    target["Dense_0"]["note"] = "not a weight"
    target["Dense_0"]["lr"] = 0.125
    target["Dense_0"]["phase"] = complex(1.0, -2.0)
    target["Dense_0"]["nothing"] = None
    target["Dense_0"]["count"] = 3
    momentum = {"Dense_0": {"kernel": {"momentum": np.ones((3, 4), np.float32)}}}
    tree = {
        "global_step": np.array(7, dtype=np.int32),
        "optimizer": {"state": {"step": np.int64(7), "param_states": momentum},
                      "target": target},
        "rng": np.array([1, 2], dtype=np.uint32),  # unsupported dtype, but not a param
        "accum_train_time": 12.5,
    }
    return tree, params


def main():
    rng = np.random.default_rng(20240611)
    os.makedirs(CORPUS, exist_ok=True)

    tree, params = train_state(rng)
    data = serialize(tree)
    write("train_state.msgpack", data)
    write_expected("train_state", params)
    write("train_state.msgpack", data, CORPUS)

    w = rng.standard_normal((2, 2)).astype(np.float32)
    write("params_root.msgpack", serialize(
        {"step": 3, "params": {"dense": {"w": w}}, "opt_state": {"0": {"mu": {"dense": {"w": w * 0}}}}}))
    write("target_root.msgpack", serialize({"target": {"w": w}, "state": {"step": 3}}))
    data = serialize({"Dense_0": {"kernel": w}, "step": 3})
    write("bare.msgpack", data)
    write("bare.msgpack", data, CORPUS)

    # Chunk keys out of order: _unchunk takes them by index ("0", "1"), not by map order.
    quarter = np.arange(1, 5, dtype=np.float32)
    write("chunks_out_of_order.msgpack", msgpack.packb({"params": {"w": {
        "__msgpack_chunked_array__": True, "shape": {"1": 2, "0": 2},
        "chunks": {"1": quarter[2:], "0": quarter[:2]}}}}, default=ext_pack))

    broken = os.path.join(HERE, "broken")
    shutil.rmtree(broken, ignore_errors=True)
    os.makedirs(broken)
    good_payload = ndarray_payload((3, 4), "float32", bytes(48))
    cases = {
        "float64_param": serialize({"params": {"dense": {"kernel": np.zeros((2, 2))}}}),
        "newline_in_name": serialize({"params": {"a\nb": np.zeros(2)}}),
        "unknown_dtype": serialize({"params": {"z": np.zeros(2, dtype=np.complex64)}}),
        "wrong_byte_count": msgpack.packb({"params": {"dense": {"kernel": msgpack.ExtType(
            1, ndarray_payload((3, 4), "float32", bytes(44)))}}}),
        "payload_not_msgpack": msgpack.packb({"params": {"w": msgpack.ExtType(1, b"\xc1\x00")}}),
        "payload_not_triple": msgpack.packb({"params": {"w": msgpack.ExtType(
            1, msgpack.packb(((3, 4), "float32")))}}),
        "payload_trailing": msgpack.packb({"params": {"w": msgpack.ExtType(1, good_payload + b"\x00")}}),
        "negative_dim": msgpack.packb({"params": {"w": msgpack.ExtType(
            1, ndarray_payload((3, -4), "float32", bytes(48)))}}),
        "huge_shape": msgpack.packb({"params": {"w": msgpack.ExtType(
            1, ndarray_payload((2**62, 2**62), "float32", bytes(4)))}}),
        "top_level_array": msgpack.packb([1, 2, 3]),
        "no_params": msgpack.packb({"step": 3, "name": "run", "opt": {"lr": 0.1}}),
        "chunk_missing": msgpack.packb({"params": {"w": {
            "__msgpack_chunked_array__": True, "shape": {"0": 4},
            "chunks": {"0": msgpack.ExtType(1, ndarray_payload((2,), "float32", bytes(8))),
                       "2": msgpack.ExtType(1, ndarray_payload((2,), "float32", bytes(8)))}}}}),
        "chunk_size_mismatch": msgpack.packb({"params": {"w": {
            "__msgpack_chunked_array__": True, "shape": {"0": 5},
            "chunks": {"0": msgpack.ExtType(1, ndarray_payload((2,), "float32", bytes(8))),
                       "1": msgpack.ExtType(1, ndarray_payload((2,), "float32", bytes(8)))}}}}),
        "chunk_dtype_mismatch": msgpack.packb({"params": {"w": {
            "__msgpack_chunked_array__": True, "shape": {"0": 4},
            "chunks": {"0": msgpack.ExtType(1, ndarray_payload((2,), "float32", bytes(8))),
                       "1": msgpack.ExtType(1, ndarray_payload((2,), "int32", bytes(8)))}}}}),
        "int_key": msgpack.packb({"params": {1: msgpack.ExtType(1, good_payload)}}),
    }
    for name, data in cases.items():
        write(name + ".msgpack", data, broken)
        write("broken_" + name + ".msgpack", data, CORPUS)
    # Seeds for the fuzz target only: a depth bomb and a checkpoint cut inside an array.
    write("broken_deep.msgpack", b"\x81\xa1a" * 200 + b"\xc0", CORPUS)
    with open(os.path.join(HERE, "train_state.msgpack"), "rb") as f:
        write("broken_truncated.msgpack", f.read()[:700], CORPUS)


if __name__ == "__main__":
    main()
