#!/usr/bin/python3
"""Regenerates the torch.save fixtures and their golden data for the torch checkpoint tests.

Run with Debian's /usr/bin/python3 (torch 1.13, numpy) from anywhere:
    /usr/bin/python3 tests/data/torch/make_torch_fixtures.py
Golden values come from torch itself (torch.load of what torch.save wrote) and are written
with numpy into small .safetensors files (written by hand: Debian has no python safetensors),
so the C++ reader is checked against torch, never against itself.
"""
import argparse
import collections
import io
import json
import os
import pickle
import shutil
import struct
import sys
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CASES = os.path.join(ROOT, "tests", "conformance", "cases")
BAD = os.path.join(HERE, "bad")
FUZZ_TORCH = os.path.join(ROOT, "fuzz", "corpus", "torch_checkpoint")
FUZZ_PICKLE = os.path.join(ROOT, "fuzz", "corpus", "pickle")
PICKLES = os.path.join(HERE, "pickles")

# Marker files the malicious fixtures would create if anything executed them.
MARKER_OS_SYSTEM = "/tmp/vivid_torch_fixture_marker_os_system"
MARKER_EVAL = "/tmp/vivid_torch_fixture_marker_eval"

SAFETENSORS_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                     torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


def raw_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata):
    """The safetensors layout by hand: u64 header length, JSON header, raw C-order bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        data = raw_bytes(t)
        header[name] = {"dtype": SAFETENSORS_DTYPE[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_member(z, name, data, compress=zipfile.ZIP_STORED):
    """A zip member with a fixed timestamp, so regenerating gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = compress
    z.writestr(info, data)


def save_with_golden(name, obj, state_key, **save_kwargs):
    """torch.save `obj`, then torch.load it back and record the state dict as golden data."""
    path = os.path.join(HERE, name + ".pth")
    torch.save(obj, path, **save_kwargs)
    loaded = torch.load(path)
    state = loaded[state_key] if state_key else loaded
    order = list(state.keys())
    write_safetensors(os.path.join(HERE, name + ".golden.safetensors"), dict(state),
                      {"order": json.dumps(order), "source_key": state_key})
    return path


def small_model_state():
    torch.manual_seed(0)
    return collections.OrderedDict([
        ("patch_embed.proj.weight", torch.randn(4, 3, 2, 2, 2)),
        ("patch_embed.proj.bias", torch.randn(4)),
        ("blocks.0.attn.qkv.weight", torch.randn(12, 4)),
        ("blocks.0.attn.q_bias", torch.randn(4)),
        ("head.weight", torch.randn(5, 4)),
        ("head.bias", torch.zeros(5)),
    ])


def training_style_checkpoint(state_key):
    model = small_model_state()
    optimizer = {
        "state": {i: {"step": torch.tensor(3.0), "exp_avg": torch.randn_like(v),
                      "exp_avg_sq": torch.rand_like(v)} for i, v in enumerate(model.values())},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.05,
                          "params": list(range(len(model)))}],
    }
    args = argparse.Namespace(batch_size=8, model="vit_small_patch16_224", lr=1e-3,
                              input_size=224, drop_path=0.1, nb_classes=400,
                              data_path="/data/k400", tubelet_size=2, use_mean_pooling=True,
                              layer_decay=0.75, opt_betas=[0.9, 0.999], crop_pct=None)
    scaler = {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
              "growth_interval": 2000, "_growth_tracker": 17}
    return {state_key: model, "optimizer": optimizer, "epoch": 42, "scaler": scaler, "args": args}


def dtypes_state():
    torch.manual_seed(1)
    return collections.OrderedDict([
        ("f32", torch.randn(3, 4)),
        ("bf16", torch.randn(2, 5).to(torch.bfloat16)),
        ("f16", torch.randn(7).to(torch.float16)),
        ("i64", torch.tensor([[-5, 2**40], [7, -(2**62)]], dtype=torch.int64)),
        ("i32", torch.tensor([1, -2, 2**31 - 1], dtype=torch.int32)),
        ("u8", torch.tensor([0, 1, 255, 128], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("scalar", torch.tensor(2.5)),
        ("empty", torch.zeros(0, 3)),
    ])


def views_state():
    base = torch.arange(40, dtype=torch.float32)
    matrix = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    return collections.OrderedDict([
        ("transposed", matrix.t()),                   # non-contiguous: copied
        ("slice_a", base[2:7]),                       # offset 2 into a shared storage
        ("slice_b", base[10:30].view(4, 5)),          # offset 10, same storage
        ("every_other", matrix[:, ::2]),              # strided
        ("whole", base),
    ])


def module_state_dict():
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
    return net.state_dict()  # an OrderedDict with _metadata: pickled with BUILD


def make_good_fixtures():
    save_with_golden("training_model", training_style_checkpoint("model"), "model")
    save_with_golden("training_module", training_style_checkpoint("module"), "module")
    save_with_golden("dtypes_plain", dtypes_state(), "")
    save_with_golden("views", {"model": views_state()}, "model")
    save_with_golden("protocol4", {"model": small_model_state(), "epoch": 1}, "model",
                     pickle_protocol=4)
    save_with_golden("protocol5", {"model": dtypes_state()}, "model", pickle_protocol=5)
    save_with_golden("module_state_dict", module_state_dict(), "")
    params = collections.OrderedDict(
        (k, torch.nn.Parameter(v)) for k, v in small_model_state().items())
    save_with_golden("parameters", {"model": params}, "model")
    # The same checkpoint with every member deflated: exercises the inflate path.
    src = os.path.join(HERE, "training_model.pth")
    dst = os.path.join(HERE, "deflated.pth")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            write_member(zout, info.filename.replace("training_model/", "deflated/"),
                         zin.read(info), zipfile.ZIP_DEFLATED)
    shutil.copy(os.path.join(HERE, "training_model.golden.safetensors"),
                os.path.join(HERE, "deflated.golden.safetensors"))
    assert torch.load(dst)["epoch"] == 42


def make_rejected_fixtures():
    os.makedirs(BAD, exist_ok=True)
    torch.save({"model": small_model_state()}, os.path.join(BAD, "legacy.pth"),
               _use_new_zipfile_serialization=False)
    torch.save({"model": {"w": torch.randn(3, dtype=torch.float64)}}, os.path.join(BAD, "float64.pth"))
    good = open(os.path.join(HERE, "training_model.pth"), "rb").read()
    open(os.path.join(BAD, "truncated.pth"), "wb").write(good[: len(good) // 2])
    open(os.path.join(BAD, "empty.pth"), "wb").close()
    open(os.path.join(BAD, "garbage.pth"), "wb").write(bytes((i * 37 + 11) % 256 for i in range(300)))

    # A zip without one storage member.
    with zipfile.ZipFile(os.path.join(HERE, "training_model.pth")) as zin, \
            zipfile.ZipFile(os.path.join(BAD, "missing_member.pth"), "w") as zout:
        for info in zin.infolist():
            if info.filename != "training_model/data/0":
                write_member(zout, info.filename.replace("training_model/", "missing_member/"),
                             zin.read(info))
    torch.save({"state_dict": small_model_state(), "epoch": 3}, os.path.join(BAD, "no_model_key.pth"))
    with zipfile.ZipFile(os.path.join(BAD, "bad_opcode.pth"), "w") as z:
        write_member(z, "bad_opcode/data.pkl", b"\x80\x02}q\x00\xff.")
        write_member(z, "bad_opcode/version", "3\n")
    with zipfile.ZipFile(os.path.join(BAD, "no_data_pkl.pth"), "w") as z:
        write_member(z, "archive/version", "3\n")


class FakeStorage:
    def __init__(self, key, numel, storage_type=torch.FloatStorage):
        self.key, self.numel, self.storage_type = key, numel, storage_type


class FakeTensor:
    """Pickles exactly like a torch tensor (torch/_tensor.py __reduce_ex__), with any numbers."""
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class CheckpointPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None


class UntypedTensorV3:
    """Pickles like newer torch's _rebuild_tensor_v3(untyped storage, ..., dtype) (not in 1.13)."""
    def __init__(self, storage, offset, size, stride, dtype):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict(),
                     dtype)

    def __reduce__(self):
        return (rebuild_tensor_v3_name(), self.args)


def rebuild_tensor_v3_name():
    """A stand-in whose pickled name is torch._utils._rebuild_tensor_v3."""
    def _rebuild_tensor_v3(*args):
        raise RuntimeError("never called")
    _rebuild_tensor_v3.__module__ = "torch._utils"
    _rebuild_tensor_v3.__qualname__ = "_rebuild_tensor_v3"
    if not hasattr(torch._utils, "_rebuild_tensor_v3"):
        torch._utils._rebuild_tensor_v3 = _rebuild_tensor_v3
    return torch._utils._rebuild_tensor_v3


class LegacyStorage:
    """A storage pickled inline the pre-zip way: REDUCE(torch.storage._load_from_bytes, (b,))."""
    def __reduce__(self):
        return (torch.storage._load_from_bytes, (b"not a real storage",))


class Shell:
    """__reduce__ that makes the unpickler call os.system(command)."""
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class Eval:
    """__reduce__ that makes the unpickler call builtins.eval(expression)."""
    def __init__(self, expression):
        self.expression = expression

    def __reduce__(self):
        import builtins
        return (builtins.eval, (self.expression,))


def craft_checkpoint(path, obj, storages, protocol=2):
    """A torch-style zip: data.pkl from our pickler, data/<key> members, version."""
    buf = io.BytesIO()
    CheckpointPickler(buf, protocol=protocol).dump(obj)
    stem = os.path.splitext(os.path.basename(path))[0]
    with zipfile.ZipFile(path, "w") as z:
        write_member(z, stem + "/data.pkl", buf.getvalue())
        for key, data in storages.items():
            write_member(z, stem + "/data/" + key, data)
        write_member(z, stem + "/version", "3\n")
    return buf.getvalue()


def make_crafted_fixtures():
    floats = np.arange(6, dtype="<f4").tobytes()
    weight = FakeTensor(FakeStorage("0", 6), 0, (2, 3), (3, 1))
    # Malicious: the args entry would run a shell command / eval under pickle.load.
    evil_cmd = Shell("touch " + MARKER_OS_SYSTEM)
    evil_eval = Eval("__import__('os').system('touch %s')" % MARKER_EVAL)
    payloads = {}
    payloads["evil_os_system"] = craft_checkpoint(
        os.path.join(BAD, "evil_os_system.pth"),
        {"model": {"w": weight}, "args": evil_cmd}, {"0": floats})
    payloads["evil_eval"] = craft_checkpoint(
        os.path.join(BAD, "evil_eval.pth"),
        {"model": {"w": weight}, "args": evil_eval}, {"0": floats})
    # Here the weight itself is the os.system call: must be refused, not run.
    craft_checkpoint(os.path.join(BAD, "evil_weight.pth"), {"model": {"w": evil_cmd}}, {})
    # Prove the fixtures are really malicious: Python's pickle does run them.
    for name, marker in (("evil_os_system", MARKER_OS_SYSTEM), ("evil_eval", MARKER_EVAL)):
        if os.path.exists(marker):
            os.remove(marker)
        unpickler = pickle.Unpickler(io.BytesIO(payloads[name]))
        unpickler.persistent_load = lambda pid: pid[1](pid[4])
        try:
            unpickler.load()
        except Exception:
            pass  # rebuilding the fake tensor fails; the command has run by then
        assert os.path.exists(marker), name + " did not execute under pickle.loads"
        os.remove(marker)

    # The tensor reaches element 9 but the storage declares 6 elements.
    craft_checkpoint(os.path.join(BAD, "storage_too_short.pth"),
                     {"model": {"w": FakeTensor(FakeStorage("0", 6), 3, (2, 3), (3, 1))}},
                     {"0": floats})
    # The storage declares 6 elements but its member holds only 4.
    craft_checkpoint(os.path.join(BAD, "member_too_short.pth"),
                     {"model": {"w": weight}}, {"0": floats[:16]})
    # The weight's storage is a legacy _load_from_bytes blob: opaque, never called.
    craft_checkpoint(os.path.join(BAD, "opaque_storage.pth"),
                     {"model": {"w": FakeTensor(LegacyStorage(), 0, (1,), (1,))}}, {})
    # Newer torch style: an untyped (byte) storage, the dtype given to _rebuild_tensor_v3.
    # Bytes are bf16 0..5 (exact in bf16); "w" = elements 1..4 as (2, 2).
    bf16 = np.arange(6, dtype="<f4").view("<u4") >> 16
    craft_checkpoint(os.path.join(HERE, "crafted_untyped_v3.pth"),
                     {"model": {"w": UntypedTensorV3(FakeStorage("0", 12, torch.UntypedStorage), 1,
                                                      (2, 2), (2, 1), torch.bfloat16)}},
                     {"0": bf16.astype("<u2").tobytes()}, protocol=4)
    # Fine: a storage shared by two weights, an unused optimizer tensor with an absent member.
    craft_checkpoint(os.path.join(HERE, "crafted_shared.pth"),
                     {"model": {"a": FakeTensor(FakeStorage("0", 6), 1, (2, 2), (2, 1)),
                                "b": FakeTensor(FakeStorage("0", 6), 0, (3,), (2,))},
                      "optimizer": {"x": FakeTensor(FakeStorage("9", 4), 0, (4,), (1,))}},
                     {"0": floats})


# ---- plain pickles for the pickle machine tests: value + its JSON description ----

def describe(v, protocol):
    """The JSON convention the C++ test uses to print a PickleArena value. Values that a protocol
    can only express with REDUCE on a builtin (bytes below 3, sets below 4, bytearray below 5,
    any class instance) are opaque objects for the restricted machine."""
    d = lambda x: describe(x, protocol)
    opaque = {"object": "opaque"}
    if v is None or isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if -(2**63) <= v < 2**63 else {"bigint": True}
    if isinstance(v, float):
        return {"float": v}
    if isinstance(v, bytearray):
        return {"bytes": bytes(v).hex()} if protocol >= 5 else opaque
    if isinstance(v, bytes):
        return {"bytes": v.hex()} if protocol >= 3 else opaque
    if isinstance(v, tuple):
        return {"tuple": [d(x) for x in v]}
    if isinstance(v, list):
        return [d(x) for x in v]
    if isinstance(v, collections.OrderedDict) or type(v) is dict:
        return {"dict": [[d(k), d(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset)):
        return {"set": [d(x) for x in v]} if protocol >= 4 else opaque
    return opaque


def make_pickles():
    os.makedirs(PICKLES, exist_ok=True)
    value = {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31 - 1, 2**31, 2**62, -(2**63),
                 2**63 - 1, 2**64, -(2**100)],
        "floats": [0.0, -1.5, 3.141592653589793, 1e300],
        "text": ["", "ascii", "h\u00e9llo \u4e16\u754c \\ \n", "x" * 300],
        "bytes": [b"", b"\x00\xffab", bytearray(b"ba")],
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "nested": {"a": [None, True, False], (1, "k"): {"deep": [[[]]]}},
        "sets": [{3}, frozenset([4])],
        "ns": argparse.Namespace(lr=0.1),
        "od": collections.OrderedDict([("z", 1), ("y", 2)]),
    }
    shared = [1, 2]
    value["shared"] = [shared, shared]
    expected = {}
    for protocol in range(0, 6):
        with open(os.path.join(PICKLES, "values_p%d.pkl" % protocol), "wb") as f:
            f.write(pickle.dumps(value, protocol=protocol))
        expected["values_p%d.pkl" % protocol] = describe(value, protocol)
    with open(os.path.join(PICKLES, "values.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def make_conformance_golden():
    """Names, order, dtypes, shapes and FNV-1a hashes of the conformance checkpoints (via torch)."""
    out = {}
    for case in sorted(os.listdir(CASES)):
        path = os.path.join(CASES, case, "checkpoint.pth")
        if not case.startswith("videomae_") or not os.path.exists(path):
            continue
        ck = torch.load(path)
        key = "model" if "model" in ck else "module"
        out[case] = {"source_key": key, "tensors": [
            {"name": k, "dtype": SAFETENSORS_DTYPE[v.dtype], "shape": list(v.shape),
             "fnv1a64": "%016x" % fnv1a64(raw_bytes(v))} for k, v in ck[key].items()]}
    with open(os.path.join(HERE, "conformance_checkpoints.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def make_fuzz_seeds():
    os.makedirs(FUZZ_TORCH, exist_ok=True)
    os.makedirs(FUZZ_PICKLE, exist_ok=True)
    for name in ("crafted_shared.pth", "protocol5.pth", "views.pth"):
        shutil.copy(os.path.join(HERE, name), os.path.join(FUZZ_TORCH, name))
    for name in ("evil_os_system.pth", "truncated.pth", "storage_too_short.pth"):
        shutil.copy(os.path.join(BAD, name), os.path.join(FUZZ_TORCH, name))
    for protocol in (0, 2, 4, 5):
        shutil.copy(os.path.join(PICKLES, "values_p%d.pkl" % protocol), FUZZ_PICKLE)
    with zipfile.ZipFile(os.path.join(HERE, "training_model.pth")) as z:
        open(os.path.join(FUZZ_PICKLE, "training_model_data.pkl"), "wb").write(
            z.read("training_model/data.pkl"))


if __name__ == "__main__":
    make_good_fixtures()
    make_rejected_fixtures()
    make_crafted_fixtures()
    make_pickles()
    make_conformance_golden()
    make_fuzz_seeds()
    print("torch", torch.__version__, "fixtures written to", HERE, file=sys.stderr)
