#!/usr/bin/python3
"""Writes the hostile corpus: tests/hostile/files/ plus tests/hostile/cases.tsv.

Run with Debian's /usr/bin/python3 (numpy, python3-torch, and the ffmpeg/ffprobe command line):
    /usr/bin/python3 tests/hostile/make_hostile.py

Each file (or model folder) is one attack on one of vivid's parsers: torch.save zips and their
pickles, Flax msgpack, safetensors (single and sharded), .npy, config.json /
preprocessor_config.json and videos. Every file is small (the claims inside are not). The
output is deterministic: fixed seeds, fixed zip timestamps, FFmpeg in bitexact mode.

Malicious pickles only ever try to `touch /tmp/vivid_pwned`; a test can check that file never
appears. Before writing them, each is run once through Python's own pickle (or torch.load /
np.load) with a private marker file instead, to prove it really does execute under an
unrestricted loader.
"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FILES = os.path.join(HERE, "files")
CASES_TSV = os.path.join(HERE, "cases.tsv")
CONFORMANCE = os.path.join(ROOT, "tests", "conformance", "cases")
GOOD_FOLDER = os.path.join(CONFORMANCE, "videomae_tiny_finetuned", "expected")
GOOD_FLAX = os.path.join(CONFORMANCE, "vivit_tiny", "checkpoint")

MARKER = "/tmp/vivid_pwned"  # what the malicious payloads try to create
ZIP_DATE = (2020, 1, 1, 0, 0, 0)
MAX_FILE = 300 * 1024
MAX_TOTAL = 4 * 1024 * 1024
# The one exception: 4 GiB of zeros cannot deflate below ~4 MB (DEFLATE's ratio tops out near
# 1032:1), and a 4 GiB bomb is what issue 23 measured. Git stores it much smaller still.
BIG_FILES = {"torch_zip_bomb_data_pkl_4gib.pth": 5 * 1024 * 1024}

# The vivid CLI argument template for each kind of input (see README.md).
COMMANDS = {
    "pth": "convert --from videomae-pth --checkpoint {file} "
           "--config {data}/conformance/cases/videomae_tiny_finetuned/config.json --out {out}/model",
    "flax": "convert --from vivit-flax --checkpoint {file} "
            "--config {data}/conformance/cases/vivit_tiny/config.json --out {out}/model",
    "folder": "run --model {file} --video {data}/conformance/cases/videomae_tiny_finetuned/video.npy "
              "--save-outputs {out}/outputs.safetensors",
    "pixels": "run --model {data}/conformance/cases/videomae_tiny_finetuned/expected "
              "--pixel-values {file} --save-outputs {out}/outputs.safetensors",
    "video": "run --model {data}/conformance/cases/videomae_tiny_finetuned/expected "
             "--video {file} --save-outputs {out}/outputs.safetensors",
    "video_uniform": "preprocess --preprocessor-config "
                     "{data}/conformance/cases/videomae_tiny_finetuned/expected/preprocessor_config.json "
                     "--video {file} --num-frames 8 --sampling uniform --max-frames 10000 "
                     "--save-outputs {out}/p.safetensors",
    "preprocessor": "preprocess --preprocessor-config {file} "
                    "--video {data}/conformance/cases/video_example_h264/video.mp4 --num-frames 2 "
                    "--save-outputs {out}/p.safetensors",
}

CASES = []  # (name under files/, kind, what it attacks), in the order written


def record(name, kind, what):
    assert kind in COMMANDS, kind
    CASES.append((name, kind, what))


def write(name, data):
    path = os.path.join(FILES, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ----------------------------------------------------------------------------------------
# Pickle assembly: opcode by opcode, so nothing depends on what Python's pickler would emit.

PROTO2, PROTO3, PROTO4 = b"\x80\x02", b"\x80\x03", b"\x80\x04"
MARK, STOP, POP = b"(", b".", b"0"
TUPLE, EMPTY_TUPLE = b"t", b")"
EMPTY_LIST, APPEND, APPENDS, LIST = b"]", b"a", b"e", b"l"
EMPTY_DICT, SETITEMS = b"}", b"u"
REDUCE, BUILD, OBJ, NEWOBJ, NEWOBJ_EX = b"R", b"b", b"o", b"\x81", b"\x92"
STACK_GLOBAL, BINPERSID, NEWFALSE, NEWTRUE, NONE = b"\x93", b"Q", b"\x89", b"\x88", b"N"


def p_str(s):  # BINUNICODE
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def p_short_str(s):  # SHORT_BINUNICODE (protocol 4)
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def p_int(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if 0 <= n < 65536:
        return b"M" + struct.pack("<H", n)
    if -2**31 <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def p_global(module, name):  # GLOBAL
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_binput(i):
    return b"q" + bytes([i]) if i < 256 else b"r" + struct.pack("<I", i)


def p_binget(i):
    return b"h" + bytes([i]) if i < 256 else b"j" + struct.pack("<I", i)


def p_tuple(*items):
    return MARK + b"".join(items) + TUPLE


def p_dict(*pairs):
    return EMPTY_DICT + MARK + b"".join(k + v for k, v in pairs) + SETITEMS


def p_call(func, *args):  # func(*args) via REDUCE
    return func + p_tuple(*args) + REDUCE


def p_tensor(key, numel, size, stride, offset=0):
    """What torch.save writes for a float32 tensor: _rebuild_tensor_v2(persistent storage, ...)."""
    storage = p_tuple(p_str("storage"), p_global("torch", "FloatStorage"), p_str(key),
                      p_str("cpu"), p_int(numel)) + BINPERSID
    return p_call(p_global("torch._utils", "_rebuild_tensor_v2"), storage, p_int(offset),
                  p_tuple(*map(p_int, size)), p_tuple(*map(p_int, stride)), NEWFALSE,
                  p_call(p_global("collections", "OrderedDict")))


# A harmless state dict with one 2x3 float32 weight in storage "0" (vivid would then complain
# about missing VideoMAE weights, which is fine: every attack below comes before that).
BENIGN_MODEL = p_dict((p_str("w"), p_tensor("0", 6, (2, 3), (3, 1))))
BENIGN_STORAGES = {"0": np.arange(6, dtype="<f4").tobytes()}


def checkpoint_pickle(model=BENIGN_MODEL, args=None, proto=PROTO2):
    """{'args': <args>, 'model': <model>}, like a training checkpoint with an argparse blob."""
    pairs = [] if args is None else [(p_str("args"), args)]
    return proto + p_dict(*pairs, (p_str("model"), model)) + STOP


def write_member(z, name, data, compress=zipfile.ZIP_STORED):
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    z.writestr(info, data, compresslevel=9 if compress == zipfile.ZIP_DEFLATED else None)


def torch_zip(pkl, storages=None, pkl_compress=zipfile.ZIP_STORED, extra=()):
    """torch.save's layout: archive/data.pkl, archive/data/<key>, archive/version (+ extra)."""
    storages = BENIGN_STORAGES if storages is None else storages
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name" is the point of one fixture
        with zipfile.ZipFile(buf, "w") as z:
            write_member(z, "archive/data.pkl", pkl, pkl_compress)
            for key, data in storages.items():
                write_member(z, "archive/data/" + key, data)
            write_member(z, "archive/version", b"3\n")
            for name, data in extra:
                write_member(z, name, data)
    return buf.getvalue()


# ---- proofs that the malicious pickles are real --------------------------------------------

def wait_for(path, seconds=5.0):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def assert_torch_load_executes(make_zip, what):
    """torch.load (unrestricted pickle) of the same file with a private marker must run it."""
    import torch
    with tempfile.TemporaryDirectory() as tmp:
        marker = os.path.join(tmp, "executed")
        path = os.path.join(tmp, "probe.pth")
        with open(path, "wb") as f:
            f.write(make_zip(marker))
        try:
            torch.load(path)
        except Exception:
            pass  # whatever fails afterwards, the payload ran first
        assert wait_for(marker), what + ": the payload did not execute under torch.load"


class SafeProbe(pickle._Unpickler):
    """Pure-Python unpickler (dict memo, no C-level preallocation) that resolves only torch's
    tensor globals, to check the non-executing attacks are well-formed pickles."""

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name.endswith("Storage"):
            return name
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda *args: ("tensor", args)
        raise pickle.UnpicklingError("refused global %s.%s" % (module, name))

    def persistent_load(self, pid):
        return pid


def safe_probe(pkl):
    return SafeProbe(io.BytesIO(pkl)).load()


def depth(value):
    d = 0
    while isinstance(value, list) and value:
        value, d = value[0], d + 1
    return d


# ---- family 1: torch .pth pickles --------------------------------------------------------

def torch_pickle_attacks():
    import torch
    evil = {
        # os.system via GLOBAL + REDUCE.
        "torch_pickle_os_system_global_reduce.pth": (
            "pickle GLOBAL os.system + REDUCE (runs a shell command)",
            PROTO2, lambda m: p_call(p_global("os", "system"), p_str("touch " + m))),
        # builtins.eval via protocol-4 STACK_GLOBAL + REDUCE.
        "torch_pickle_builtins_eval_stack_global.pth": (
            "pickle STACK_GLOBAL builtins.eval + REDUCE (evaluates Python code)",
            PROTO4, lambda m: p_short_str("builtins") + p_short_str("eval") + STACK_GLOBAL
            + p_tuple(p_str("__import__('os').system('touch %s')" % m)) + REDUCE),
        # subprocess.Popen(['touch', marker]) via GLOBAL + REDUCE.
        "torch_pickle_subprocess_popen_global_reduce.pth": (
            "pickle GLOBAL subprocess.Popen + REDUCE (starts a process)",
            PROTO2, lambda m: p_call(p_global("subprocess", "Popen"),
                                     EMPTY_LIST + MARK + p_str("touch") + p_str(m) + APPENDS)),
        # BUILD: functools.partial(print) whose __setstate__ swaps in (os.system, (cmd,)); then
        # the object is called with REDUCE.
        "torch_pickle_build_setstate_os_system.pth": (
            "pickle BUILD: partial.__setstate__ installs the os.system global, then it is called",
            PROTO2, lambda m: p_call(p_global("functools", "partial"), p_global("builtins", "print"))
            + p_tuple(p_global("os", "system"), p_tuple(p_str("touch " + m)), NONE, NONE)
            + BUILD + EMPTY_TUPLE + REDUCE),
        # INST opcode: `i os\nsystem\n` calls os.system(*args since MARK).
        "torch_pickle_inst_os_system.pth": (
            "pickle INST opcode 'i os\\nsystem\\n' (calls os.system)",
            PROTO2, lambda m: MARK + p_str("touch " + m) + b"ios\nsystem\n"),
        # OBJ opcode: MARK, class=os.system, args, OBJ calls it.
        "torch_pickle_obj_os_system.pth": (
            "pickle OBJ opcode with os.system as the class (calls it)",
            PROTO2, lambda m: MARK + p_global("os", "system") + p_str("touch " + m) + OBJ),
        # NEWOBJ: functools.partial.__new__(partial, os.system, cmd), then called.
        "torch_pickle_newobj_partial_os_system.pth": (
            "pickle NEWOBJ on functools.partial(os.system, cmd), then REDUCE calls it",
            PROTO2, lambda m: p_global("functools", "partial")
            + p_tuple(p_global("os", "system"), p_str("touch " + m)) + NEWOBJ + EMPTY_TUPLE + REDUCE),
        # NEWOBJ_EX (protocol 4): the same with a kwargs dict.
        "torch_pickle_newobj_ex_partial_os_system.pth": (
            "pickle NEWOBJ_EX on functools.partial(os.system, cmd), then REDUCE calls it",
            PROTO4, lambda m: p_global("functools", "partial")
            + p_tuple(p_global("os", "system"), p_str("touch " + m)) + EMPTY_DICT + NEWOBJ_EX
            + EMPTY_TUPLE + REDUCE),
    }
    for name, (what, proto, payload) in evil.items():
        make = lambda m, proto=proto, payload=payload: torch_zip(checkpoint_pickle(args=payload(m), proto=proto))
        assert_torch_load_executes(make, name)
        write(name, make(MARKER))
        record(name, "pth", what)

    # BUILD straight onto a module global: os.path.__dict__.update({'vivid_pwned': True}).
    name = "torch_pickle_build_on_os_path_module.pth"
    payload = p_global("os", "path") + p_dict((p_str("vivid_pwned"), NEWTRUE)) + BUILD
    pkl = checkpoint_pickle(args=payload)
    pickle.loads(pkl[:2] + payload + STOP)
    assert getattr(os.path, "vivid_pwned", False), "BUILD did not patch os.path"
    del os.path.vivid_pwned
    write(name, torch_zip(pkl))
    record(name, "pth", "pickle BUILD on the os.path module global (writes into a module's globals)")

    # Persistent ids naming storages the archive does not have.
    for name, key in (("torch_persid_storage_key_dotdot_etc_passwd.pth", "../../etc/passwd"),
                      ("torch_persid_storage_key_missing_999.pth", "999")):
        pkl = checkpoint_pickle(model=p_dict((p_str("w"), p_tensor(key, 6, (2, 3), (3, 1)))))
        assert safe_probe(pkl)["model"]["w"][1][0][2] == key
        try:
            torch.load(io.BytesIO(torch_zip(pkl)))
            raise AssertionError("torch loaded a missing storage")
        except (KeyError, RuntimeError):
            pass
        write(name, torch_zip(pkl))
        record(name, "pth", "BINPERSID storage key %r that is not in the archive" % key)

    # An empty tensor whose other sizes multiply past 2**64: nothing to read, but a stride of
    # its contiguous copy would overflow (found by fuzz_npy's twin in .npy files).
    name = "torch_tensor_zero_dim_hides_huge_sizes.pth"
    pkl = checkpoint_pickle(model=p_dict((p_str("w"), p_tensor("0", 6, (0, 2**47 - 1, 2**47 - 1), (1, 1, 1)))))
    assert safe_probe(pkl)["model"]["w"][1][2] == (0, 2**47 - 1, 2**47 - 1)
    write(name, torch_zip(pkl))
    record(name, "pth", "tensor of size (0, 2**47-1, 2**47-1): empty, the other sizes multiply past 2**64")

    # Recursion bombs: 100000-deep nested lists (EMPTY_LIST x N, APPEND x N-1) and the same
    # built from 100000 nested MARKs closed by LIST. data.pkl is deflated to stay small.
    n = 100000
    bombs = {
        "torch_pickle_recursion_bomb_100000_lists.pth": (
            EMPTY_LIST * n + APPEND * (n - 1), "100000 nested lists (EMPTY_LIST + APPEND)"),
        "torch_pickle_recursion_bomb_100000_marks.pth": (
            MARK * n + LIST * n, "100000 nested MARKs closed by LIST"),
    }
    for name, (payload, what) in bombs.items():
        pkl = checkpoint_pickle(args=payload)
        assert depth(safe_probe(pkl)["args"]) == n - 1
        write(name, torch_zip(pkl, pkl_compress=zipfile.ZIP_DEFLATED))
        record(name, "pth", "recursion bomb: " + what)

    # Memo bomb ("billion laughs"): level i is a list of 10 references to level i-1, 40 levels,
    # so anything that copies memo values instead of sharing them builds 10**40 lists.
    levels, fan = 40, 10
    payload = EMPTY_LIST + p_binput(0) + POP
    for i in range(1, levels + 1):
        payload += MARK + p_binget(i - 1) * fan + LIST + p_binput(i) + (POP if i < levels else b"")
    pkl = checkpoint_pickle(args=payload)
    top = safe_probe(pkl)["args"]
    assert len(top) == fan and top[0] is top[9] and depth(top) == levels
    write("torch_pickle_memo_bomb_10pow40.pth", torch_zip(pkl))
    record("torch_pickle_memo_bomb_10pow40.pth", "pth",
           "memo bomb: 40 levels of 10 BINGETs of the previous level (10**40 lists if copied)")

    # LONG_BINPUT / LONG_BINGET at memo index 0xffffffff (a vector memo would size to 2**32).
    payload = EMPTY_LIST + b"r\xff\xff\xff\xff" + POP + b"j\xff\xff\xff\xff"
    pkl = checkpoint_pickle(args=payload)
    assert safe_probe(pkl)["args"] == []
    write("torch_pickle_memo_index_0xffffffff.pth", torch_zip(pkl))
    record("torch_pickle_memo_index_0xffffffff.pth", "pth",
           "LONG_BINPUT/LONG_BINGET with memo index 0xffffffff")


# ---- family 1b: the zip container -------------------------------------------------------

def raw_zip(members):
    """A zip written field by field. members: (name, data, method, claimed_size or None);
    a claimed size is written (with a ZIP64 extra) in both the local and central headers."""
    local, central = b"", b""
    for name, data, method, claimed in members:
        raw = data if method == 0 else zlib.compress(data, 9)[2:-4]
        crc = zlib.crc32(data)
        nb = name.encode()
        if claimed is None:
            ver, csize, usize, extra = 20, len(raw), len(data), b""
        else:
            ver, csize, usize = 45, 0xFFFFFFFF, 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, claimed, len(raw))
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, ver, 0, method, 0, 0x21, crc,
                             csize, usize, len(nb), len(extra)) + nb + extra + raw
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0300 | 45, ver, 0, method, 0,
                               0x21, crc, csize, usize, len(nb), len(extra), 0, 0, 0,
                               0o644 << 16, offset) + nb + extra
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       len(local), 0)
    return local + central + eocd


def torch_zip_attacks():
    import torch
    good_pkl = checkpoint_pickle()
    # The benign archive is one torch itself loads.
    loaded = torch.load(io.BytesIO(torch_zip(good_pkl)))
    assert loaded["model"]["w"].tolist() == [[0, 1, 2], [3, 4, 5]]

    # Zip bomb: data.pkl is a valid-looking pickle prefix then 50 MB of zeros, deflated ~1000:1.
    bomb = PROTO2 + EMPTY_DICT + p_binput(0) + p_str("model") + p_binput(1) + bytes(50 * 2**20)
    data = torch_zip(bomb, pkl_compress=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("archive/data.pkl")
        assert info.file_size == len(bomb) and info.compress_size < 60 * 1024
    write("torch_zip_bomb_data_pkl_50mb.pth", data)
    record("torch_zip_bomb_data_pkl_50mb.pth", "pth",
           "zip bomb: data.pkl inflates to 50 MB (pickle prefix + zeros) from ~50 KB")

    # The central directory (and local header, via ZIP64) claim data.pkl is 1 TiB.
    data = raw_zip([("archive/data.pkl", good_pkl, 8, 2**40),
                    ("archive/data/0", BENIGN_STORAGES["0"], 0, None),
                    ("archive/version", b"3\n", 0, None)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.getinfo("archive/data.pkl").file_size == 2**40
        assert z.read("archive/version") == b"3\n"
    write("torch_zip_member_claims_1tib.pth", data)
    record("torch_zip_member_claims_1tib.pth", "pth",
           "zip central directory (ZIP64) claims data.pkl is 1 TiB uncompressed")

    # Extra members with escaping names next to an otherwise valid archive.
    for name, member, what in (
            ("torch_zip_member_dotdot_x.pth", "../x", "zip member named '../x'"),
            ("torch_zip_member_archive_dotdot_dotdot_x.pth", "archive/../../x",
             "zip member named 'archive/../../x'"),
            ("torch_zip_member_absolute_etc_x.pth", "/etc/x", "zip member with absolute path '/etc/x'")):
        data = torch_zip(good_pkl, extra=[(member, b"written outside the archive\n")])
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.namelist()[-1] == member
        write(name, data)
        record(name, "pth", what)

    # Two members called archive/data.pkl: the first benign, the second runs os.system.
    evil_pkl = checkpoint_pickle(args=p_call(p_global("os", "system"), p_str("touch " + MARKER)))
    data = torch_zip(good_pkl, extra=[("archive/data.pkl", evil_pkl)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert [i.filename for i in z.infolist()].count("archive/data.pkl") == 2
    write("torch_zip_duplicate_data_pkl.pth", data)
    record("torch_zip_duplicate_data_pkl.pth", "pth",
           "two zip members named archive/data.pkl (benign first, os.system second)")

    # Truncated inside the central directory (the end-of-central-directory record is gone).
    data = torch_zip(good_pkl)
    eocd = data.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12:eocd + 20])
    cut = data[:cd_offset + cd_size // 2]
    try:
        zipfile.ZipFile(io.BytesIO(cut))
        raise AssertionError("truncated zip still opens")
    except zipfile.BadZipFile:
        pass
    write("torch_zip_truncated_in_central_directory.pth", cut)
    record("torch_zip_truncated_in_central_directory.pth", "pth",
           "zip cut in the middle of its central directory")


# ---- family 1c: bounds on what a zip member inflates to -------------------------------------

ZEROS_CHUNK = bytes(16 * 2**20)


def zeros_chunks(n):
    while n:
        chunk = ZEROS_CHUNK[:min(n, len(ZEROS_CHUNK))]
        yield chunk
        n -= len(chunk)


def raw_deflate(prefix, zeros):
    """Raw DEFLATE of prefix + `zeros` zero bytes, streamed (never all of it in memory), with
    the CRC-32 of what it inflates to."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc = [c.compress(prefix)], zlib.crc32(prefix)
    for chunk in zeros_chunks(zeros):
        out.append(c.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    out.append(c.flush())
    return b"".join(out), crc


def inflated_size(raw):
    d, total = zlib.decompressobj(-15), 0
    while raw:
        total += len(d.decompress(raw, 2**24))
        raw = d.unconsumed_tail
    return total + len(d.flush())


def lying_zip(members):
    """A zip written field by field whose headers say what we choose. members: (name, raw
    stream, method, crc, declared uncompressed size), or (name, None, offset, header) to list in
    the central directory a local header already written inside `prefix` (see quoted_overlap)."""
    local, central = b"", b""
    for name, raw, method, crc, declared in members:
        nb = name.encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                             len(raw), declared, len(nb), 0) + nb + raw
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0300 | 20, 20, 0, method, 0,
                               0x21, crc, len(raw), declared, len(nb), 0, 0, 0, 0,
                               0o644 << 16, offset) + nb
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       len(local), 0)
    return local + central + eocd


def quoted_overlap_zip(keys, zeros):
    """David Fifield's quoted overlap ("A better zip bomb", 2019): member i's DEFLATE stream
    opens with a stored block quoting member i+1's local header, then runs on into member
    i+1's data, so every member inflates the one kernel of `zeros` zeros. Local headers nest
    inside other members' data; each central directory entry still matches its local header.
    The pickle holds one float32 tensor per member, exactly as large as the member."""
    kernel, _ = raw_deflate(b"", zeros)
    names = ["archive/data/" + k for k in keys]
    lengths = {len(n) for n in names}
    assert len(lengths) == 1 and (30 + lengths.pop()) % 4 == 0  # members hold whole floats
    n = len(keys)
    headers, crcs, csizes, usizes = [b""] * n, [0] * n, [0] * n, [0] * n
    quoted = b""  # local headers i+1.. (what member i inflates to before the zeros)
    for i in reversed(range(n)):
        crc = zlib.crc32(quoted)
        for chunk in zeros_chunks(zeros):
            crc = zlib.crc32(chunk, crc)
        crcs[i], usizes[i] = crc, len(quoted) + zeros
        csizes[i] = len(kernel) + (n - 1 - i) * (5 + 30 + len(names[i]))
        nb = names[i].encode()
        headers[i] = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csizes[i],
                                 usizes[i], len(nb), 0) + nb
        quoted = headers[i] + quoted
    model = p_dict(*[(p_str("w" + k), p_tensor(k, usizes[i] // 4, (usizes[i] // 4,), (1,)))
                     for i, k in enumerate(keys)])
    pkl = checkpoint_pickle(model=model)
    pkl_name = b"archive/data.pkl"
    body = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, zlib.crc32(pkl), len(pkl),
                       len(pkl), len(pkl_name), 0) + pkl_name + pkl
    entries = [(pkl_name, 0, 0, zlib.crc32(pkl), len(pkl), len(pkl))]
    for i in range(n):
        entries.append((names[i].encode(), len(body), 8, crcs[i], csizes[i], usizes[i]))
        body += headers[i]
        if i + 1 < n:
            body += struct.pack("<BHH", 0, len(headers[i + 1]), len(headers[i + 1]) ^ 0xFFFF)
    body += kernel
    central = b""
    for nb, offset, method, crc, csize, usize in entries:
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0300 | 20, 20, 0, method, 0,
                               0x21, crc, csize, usize, len(nb), 0, 0, 0, 0, 0o644 << 16,
                               offset) + nb
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                       len(body), 0)
    data = body + central + eocd
    # Each member really inflates to its neighbours' headers and the whole kernel.
    for nb, offset, method, crc, csize, usize in entries[1:]:
        start = offset + 30 + len(nb)
        assert inflated_size(data[start:start + csize]) == usize
    return data, sum(usizes)


def torch_zip_bound_attacks():
    good_pkl = checkpoint_pickle()
    storage = BENIGN_STORAGES["0"]
    version = ("archive/version", b"3\n", 0, zlib.crc32(b"3\n"), 2)

    # The 4 GiB data.pkl bomb of issue 23: a pickle prefix then 4 GiB of zeros, ZIP64 and
    # DEFLATE as Python's zipfile writes them, streamed (the generator never holds 4 GiB).
    name = "torch_zip_bomb_data_pkl_4gib.pth"
    prefix = PROTO2 + EMPTY_DICT + p_binput(0) + p_str("model") + p_binput(1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("archive/data.pkl", date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with z.open(info, "w", force_zip64=True) as w:
            w.write(prefix)
            for chunk in zeros_chunks(4 * 2**30):
                w.write(chunk)
        write_member(z, "archive/data/0", storage)
        write_member(z, "archive/version", b"3\n")
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("archive/data.pkl")
        assert info.file_size == len(prefix) + 4 * 2**30 and info.compress_size < 5 * 2**20
    write(name, data)
    record(name, "pth", "zip bomb: data.pkl inflates to 4 GiB of zeros (ZIP64, DEFLATE) from ~4 MB")

    # data.pkl's headers declare the benign pickle's size (and CRC), but the stream goes on
    # for 64 MiB of zeros: a reader that stops at the declared size sees a valid pickle.
    name = "torch_zip_data_pkl_inflates_past_declared_size.pth"
    raw, _ = raw_deflate(good_pkl, 64 * 2**20)
    data = lying_zip([("archive/data.pkl", raw, 8, zlib.crc32(good_pkl), len(good_pkl)),
                      ("archive/data/0", storage, 0, zlib.crc32(storage), len(storage)), version])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("archive/data.pkl") == good_pkl  # Python's reader stops at the claim
    assert inflated_size(raw) == len(good_pkl) + 64 * 2**20
    write(name, data)
    record(name, "pth", "data.pkl declares %d bytes (and their CRC) but inflates 64 MiB more"
           % len(good_pkl))

    # data.pkl's headers declare 100000 bytes more than the stream inflates to.
    name = "torch_zip_data_pkl_inflates_short_of_declared_size.pth"
    raw, crc = raw_deflate(good_pkl, 0)
    data = lying_zip([("archive/data.pkl", raw, 8, crc, len(good_pkl) + 100000),
                      ("archive/data/0", storage, 0, zlib.crc32(storage), len(storage)), version])
    write(name, data)
    record(name, "pth", "data.pkl declares %d bytes but inflates to %d"
           % (len(good_pkl) + 100000, len(good_pkl)))

    # Storage "0" holds a 2x3 float32 tensor (24 bytes); its member honestly declares and
    # inflates to 256 MiB (24 bytes then zeros).
    name = "torch_zip_storage_member_past_tensor_size.pth"
    raw, crc = raw_deflate(storage, 256 * 2**20)
    data = lying_zip([("archive/data.pkl", good_pkl, 0, zlib.crc32(good_pkl), len(good_pkl)),
                      ("archive/data/0", raw, 8, crc, len(storage) + 256 * 2**20), version])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.getinfo("archive/data/0").file_size == 24 + 256 * 2**20
    write(name, data)
    record(name, "pth", "storage member data/0 inflates to 256 MiB; its tensor's storage claims 24 bytes")

    # Nested local headers: 16 storage members overlap (quoted), 1 GiB inflated from ~65 KB.
    name = "torch_zip_overlapping_members_1gib.pth"
    data, total = quoted_overlap_zip("abcdefghijklmnop", 64 * 2**20)
    assert total > 2**30
    write(name, data)
    record(name, "pth", "16 storage members whose local headers nest in each other's data "
           "(quoted overlap): %d bytes inflate to %d" % (len(data), total))


# ---- family 2: Flax msgpack -------------------------------------------------------------

Ext = collections.namedtuple("Ext", "code data")


def mp(x):
    """A minimal msgpack encoder (python3-msgpack is not a dependency here)."""
    if x is None:
        return b"\xc0"
    if x is True or x is False:
        return b"\xc3" if x else b"\xc2"
    if isinstance(x, int):
        if 0 <= x < 128:
            return bytes([x])
        if -32 <= x < 0:
            return struct.pack("b", x)
        if x >= 0:
            for tag, fmt in ((0xCC, ">B"), (0xCD, ">H"), (0xCE, ">I"), (0xCF, ">Q")):
                if x < 2 ** (8 * struct.calcsize(fmt)):
                    return bytes([tag]) + struct.pack(fmt, x)
        for tag, fmt in ((0xD0, ">b"), (0xD1, ">h"), (0xD2, ">i"), (0xD3, ">q")):
            if -(2 ** (8 * struct.calcsize(fmt) - 1)) <= x:
                return bytes([tag]) + struct.pack(fmt, x)
    if isinstance(x, float):
        return b"\xcb" + struct.pack(">d", x)
    if isinstance(x, str):
        b = x.encode()
        if len(b) < 32:
            return bytes([0xA0 | len(b)]) + b
        return b"\xd9" + bytes([len(b)]) + b if len(b) < 256 else b"\xdb" + struct.pack(">I", len(b)) + b
    if isinstance(x, bytes):
        return b"\xc4" + bytes([len(x)]) + x if len(x) < 256 else b"\xc6" + struct.pack(">I", len(x)) + x
    if isinstance(x, Ext):
        n = len(x.data)
        fixed = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
        head = bytes([fixed[n]]) if n in fixed else (
            b"\xc7" + bytes([n]) if n < 256 else b"\xc9" + struct.pack(">I", n))
        return head + struct.pack("b", x.code) + x.data
    if isinstance(x, (list, tuple)):
        assert len(x) < 16
        return bytes([0x90 | len(x)]) + b"".join(mp(v) for v in x)
    if isinstance(x, dict):
        assert len(x) < 16
        return bytes([0x80 | len(x)]) + b"".join(mp(k) + mp(v) for k, v in x.items())
    raise TypeError(type(x))


def ndarray_ext(shape, dtype, raw):
    """flax.serialization's ndarray: ExtType 1 with msgpack (shape, dtype name, bytes)."""
    return Ext(1, mp((tuple(shape), dtype, raw)))


def flax_attacks():
    cases = []
    # A map nested 100000 levels deep: {'params': {'': {'': ... nil}}}.
    deep = b"\x81" + mp("params") + b"\x81\xa0" * 100000 + b"\xc0"
    cases.append(("flax_map_nested_100000_deep.msgpack", deep, "msgpack map nested 100000 levels"))
    # ndarray claiming [1000000, 1000000] float32 (4 TB) with a 4-byte payload.
    cases.append(("flax_ndarray_claims_4tb.msgpack",
                  mp({"params": {"dense": {"kernel": ndarray_ext((10**6, 10**6), "float32", bytes(4))}}}),
                  "ndarray ext claims shape [1000000, 1000000] float32 (4 TB) with 4 bytes of data"))
    # ndarray whose byte count overflows int64: [2**40, 2**40] float32 = 2**82 bytes.
    cases.append(("flax_ndarray_shape_overflows_int64.msgpack",
                  mp({"params": {"dense": {"kernel": ndarray_ext((2**40, 2**40), "float32", bytes(4))}}}),
                  "ndarray ext shape [2**40, 2**40] float32: element and byte counts overflow int64"))
    # An empty ndarray whose other dimensions multiply past 2**64 (strides would overflow).
    cases.append(("flax_ndarray_zero_dim_hides_huge_dims.msgpack",
                  mp({"params": {"dense": {"kernel": ndarray_ext((0, 2**40, 2**40), "float32", b"")}}}),
                  "ndarray ext shape [0, 2**40, 2**40] float32: empty, the other dimensions multiply past 2**64"))
    # array32 / map32 headers claiming 2**32-1 elements in a tiny file.
    cases.append(("flax_array32_claims_4g_elements.msgpack",
                  b"\x81" + mp("params") + b"\x81" + mp("w") + b"\xdd\xff\xff\xff\xff" + b"\xc0",
                  "msgpack array32 header claims 2**32-1 elements, one present"))
    cases.append(("flax_map32_claims_4g_entries.msgpack",
                  b"\xdf\xff\xff\xff\xff" + mp("params") + b"\x80",
                  "msgpack map32 header claims 2**32-1 entries, one present"))
    # Lengths past the end of the file.
    cases.append(("flax_str8_past_eof.msgpack", b"\x81\xd9\xff" + b"params",
                  "msgpack str8 key claims 255 bytes, 6 present"))
    cases.append(("flax_str32_past_eof.msgpack", b"\x81\xdb\xff\xff\xff\xf0" + b"params",
                  "msgpack str32 key claims 4 GB, 6 present"))
    payload = b"\x93" + mp((3, 4)) + mp("float32") + b"\xc6\x7f\xff\xff\xff" + bytes(8)
    cases.append(("flax_bin32_past_eof.msgpack",
                  mp({"params": {"w": Ext(1, payload)}}),
                  "ndarray ext whose bin32 data field claims 2 GB, 8 bytes present"))
    cases.append(("flax_ext32_past_eof.msgpack",
                  b"\x81" + mp("params") + b"\x81" + mp("w") + b"\xc9\xff\xff\xff\x00\x01" + bytes(16),
                  "msgpack ext32 claims 4 GB of payload, 16 bytes present"))
    # The real ViViT checkpoint cut inside its first float32 array.
    good = read(GOOD_FLAX)
    cases.append(("flax_truncated.msgpack", good[:4000],
                  "the vivit_tiny checkpoint cut after 4000 of %d bytes" % len(good)))
    for name, data, what in cases:
        write(name, data)
        record(name, "flax", what)


# ---- family 3: safetensors --------------------------------------------------------------

def st_file(header, data=b"", header_len=None):
    """u64 header length, header (a dict, or raw bytes), data."""
    text = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text) if header_len is None else header_len) + text + data


def good_weights():
    """(header dict, data bytes) of the good model folder's model.safetensors."""
    raw = read(os.path.join(GOOD_FOLDER, "model.safetensors"))
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def model_folder(name, files, what, weights=True):
    """A copy of the good VideoMAE folder with some files replaced (bytes) or removed (None)."""
    for f in ("config.json", "preprocessor_config.json") + (("model.safetensors",) if weights else ()):
        if f not in files:
            write(os.path.join(name, f), read(os.path.join(GOOD_FOLDER, f)))
    for f, data in files.items():
        if data is not None:
            write(os.path.join(name, f), data)
    record(name, "folder", what)


def safetensors_attacks():
    header, data = good_weights()
    first = "videomae.embeddings.patch_embeddings.projection.weight"

    # Two tensors' data_offsets overlap (query.weight moved half-way into key.weight).
    h = json.loads(json.dumps(header))
    q = "videomae.encoder.layer.0.attention.attention.query.weight"
    k = "videomae.encoder.layer.0.attention.attention.key.weight"
    begin = h[k]["data_offsets"][0] + 2048
    h[q]["data_offsets"] = [begin, begin + 4096]
    assert h[q]["data_offsets"][0] < h[k]["data_offsets"][1]
    model_folder("st_overlapping_data_offsets", {"model.safetensors": st_file(h, data)},
                 "safetensors: query.weight's data_offsets overlap key.weight's")

    # One tensor whose bytes lie 1 GiB past the end of the file.
    tiny = {"classifier.bias": {"dtype": "F32", "shape": [5], "data_offsets": [2**30, 2**30 + 20]}}
    model_folder("st_data_offsets_past_eof", {"model.safetensors": st_file(tiny, bytes(20))},
                 "safetensors: data_offsets [2**30, 2**30+20] with 20 data bytes")

    ok = {"classifier.bias": {"dtype": "F32", "shape": [5], "data_offsets": [0, 20]}}
    model_folder("st_header_length_past_eof", {"model.safetensors": st_file(ok, bytes(20), 10**6)},
                 "safetensors: header length field 1000000 in a ~100-byte file")
    model_folder("st_header_length_2pow63", {"model.safetensors": st_file(ok, bytes(20), 2**63)},
                 "safetensors: header length field 2**63")

    # [2**32, 2**32, 16] F32: the element count 2**68 wraps to exactly 0 in 64 bits, so
    # data_offsets [0, 0] passes a wrapping size check.
    over = {first: {"dtype": "F32", "shape": [2**32, 2**32, 16], "data_offsets": [0, 0]}}
    model_folder("st_shape_product_overflows_int64", {"model.safetensors": st_file(over)},
                 "safetensors: shape [2**32, 2**32, 16] (count wraps to 0 mod 2**64), offsets [0, 0]")

    # Empty, yet the other dimensions multiply past 2**64: strides of such a tensor overflow.
    hidden = {first: {"dtype": "F32", "shape": [0, 2**40, 2**40], "data_offsets": [0, 0]}}
    model_folder("st_zero_dim_hides_huge_dims", {"model.safetensors": st_file(hidden)},
                 "safetensors: shape [0, 2**40, 2**40] with offsets [0, 0] (empty, strides overflow)")

    huge = {first: {"dtype": "F32", "shape": [2**38], "data_offsets": [0, 2**40]}}
    model_folder("st_tensor_claims_1tib", {"model.safetensors": st_file(huge, bytes(8))},
                 "safetensors: one 1 TiB tensor (shape [2**38] F32, offsets [0, 2**40]), 8 bytes present")

    model_folder("st_header_not_json", {"model.safetensors": st_file(b"\x00\xffnot json {{{", bytes(8))},
                 "safetensors: header bytes are not JSON")
    model_folder("st_header_json_nested_100000_deep",
                 {"model.safetensors": st_file(b"[" * 100000 + b"]" * 100000)},
                 "safetensors: header is a JSON array nested 100000 deep")

    # The real header plus a second entry for layer 0's query.weight pointing at layer 1's bytes.
    text = json.dumps(header, separators=(",", ":"))
    q1 = header["videomae.encoder.layer.1.attention.attention.query.weight"]
    dup = json.dumps({"dtype": "F32", "shape": q1["shape"], "data_offsets": q1["data_offsets"]},
                     separators=(",", ":"))
    text = text[:-1] + ',"%s":%s}' % (q, dup)
    assert text.count('"%s"' % q) == 2
    model_folder("st_duplicate_tensor_name", {"model.safetensors": st_file(text.encode(), data)},
                 "safetensors: the same tensor name twice in the header, with different offsets")

    bad = {"classifier.bias": {"dtype": "F33", "shape": [5], "data_offsets": [0, 20]}}
    model_folder("st_unknown_dtype", {"model.safetensors": st_file(bad, bytes(20))},
                 "safetensors: dtype 'F33' is not a safetensors dtype")


def shard_bytes(header, data, names):
    """A safetensors shard holding `names` from the good model, repacked contiguously."""
    h, blobs, off = {}, [], 0
    for n in names:
        b, e = header[n]["data_offsets"]
        h[n] = {"dtype": header[n]["dtype"], "shape": header[n]["shape"], "data_offsets": [off, off + e - b]}
        blobs.append(data[b:e])
        off += e - b
    return st_file(h, b"".join(blobs))


def sharded_attacks():
    header, data = good_weights()
    names = sorted(n for n in header if n != "__metadata__")
    small = [n for n in names if header[n]["data_offsets"][1] - header[n]["data_offsets"][0] <= 256]
    large = [n for n in names if n not in small]
    s1, s2 = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"

    def index(weight_map):
        return json.dumps({"metadata": {"total_size": len(data)}, "weight_map": weight_map},
                          indent=2, sort_keys=True).encode()

    folder = lambda name, files, what: model_folder(
        name, dict(files, **{"model.safetensors": None}), what, weights=False)

    folder("shard_index_names_dotdot_etc_passwd",
           {"model.safetensors.index.json": index({n: "../../etc/passwd" for n in names})},
           "sharded: weight_map names the shard '../../etc/passwd'")
    folder("shard_index_names_absolute_etc_passwd",
           {"model.safetensors.index.json": index({n: "/etc/passwd" for n in names})},
           "sharded: weight_map names the shard '/etc/passwd'")
    folder("shard_index_names_missing_shard",
           {"model.safetensors.index.json": index(dict({n: s1 for n in small}, **{n: s2 for n in large})),
            s1: shard_bytes(header, data, small)},
           "sharded: weight_map names %s, which is not in the folder" % s2)
    folder("shard_index_not_json",
           {"model.safetensors.index.json": b'{"weight_map": {"classifier.bias": "model-0000'},
           "sharded: model.safetensors.index.json is not JSON (cut short)")
    moved = "classifier.bias"
    wm = dict({n: s1 for n in small}, **{n: s2 for n in large})
    wm[moved] = s2
    folder("shard_index_points_to_shard_lacking_tensor",
           {"model.safetensors.index.json": index(wm),
            s1: shard_bytes(header, data, small), s2: shard_bytes(header, data, large)},
           "sharded: weight_map puts '%s' in %s, but only %s holds it" % (moved, s2, s1))


def pixel_values_attacks():
    # pixel_values claims [1, 8, 3, 2**17, 2**17] F32 = 1.5 TiB; no data present.
    shape = [1, 8, 3, 2**17, 2**17]
    nbytes = 4 * int(np.prod(shape, dtype=np.uint64))
    write("pv_claims_1_5tib.safetensors",
          st_file({"pixel_values": {"dtype": "F32", "shape": shape, "data_offsets": [0, nbytes]}}))
    record("pv_claims_1_5tib.safetensors", "pixels",
           "pixel_values claims [1, 8, 3, 131072, 131072] F32 (1.5 TiB), no data")
    shape = [1, 8, 3, 32, 32]
    pixels = np.random.default_rng(7).integers(0, 256, size=shape, dtype=np.uint8).tobytes()
    write("pv_wrong_dtype_u8.safetensors",
          st_file({"pixel_values": {"dtype": "U8", "shape": shape, "data_offsets": [0, len(pixels)]}}, pixels))
    record("pv_wrong_dtype_u8.safetensors", "pixels", "pixel_values with the right shape but dtype U8")


# ---- family 4: .npy ---------------------------------------------------------------------

def npy(header, data=b"", version=1, header_len=None):
    """NumPy format: magic, version, header length (u16 for v1, u32 for v2), padded header."""
    text = header.encode("latin1")
    pre = 10 if version == 1 else 12
    text += b" " * (-(pre + len(text) + 1) % 64) + b"\n"
    n = len(text) if header_len is None else header_len
    length = struct.pack("<H", n) if version == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes([version, 0]) + length + text + data


def npy_attacks():
    def h(descr, shape, fortran=False):
        return "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)

    cases = [
        ("npy_claims_3pb.npy", npy(h("|u1", (1000000, 1000000, 1000, 3))),
         "npy header shape (1000000, 1000000, 1000, 3) uint8 (3 PB), no data"),
        # 2**32 * 2**32 * 1 * 3 = 3 * 2**64, which wraps to exactly 0 in 64 bits.
        ("npy_shape_product_overflows_int64.npy", npy(h("|u1", (2**32, 2**32, 1, 3))),
         "npy shape (2**32, 2**32, 1, 3): the element count wraps to 0 mod 2**64"),
        # Found by fuzz_npy: a leading zero makes the running count 0, so a wrap check passes,
        # while the other dimensions multiply past 2**64 (numpy: "array is too big").
        ("npy_zero_dim_hides_huge_dims.npy", npy(h("|u1", (0, 2**40, 2**40, 3))),
         "npy shape (0, 2**40, 2**40, 3): empty, the other dimensions multiply past 2**64"),
        ("npy_header_length_past_eof.npy", npy(h("|u1", (8, 40, 56, 3)), version=2, header_len=0xFFFFFFFF),
         "npy v2 header length field 0xffffffff in a 128-byte file"),
        ("npy_fortran_order_absurd_shape.npy",
         npy(h("|u1", (10**9, 10**9, 10**9, 3), fortran=True), bytes(64)),
         "npy fortran_order True with shape (1e9, 1e9, 1e9, 3), 64 data bytes"),
        ("npy_negative_dimension.npy", npy(h("|u1", (-1, 40, 56, 3)), bytes(40 * 56 * 3)),
         "npy shape (-1, 40, 56, 3) with one frame of data"),
        ("npy_zero_frames.npy", npy(h("|u1", (0, 224, 224, 3))), "npy clip with 0 frames, shape (0, 224, 224, 3)"),
    ]
    rng = np.random.default_rng(11)
    f8 = rng.random((2, 32, 32, 3)).astype("<f8")
    cases.append(("npy_float64_dtype.npy", npy(h("<f8", (2, 32, 32, 3)), f8.tobytes()),
                  "npy clip of dtype '<f8' instead of uint8"))
    for name, data, what in cases:
        write(name, data)
        record(name, "video", what)
    # numpy's own header parser reads back the claimed shapes (without touching the data).
    for name, shape in (("npy_claims_3pb.npy", (1000000, 1000000, 1000, 3)),
                        ("npy_shape_product_overflows_int64.npy", (2**32, 2**32, 1, 3)),
                        ("npy_fortran_order_absurd_shape.npy", (10**9, 10**9, 10**9, 3)),
                        ("npy_negative_dimension.npy", (-1, 40, 56, 3))):
        with open(os.path.join(FILES, name), "rb") as f:
            np.lib.format.read_magic(f)
            assert np.lib.format.read_array_header_1_0(f)[0] == shape, name
    assert np.load(os.path.join(FILES, "npy_zero_frames.npy")).shape == (0, 224, 224, 3)
    assert np.load(os.path.join(FILES, "npy_float64_dtype.npy")).dtype == np.float64
    try:
        np.load(os.path.join(FILES, "npy_header_length_past_eof.npy"))
        raise AssertionError("numpy read a header longer than the file")
    except ValueError:
        pass

    # Object dtype: the data is a pickle that runs os.system; must never be unpickled.
    def object_npy(marker):
        return npy(h("|O", (8, 40, 56, 3)),
                   PROTO3 + p_call(p_global("os", "system"), p_str("touch " + marker)) + STOP)
    with tempfile.TemporaryDirectory() as tmp:
        marker, path = os.path.join(tmp, "executed"), os.path.join(tmp, "probe.npy")
        with open(path, "wb") as f:
            f.write(object_npy(marker))
        try:
            np.load(path, allow_pickle=False)
            raise AssertionError("numpy loaded an object array without allow_pickle")
        except ValueError:
            pass
        assert not os.path.exists(marker)
        np.load(path, allow_pickle=True)
        assert os.path.exists(marker), "object .npy payload did not execute under np.load(allow_pickle=True)"
    write("npy_object_dtype_pickle_os_system.npy", object_npy(MARKER))
    record("npy_object_dtype_pickle_os_system.npy", "video",
           "npy dtype '|O': the data is a pickle calling os.system (must never be unpickled)")

    # A header that is a Python expression, not a literal (numpy's literal_eval refuses it).
    expr = "{'descr': __import__('os').system('touch %s'), 'fortran_order': False, 'shape': (1, 40, 56, 3), }"
    with tempfile.TemporaryDirectory() as tmp:
        marker, path = os.path.join(tmp, "executed"), os.path.join(tmp, "probe.npy")
        with open(path, "wb") as f:
            f.write(npy(expr % marker, bytes(40 * 56 * 3)))
        try:
            np.load(path)
            raise AssertionError("numpy accepted a non-literal header")
        except ValueError:
            pass
        assert not os.path.exists(marker)
    write("npy_header_not_a_literal.npy", npy(expr % MARKER, bytes(40 * 56 * 3)))
    record("npy_header_not_a_literal.npy", "video",
           "npy header dict is an expression calling __import__('os').system, not a literal")


# ---- family 5: config.json and preprocessor_config.json ---------------------------------

def config_attacks():
    good = json.loads(read(os.path.join(GOOD_FOLDER, "config.json")))

    def cfg(**changes):
        c = dict(good, **changes)
        return json.dumps(c, indent=2, sort_keys=True).encode() + b"\n"

    cases = [
        ("cfg_hidden_size_0", cfg(hidden_size=0), "config hidden_size 0"),
        ("cfg_num_hidden_layers_negative", cfg(num_hidden_layers=-2), "config num_hidden_layers -2"),
        ("cfg_num_attention_heads_0", cfg(num_attention_heads=0), "config num_attention_heads 0"),
        ("cfg_hidden_size_not_divisible_by_heads", cfg(hidden_size=30, num_attention_heads=4),
         "config hidden_size 30 with 4 attention heads"),
        ("cfg_image_size_1e12", cfg(image_size=10**12), "config image_size 10**12"),
        ("cfg_num_frames_negative", cfg(num_frames=-16), "config num_frames -16"),
        ("cfg_patch_size_larger_than_image", cfg(patch_size=64), "config patch_size 64 > image_size 32"),
        ("cfg_tubelet_size_0", cfg(tubelet_size=0), "config tubelet_size 0"),
        ("cfg_intermediate_size_2pow62", cfg(intermediate_size=2**62), "config intermediate_size 2**62"),
        ("cfg_unknown_model_type_bert", cfg(model_type="bert"), "config model_type 'bert'"),
        ("cfg_json_array", json.dumps([good], indent=2, sort_keys=True).encode(),
         "config.json is a JSON array, not an object"),
        ("cfg_nested_100000_deep", b"[" * 100000 + b"]" * 100000, "config.json is an array nested 100000 deep"),
        ("cfg_num_labels_1e7", json.dumps(dict({k: v for k, v in good.items() if "label" not in k},
                                               num_labels=10**7), indent=2, sort_keys=True).encode() + b"\n",
         "config num_labels 10**7 and no id2label (10**7 names LABEL_i to make)"),
    ]
    for name, text, what in cases:
        model_folder(name, {"config.json": text}, what)


def preprocessor_attacks():
    good = json.loads(read(os.path.join(GOOD_FOLDER, "preprocessor_config.json")))

    def pre(**changes):
        return json.dumps(dict(good, **changes), indent=2, sort_keys=True).encode() + b"\n"

    cases = [
        ("pre_shortest_edge_0.json", pre(size={"shortest_edge": 0}), "preprocessor size.shortest_edge 0"),
        ("pre_crop_size_1e9.json", pre(crop_size={"height": 10**9, "width": 10**9}),
         "preprocessor crop_size 10**9 x 10**9"),
        ("pre_image_mean_two_values.json", pre(image_mean=[0.5, 0.5]), "preprocessor image_mean of 2 values"),
        ("pre_not_json.json", b'{"crop_size": {"height": 32, "width": 32},\n  "do_resize": tru\n',
         "preprocessor_config.json is not JSON"),
    ]
    for name, text, what in cases:
        write(name, text)
        record(name, "preprocessor", what)


# ---- family 6: videos --------------------------------------------------------------------

def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + list(args),
                   check=True)


BITEXACT = ["-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1", "-threads", "1"]


def boxes(data, start=0, end=None):
    """Top-level (name, offset, size) of the ISO-BMFF boxes in data[start:end]."""
    end = len(data) if end is None else end
    out, pos = [], start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size < 8:
            break
        out.append((kind.decode("latin1"), pos, size))
        pos += size
    return out


def png_bytes(w, h):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + bytes((x * 16, y * 16, 128)[c] for x in range(w) for c in range(3))
                    for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def probe(path, *entries):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", ",".join(entries), "-of",
                          "default=nw=1", path], capture_output=True, text=True)
    return out.stdout + out.stderr


def mp4_claiming_samples(data, n):
    """data with its (single track's) sample tables rewritten to claim n samples of one byte in
    one chunk: 'stsz' with a constant size (no table), 'stts' and 'stsc' one entry each, 'stco'
    pointing into mdat; sync-sample and composition tables dropped. The box sizes are rebuilt."""
    containers = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}

    def parse(buf):
        out, i = [], 0
        while i < len(buf):
            size, kind = struct.unpack(">I4s", buf[i:i + 8])
            assert size >= 8
            body = buf[i + 8:i + size]
            out.append([kind, parse(body) if kind in containers else body])
            i += size
        return out

    def build(tree):
        return b"".join(struct.pack(">I4s", 8 + len(b), kind) + b for kind, b in
                        ((k, build(v) if isinstance(v, list) else v) for k, v in tree))

    def find(tree, kind):
        for k, v in tree:
            if k == kind:
                return v
            if isinstance(v, list) and find(v, kind) is not None:
                return find(v, kind)

    tree = parse(data)
    stbl = find(tree, b"stbl")
    tables = {b"stts": struct.pack(">IIII", 0, 1, n, 1), b"stsc": struct.pack(">IIIII", 0, 1, 1, n, 1),
              b"stsz": struct.pack(">III", 0, 1, n), b"stco": struct.pack(">III", 0, 1, 0)}
    stbl[:] = [[k, tables.get(k, v)] for k, v in stbl if k not in (b"stss", b"ctts", b"sdtp")]
    out = bytearray(build(tree))
    stco = out.find(b"stco")
    struct.pack_into(">I", out, stco + 12, out.find(b"mdat") + 4)
    return bytes(out)


def video_attacks():
    with tempfile.TemporaryDirectory() as tmp:
        t = lambda n: os.path.join(tmp, n)

        # An mp4 with moov at the end (no faststart), cut after 2 KiB: ftyp + part of mdat.
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-frames:v", "30", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", *BITEXACT, t("full.mp4"))
        full = read(t("full.mp4"))
        kinds = [b[0] for b in boxes(full)]
        assert kinds.index("mdat") < kinds.index("moov"), kinds
        cut = full[:2048]
        assert b"moov" not in cut and b"mdat" in cut
        write("vid_truncated_no_moov.mp4", cut)
        record("vid_truncated_no_moov.mp4", "video",
               "mp4 cut after 2048 of %d bytes: ftyp and part of mdat, no moov" % len(full))

        # The same mp4 with sample tables claiming 80M one-byte samples (FFmpeg's mov demuxer
        # makes a 24-byte index entry for each inside avformat_open_input: 1.9 GB).
        claims = mp4_claiming_samples(full, 80 * 10**6)
        assert struct.unpack(">III", claims[claims.find(b"stsz") + 4:][:12]) == (0, 1, 80 * 10**6)
        write("vid_mp4_stsz_claims_80m_samples.mp4", claims)
        record("vid_mp4_stsz_claims_80m_samples.mp4", "video",
               "mp4 of %d bytes whose sample tables claim 80000000 one-byte samples" % len(claims))

        write("vid_zero_length.mp4", b"")
        record("vid_zero_length.mp4", "video", "an empty .mp4 file")

        ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=0.5", "-c:a", "aac",
               "-b:a", "16k", *BITEXACT, t("audio.mp4"))
        assert "codec_type=audio" in probe(t("audio.mp4"), "stream=codec_type")
        assert "video" not in probe(t("audio.mp4"), "stream=codec_type")
        write("vid_audio_only.mp4", read(t("audio.mp4")))
        record("vid_audio_only.mp4", "video", "an mp4 with one AAC audio stream and no video stream")

        # y4m whose header claims 100000x100000, followed by one 64-byte "frame".
        write("vid_y4m_claims_100000x100000.y4m",
              b"YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(range(64)))
        record("vid_y4m_claims_100000x100000.y4m", "video",
               "y4m header claims 100000x100000 (1.5e10 bytes a frame), 64 bytes of frame data")

        # MJPEG AVI: every header and each JPEG's SOF0 claim 16000x16000, just under FFmpeg's
        # av_image_check_size limit, so a decoder really allocates ~384 MB a frame; the scans
        # hold 32x32 worth of data.
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=5", "-frames:v", "2", "-c:v", "mjpeg",
               "-q:v", "5", *BITEXACT, t("m.avi"))
        avi = bytearray(read(t("m.avi")))
        big = 16000

        def patch(fmt, at, old):
            assert struct.unpack_from(fmt, avi, at)[0] == old, (fmt, at)
            struct.pack_into(fmt, avi, at, big)
        a = avi.find(b"avih") + 8
        patch("<I", a + 32, 32), patch("<I", a + 36, 32)
        s = avi.find(b"strh") + 8
        patch("<h", s + 52, 32), patch("<h", s + 54, 32)
        f = avi.find(b"strf") + 8
        patch("<i", f + 4, 32), patch("<i", f + 8, 32)
        v = avi.find(b"vprp")
        if v >= 0:
            v += 8
            for off in (12, 16, 24, 28, 36, 40, 44, 48):
                patch("<I", v + off, 32)
        sofs = 0
        pos = avi.find(b"\xff\xc0")
        while pos >= 0:
            patch(">H", pos + 5, 32), patch(">H", pos + 7, 32)
            sofs += 1
            pos = avi.find(b"\xff\xc0", pos + 2)
        assert sofs == 2
        write("vid_mjpeg_avi_claims_16000x16000.avi", bytes(avi))
        info = probe(os.path.join(FILES, "vid_mjpeg_avi_claims_16000x16000.avi"), "stream=width,height")
        assert "width=16000" in info and "height=16000" in info, info
        record("vid_mjpeg_avi_claims_16000x16000.avi", "video",
               "MJPEG AVI whose headers and JPEG SOF0s claim 16000x16000 (32x32 of scan data)")

        # An h264 mp4 whose container (tkhd and avc1) claims 65535x65535; the SPS says 32x32.
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=5", "-frames:v", "4", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", *BITEXACT, t("small.mp4"))
        mp4 = bytearray(read(t("small.mp4")))
        k = mp4.find(b"tkhd") - 4
        size = struct.unpack_from(">I", mp4, k)[0]
        assert struct.unpack_from(">II", mp4, k + size - 8) == (32 << 16, 32 << 16)
        struct.pack_into(">II", mp4, k + size - 8, 65535 << 16, 65535 << 16)
        e = mp4.find(b"avc1", mp4.find(b"stsd")) + 4 + 24  # the sample entry, not the ftyp brand
        assert struct.unpack_from(">HH", mp4, e) == (32, 32)
        struct.pack_into(">HH", mp4, e, 65535, 65535)
        write("vid_mp4_container_claims_65535x65535.mp4", bytes(mp4))
        record("vid_mp4_container_claims_65535x65535.mp4", "video",
               "h264 mp4 whose tkhd and avc1 boxes claim 65535x65535 (the SPS says 32x32)")

        # Many tiny frames: 20000 frames of 16x16 at 1000 fps, each P frame a ~5-byte skip slice.
        frames = 20000
        ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=16x16:r=1000", "-frames:v", str(frames),
               "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-crf", "51",
               "-x264-params", "keyint=infinite:scenecut=0:ref=1:weightp=0:aud=0:cabac=0",
               "-pix_fmt", "yuv420p", "-movflags", "+faststart", *BITEXACT, t("many.mp4"))
        write("vid_20000_frames_16x16.mp4", read(t("many.mp4")))
        info = probe(t("many.mp4"), "stream=nb_frames,width,height")
        assert "nb_frames=%d" % frames in info and "width=16" in info, info
        record("vid_20000_frames_16x16.mp4", "video_uniform",
               "h264 mp4 with 20000 frames of 16x16 at 1000 fps (20 s)")

        write("vid_png_named_mp4.mp4", png_bytes(16, 16))
        record("vid_png_named_mp4.mp4", "video", "a 16x16 PNG image named .mp4")


# ---- driver -------------------------------------------------------------------------------

def files_under(path):
    if os.path.isdir(path):
        return sorted(os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs)
    return [path]


def known_expectations():
    """The expected texts already in cases.tsv (filled in by hand), kept on regeneration."""
    known = {}
    if os.path.exists(CASES_TSV):
        for line in open(CASES_TSV):
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 3 and not line.startswith("#") and fields[2] != "TODO":
                known[fields[0]] = fields[2]
    return known


def write_cases():
    known = known_expectations()
    lines = ["name\tcommand\texpected",
             "# Written by make_hostile.py. Placeholders: {file} the hostile file or folder,",
             "# {out} an empty folder the test owns, {data} the repo's tests/ folder.",
             "# 'expected': words vivid's one-line error must contain (kept from the previous",
             "# cases.tsv when the script is run again; TODO for a new case)."]
    for name, kind, what in CASES:
        lines.append("# " + what)
        lines.append("%s\t%s\t%s" % (name, COMMANDS[kind], known.get(name, "TODO")))
    with open(CASES_TSV, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if os.path.exists(MARKER):
        sys.exit("%s exists before we start; remove it first" % MARKER)
    shutil.rmtree(FILES, ignore_errors=True)
    os.makedirs(FILES)
    torch_pickle_attacks()
    torch_zip_attacks()
    torch_zip_bound_attacks()
    flax_attacks()
    safetensors_attacks()
    sharded_attacks()
    pixel_values_attacks()
    npy_attacks()
    config_attacks()
    preprocessor_attacks()
    video_attacks()
    assert not os.path.exists(MARKER), "something executed a payload with the real marker"

    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(os.listdir(FILES)), set(os.listdir(FILES)) ^ set(names)
    write_cases()
    total = 0
    width = max(len(n) for n in names) + 1
    for name, kind, what in CASES:
        path = os.path.join(FILES, name)
        sizes = [os.path.getsize(f) for f in files_under(path)]
        for f, size in zip(files_under(path), sizes):
            assert size <= BIG_FILES.get(name, MAX_FILE), (f, size)
        if name not in BIG_FILES:
            total += sum(sizes)
        print("%-*s %8d  %s" % (width, name + ("/" if os.path.isdir(path) else ""), sum(sizes), what))
    print("%d cases, %d bytes in all" % (len(CASES), total))
    assert total <= MAX_TOTAL, total


if __name__ == "__main__":
    main()
