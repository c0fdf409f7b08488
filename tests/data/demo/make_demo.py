#!/usr/bin/python3
"""Train the tiny VideoMAE demo classifier and write everything the demo ships.

Run with Debian's Python (torch 1.13 CPU, PyAV 10, Pillow 9.4, numpy) from anywhere:

    /usr/bin/python3 tests/data/demo/make_demo.py

Debian's torch does its matrix products through the system libblas.so.3; with the default
reference BLAS training is ~20x slower than with OpenBLAS. Install libopenblas0-pthread, or
point LD_LIBRARY_PATH at an unpacked copy of its openblas-pthread directory. DEMO_THREADS
sets torch's thread count (default 2; 1 is faster when the machine is busy).

No released VideoMAE checkpoint can be downloaded here, so this trains a tiny one on
synthetic clips: a square or a disc on a plain or lightly noisy background that moves
left/right/up/down, grows or shrinks. The clips are encoded to H.264 yuv420p mp4 with
Debian's ffmpeg CLI and the model is trained on the *decoded* frames, preprocessed exactly like the Hugging Face
video-classification pipeline (PyAV decode, frame indices by its rule, VideoMAEImageProcessor
through Pillow), so the inference chain vivid reproduces is the one that was trained on.

The model follows the original MCG-NJU/VideoMAE modeling_finetune.py VisionTransformer
(names, state-dict order, numerics) with the numerics HF's converted model runs: block
LayerNorm eps 1e-12 (HF's default, which its converter keeps), fc_norm eps 1e-5, exact
GELU, fixed sinusoid position table, qkv without bias plus q_bias/v_bias, mean pooling.

Writes (paths relative to the repository root):
  examples/demo/videomae_demo.pth          original-format checkpoint {"model", "epoch", "args"}
  examples/demo/config.json                HF VideoMAEConfig with the class names
  examples/demo/preprocessor_config.json   HF VideoMAEImageProcessor settings
  examples/demo/clips/<class>_<n>.mp4      held-out clips (2 per class)
  tests/data/demo/expected_predictions.json  PyTorch logits/probs on those clips + accuracy

Before training it checks its own pieces against the committed conformance goldens made by
the real libraries (decode+sampling+preprocessing against video_example_h264, the model
forward against videomae_tiny_finetuned's HF logits), and after training it checks the
forward against an independent HF-style computation on the converted (HF-named) weights.
"""

import argparse
import io
import json
import math
import os
import struct
import subprocess
import tempfile
import time

# Under a loaded machine OpenMP's spinning threads slow training 10x; yield instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import av  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

T_START = time.time()
SEED = 20240611
torch.set_num_threads(int(os.environ.get("DEMO_THREADS", "2")))
torch.manual_seed(SEED)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEMO_DIR = os.path.join(REPO, "examples", "demo")
CLIPS_DIR = os.path.join(DEMO_DIR, "clips")
EXPECTED_JSON = os.path.join(REPO, "tests", "data", "demo", "expected_predictions.json")
CASES = os.path.join(REPO, "tests", "conformance", "cases")

CLASSES = ["moving left", "moving right", "moving up", "moving down", "growing", "shrinking"]

# Source clips: 64x48, 16 frames at 8 fps (2 s). The pipeline rule with the default
# frame_sampling_rate 1 feeds the model frames 0..7.
FRAME_W, FRAME_H = 64, 48
CLIP_FRAMES = 16
FPS = 8
CRF = "23"

MODEL = dict(image_size=32, patch_size=8, num_channels=3, num_frames=8, tubelet_size=2,
             hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128)
BLOCK_LN_EPS = 1e-12  # HF layer_norm_eps (config default; converter does not override it)
FC_NORM_EPS = 1e-5    # HF fc_norm is nn.LayerNorm(dim): torch default eps

PROCESSOR = {
    "crop_size": {"height": 32, "width": 32},
    "do_center_crop": True,
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "VideoMAEImageProcessor",
    "image_std": [0.5, 0.5, 0.5],
    "resample": 2,
    "rescale_factor": 0.00392156862745098,
    "size": {"shortest_edge": 32},
}

N_TRAIN_PER_CLASS = 600
N_HELDOUT_PER_CLASS = 50
N_SHIPPED_PER_CLASS = 2
EPOCHS = 30
BATCH = 64
LR = 1.5e-3


def log(msg):
    print(f"[{time.time() - T_START:6.1f}s] {msg}", flush=True)


def slug(name):
    return name.replace(" ", "_")


# ---------------------------------------------------------------------------------------
# Synthetic clips


def render_clip(label, rng):
    """uint8 (CLIP_FRAMES, FRAME_H, FRAME_W, 3) clip of class `label`; everything else random."""
    name = CLASSES[label]
    bg = rng.integers(0, 256, size=3).astype(np.float64)
    while True:  # a shape colour that stands out from the background
        fg = rng.integers(0, 256, size=3).astype(np.float64)
        if np.abs(fg - bg).sum() > 200:
            break
    noise_sigma = 0.0 if rng.random() < 0.5 else rng.uniform(2.0, 6.0)
    disc = rng.random() < 0.5
    t = np.arange(CLIP_FRAMES, dtype=np.float64)

    # The processor keeps x in [8, 56) of the 64-wide source (resize to 42x32, crop 32x32):
    # every trajectory stays inside that window for the whole clip.
    vis_x0, vis_x1 = 8.0, 56.0
    if name.startswith("moving"):
        r = rng.uniform(3.0, 5.0)
        horizontal = name in ("moving left", "moving right")
        sign = -1.0 if name in ("moving left", "moving up") else 1.0
        drift = rng.uniform(-0.15, 0.15)  # a little motion across the main direction
        lo, hi = (vis_x0 + r, vis_x1 - r) if horizontal else (r, FRAME_H - r)
        speed = rng.uniform(1.8, (hi - lo) / (CLIP_FRAMES - 1))
        start = rng.uniform(lo, hi - speed * (CLIP_FRAMES - 1))
        along = start + speed * t if sign > 0 else (lo + hi - start) - speed * t
        margin = r + abs(drift) * CLIP_FRAMES
        a_lo, a_hi = (margin, FRAME_H - margin) if horizontal else (vis_x0 + margin, vis_x1 - margin)
        across = rng.uniform(a_lo, a_hi) + drift * t
        cx, cy = (along, across) if horizontal else (across, along)
        radius = np.full(CLIP_FRAMES, r)
    else:
        rate = rng.uniform(0.6, 1.0)
        radius = rng.uniform(2.0, 3.5) + rate * t
        if name == "shrinking":
            radius = radius[::-1].copy()
        cx0 = rng.uniform(FRAME_W / 2 - 4.0, FRAME_W / 2 + 4.0)
        cy0 = rng.uniform(FRAME_H / 2 - 3.0, FRAME_H / 2 + 3.0)
        dx, dy = rng.uniform(-0.2, 0.2, size=2)
        cx, cy = cx0 + dx * t, cy0 + dy * t

    ys, xs = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float64) + 0.5
    frames = np.empty((CLIP_FRAMES, FRAME_H, FRAME_W, 3), dtype=np.uint8)
    for i in range(CLIP_FRAMES):
        # Analytic anti-aliasing: coverage ramps over one pixel at the edge.
        if disc:
            dist = np.hypot(xs - cx[i], ys - cy[i])
            alpha = np.clip(radius[i] - dist + 0.5, 0.0, 1.0)
        else:
            ax = np.clip(radius[i] - np.abs(xs - cx[i]) + 0.5, 0.0, 1.0)
            ay = np.clip(radius[i] - np.abs(ys - cy[i]) + 0.5, 0.0, 1.0)
            alpha = ax * ay
        img = bg * (1.0 - alpha[..., None]) + fg * alpha[..., None]
        if noise_sigma > 0:
            img = img + rng.normal(0.0, noise_sigma, size=img.shape)
        frames[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return frames


# libx264 run inside this long-lived process (PyAV) is not reproducible: the same frames
# occasionally encode to different bytes (it seems to read memory it did not initialise,
# which a fresh process gets zeroed). Debian's ffmpeg CLI, one process per encode, gives
# identical bytes every run, so the script's outputs are reproducible.
FFMPEG_X264 = ["-c:v", "libx264", "-preset", "medium", "-crf", CRF, "-pix_fmt", "yuv420p",
               "-threads", "1", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"]


def ffmpeg_encode(frames, extra_args=()):
    """uint8 (N, FRAME_H, FRAME_W, 3) frames -> H.264 yuv420p mp4 bytes via the ffmpeg CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "clip.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                        "-s", f"{FRAME_W}x{FRAME_H}", "-r", str(FPS), "-i", "-",
                        *FFMPEG_X264, *extra_args, out],
                       input=np.ascontiguousarray(frames).tobytes(), check=True)
        with open(out, "rb") as f:
            return f.read()


def encode_mp4(frames):
    """One standalone clip, as shipped."""
    return ffmpeg_encode(frames)


def encode_as_one_stream(clips):
    """Many clips as one video with a closed GOP per clip (one ffmpeg process instead of
    thousands); returns the decoded clips. Used for training data only."""
    mp4 = ffmpeg_encode(np.concatenate(clips), ["-g", str(CLIP_FRAMES), "-keyint_min", str(CLIP_FRAMES),
                                                "-sc_threshold", "0", "-x264-params", "open-gop=0"])
    frames = decode_all(io.BytesIO(mp4))
    assert frames.shape[0] == CLIP_FRAMES * len(clips), frames.shape
    return frames.reshape(len(clips), CLIP_FRAMES, *frames.shape[1:])


# ---------------------------------------------------------------------------------------
# The HF video-classification pipeline's input chain, re-implemented


def pipeline_indices(num_frames, frame_sampling_rate=1):
    """transformers pipelines/video_classification.py: frames 0 .. num_frames*rate-1."""
    end_idx = num_frames * frame_sampling_rate - 1
    return np.linspace(0, end_idx, num=num_frames).astype(np.int64)


def read_video_pyav(source, indices):
    """The pipeline's read_video_pyav: decode in order, keep frames whose index is listed."""
    container = av.open(source)
    try:
        frames = []
        container.seek(0)
        start_index, end_index = indices[0], indices[-1]
        for i, frame in enumerate(container.decode(video=0)):
            if i > end_index:
                break
            if i >= start_index and i in indices:
                frames.append(frame)
        return np.stack([x.to_ndarray(format="rgb24") for x in frames])
    finally:
        container.close()


def decode_all(source):
    container = av.open(source)
    try:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    finally:
        container.close()


def resize_crop(frame, proc):
    """VideoMAEImageProcessor resize (shortest edge, PIL bilinear on uint8) + center crop."""
    h, w = frame.shape[:2]
    s = proc["size"]["shortest_edge"]
    short, long = (h, w) if h <= w else (w, h)
    new_short, new_long = s, int(s * long / short)
    new_h, new_w = (new_short, new_long) if h <= w else (new_long, new_short)
    img = Image.fromarray(frame).resize((new_w, new_h), resample=proc["resample"], reducing_gap=None)
    out = np.asarray(img)
    ch, cw = proc["crop_size"]["height"], proc["crop_size"]["width"]
    assert new_h >= ch and new_w >= cw, "demo frames never need crop padding"
    top, left = (new_h - ch) // 2, (new_w - cw) // 2
    return out[top:top + ch, left:left + cw]


def normalize(cropped_uint8, proc):
    """rescale (float64 * factor -> float32), normalize in float32, channels first."""
    x = (cropped_uint8.astype(np.float64) * proc["rescale_factor"]).astype(np.float32)
    mean = np.array(proc["image_mean"], dtype=np.float32)
    std = np.array(proc["image_std"], dtype=np.float32)
    x = (x - mean) / std
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # (T, C, H, W)


def preprocess(frames, proc):
    """uint8 (T,H,W,3) -> float32 (T,C,H,W) exactly like the HF image processor."""
    return normalize(np.stack([resize_crop(f, proc) for f in frames]), proc)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    dtypes = {"F32": np.float32, "I64": np.int64, "U8": np.uint8}
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[key] = np.frombuffer(data[8 + n + begin:8 + n + end],
                                 dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


# ---------------------------------------------------------------------------------------
# The model: original VideoMAE modeling_finetune.py VisionTransformer naming and numerics


def get_sinusoid_encoding_table(n_position, d_hid):
    """As the original: float64 numpy table, then torch.FloatTensor (float32), (1, N, d)."""
    def get_position_angle_vec(position):
        return [position / np.power(10000, 2 * (hid_j // 2) / d_hid) for hid_j in range(d_hid)]

    table = np.array([get_position_angle_vec(pos_i) for pos_i in range(n_position)])
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.FloatTensor(table).unsqueeze(0)


class PatchEmbed(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        k = (cfg["tubelet_size"], cfg["patch_size"], cfg["patch_size"])
        self.proj = nn.Conv3d(cfg["num_channels"], cfg["hidden_size"], kernel_size=k, stride=k)

    def forward(self, x):  # (B, C, T, H, W)
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(dim))
        self.v_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv_bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias, requires_grad=False),
                              self.v_bias))
        qkv = F.linear(x, self.qkv.weight, qkv_bias)
        qkv = qkv.reshape(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, -1)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact erf GELU
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.norm1 = nn.LayerNorm(d, eps=BLOCK_LN_EPS)
        self.attn = Attention(d, cfg["num_attention_heads"])
        self.norm2 = nn.LayerNorm(d, eps=BLOCK_LN_EPS)
        self.mlp = Mlp(d, cfg["intermediate_size"])

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    """Fine-tuning VideoMAE with mean pooling; forward takes HF-layout (B, T, C, H, W)."""

    def __init__(self, cfg, num_classes):
        super().__init__()
        self.patch_embed = PatchEmbed(cfg)
        n = (cfg["num_frames"] // cfg["tubelet_size"]) * (cfg["image_size"] // cfg["patch_size"]) ** 2
        # Fixed table, not a parameter and not saved (persistent=False), like the original.
        self.register_buffer("pos_embed", get_sinusoid_encoding_table(n, cfg["hidden_size"]),
                             persistent=False)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.fc_norm = nn.LayerNorm(cfg["hidden_size"], eps=FC_NORM_EPS)
        self.head = nn.Linear(cfg["hidden_size"], num_classes)
        self.apply(self._init_weights)
        nn.init.trunc_normal_(self.head.weight, std=0.02)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, pixel_values):
        x = self.patch_embed(pixel_values.permute(0, 2, 1, 3, 4))
        x = x + self.pos_embed.type_as(x).clone().detach()
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.fc_norm(x.mean(1)))


# ---------------------------------------------------------------------------------------
# Independent HF-style forward on converted weights (catches naming/numerics mistakes)


def convert_to_hf(sd):
    """convert_videomae_to_pytorch.py's mapping for a fine-tuned mean-pooling checkpoint."""
    hf = {}
    for key, val in sd.items():
        if key.startswith("patch_embed.proj."):
            hf["videomae.embeddings.patch_embeddings.projection." + key.split(".")[-1]] = val
        elif key.startswith("blocks."):
            _, n, rest = key.split(".", 2)
            p = f"videomae.encoder.layer.{n}."
            if rest == "attn.qkv.weight":
                d = val.shape[1]
                hf[p + "attention.attention.query.weight"] = val[:d]
                hf[p + "attention.attention.key.weight"] = val[d:2 * d]
                hf[p + "attention.attention.value.weight"] = val[-d:]
            elif rest in ("attn.q_bias", "attn.v_bias"):
                hf[p + "attention.attention." + rest.split(".")[1]] = val
            else:
                for old, new in (("attn.proj.", "attention.output.dense."),
                                 ("norm1.", "layernorm_before."), ("norm2.", "layernorm_after."),
                                 ("mlp.fc1.", "intermediate.dense."), ("mlp.fc2.", "output.dense.")):
                    if rest.startswith(old):
                        hf[p + new + rest[len(old):]] = val
                        break
                else:
                    raise KeyError(key)
        elif key.startswith("fc_norm."):
            hf[key] = val
        elif key.startswith("head."):
            hf["classifier." + key[len("head."):]] = val
        else:
            raise KeyError(key)
    return hf


def hf_style_forward(hf, cfg, pixel_values):
    """Written like HF's VideoMAEForVideoClassification, separately from the model above."""
    d, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    hd = d // heads
    x = F.conv3d(pixel_values.permute(0, 2, 1, 3, 4),
                 hf["videomae.embeddings.patch_embeddings.projection.weight"],
                 hf["videomae.embeddings.patch_embeddings.projection.bias"],
                 stride=(cfg["tubelet_size"], cfg["patch_size"], cfg["patch_size"]))
    x = x.flatten(2).transpose(1, 2)
    n = x.shape[1]
    pos = np.zeros((n, d), dtype=np.float64)
    for p in range(n):
        for j in range(d):
            angle = p / np.power(10000, 2 * (j // 2) / d)
            pos[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    x = x + torch.from_numpy(pos.astype(np.float32))[None]
    B = x.shape[0]
    for i in range(cfg["num_hidden_layers"]):
        p = f"videomae.encoder.layer.{i}."
        h = F.layer_norm(x, (d,), hf[p + "layernorm_before.weight"], hf[p + "layernorm_before.bias"],
                         cfg["layer_norm_eps"])
        a = p + "attention.attention."
        q = F.linear(h, hf[a + "query.weight"], hf[a + "q_bias"])
        k = F.linear(h, hf[a + "key.weight"], torch.zeros_like(hf[a + "v_bias"]))
        v = F.linear(h, hf[a + "value.weight"], hf[a + "v_bias"])
        q, k, v = (t.view(B, n, heads, hd).permute(0, 2, 1, 3) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (hd ** -0.5)
        ctx = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(B, n, d)
        x = x + F.linear(ctx, hf[p + "attention.output.dense.weight"], hf[p + "attention.output.dense.bias"])
        h = F.layer_norm(x, (d,), hf[p + "layernorm_after.weight"], hf[p + "layernorm_after.bias"],
                         cfg["layer_norm_eps"])
        h = F.gelu(F.linear(h, hf[p + "intermediate.dense.weight"], hf[p + "intermediate.dense.bias"]))
        x = x + F.linear(h, hf[p + "output.dense.weight"], hf[p + "output.dense.bias"])
    pooled = F.layer_norm(x.mean(1), (d,), hf["fc_norm.weight"], hf["fc_norm.bias"], 1e-5)
    return F.linear(pooled, hf["classifier.weight"], hf["classifier.bias"])


# ---------------------------------------------------------------------------------------
# Self-checks against the conformance goldens (made with the real libraries)


def check_against_conformance():
    case = os.path.join(CASES, "video_example_h264")
    with open(os.path.join(case, "preprocessor_config.json")) as f:
        proc = json.load(f)
    gold = read_safetensors(os.path.join(case, "expected", "outputs.safetensors"))
    idx = pipeline_indices(8, 2)
    frames = read_video_pyav(os.path.join(case, "video.mp4"), idx)
    assert np.array_equal(idx, gold["indices"]), (idx, gold["indices"])
    assert np.array_equal(frames, gold["frames"]), "decoded frames differ from the golden"
    pv = preprocess(frames, proc)[None]
    err = np.abs(pv - gold["pixel_values"]).max()
    assert err <= 1e-6, f"pixel_values differ from the golden by {err}"

    case = os.path.join(CASES, "videomae_tiny_finetuned")
    with open(os.path.join(case, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(case, "preprocessor_config.json")) as f:
        proc = json.load(f)
    gold = read_safetensors(os.path.join(case, "expected", "outputs.safetensors"))
    video = np.load(os.path.join(case, "video.npy"))
    err_pv = np.abs(preprocess(video, proc)[None] - gold["pixel_values"]).max()
    assert err_pv <= 1e-6, f"pixel_values differ from HF's by {err_pv}"
    model = VisionTransformer(cfg, len(cfg["id2label"]))
    sd = torch.load(os.path.join(case, "checkpoint.pth"), map_location="cpu")["model"]
    assert list(sd.keys()) == list(model.state_dict().keys()), "state-dict names/order differ"
    model.load_state_dict(sd)
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(gold["pixel_values"].copy())).numpy()
    err = np.abs(logits - gold["logits"]).max()
    assert err <= 1e-5, f"model logits differ from HF's by {err}"
    log(f"conformance self-check ok: frames/indices exact, pixel_values <= {err_pv:.1e}, "
        f"logits vs HF {err:.1e}")


# ---------------------------------------------------------------------------------------
# Data


def crop_clip(frames):
    assert frames.shape == (CLIP_FRAMES, FRAME_H, FRAME_W, 3), frames.shape
    return np.stack([resize_crop(f, PROCESSOR) for f in frames])


def make_train_split(n_per_class, rng, chunk=600):
    """Clips rendered, encoded to H.264, decoded with PyAV, resized/cropped (uint8 cache)."""
    labels = np.arange(n_per_class * len(CLASSES), dtype=np.int64) % len(CLASSES)
    crops = []
    for begin in range(0, len(labels), chunk):
        decoded = encode_as_one_stream([render_clip(int(l), rng) for l in labels[begin:begin + chunk]])
        crops.extend(crop_clip(c) for c in decoded)
    return np.stack(crops), labels


def make_heldout_split(n_per_class, rng):
    """Like make_train_split but every clip is its own mp4 file, exactly as shipped."""
    crops, labels, blobs = [], [], []
    for i in range(n_per_class * len(CLASSES)):
        label = i % len(CLASSES)
        mp4 = encode_mp4(render_clip(label, rng))
        crops.append(crop_clip(decode_all(io.BytesIO(mp4))))
        labels.append(label)
        blobs.append(mp4)
    return np.stack(crops), np.array(labels, dtype=np.int64), blobs


# Exact float32 value of each uint8 after rescale+normalize, so a lookup equals normalize().
LUT = normalize(np.arange(256, dtype=np.uint8).reshape(1, 1, 256, 1).repeat(3, axis=3),
                PROCESSOR)[0, 0, 0]  # (256,) — channels share mean/std 0.5
assert np.all(normalize(np.full((1, 1, 1, 3), 200, np.uint8), PROCESSOR).ravel() == LUT[200])


def batch_pixel_values(crops, indices):
    """uint8 crops (B, CLIP_FRAMES, h, w, 3), per-sample frame indices (B, T) -> (B,T,C,h,w)."""
    sel = np.take_along_axis(crops, indices[:, :, None, None, None], axis=1)
    return torch.from_numpy(LUT[sel].transpose(0, 1, 4, 2, 3).copy())


def train_indices(rng, b, t):
    """Mostly the pipeline rule; some random starts/strides so other samplings also work."""
    out = np.empty((b, t), dtype=np.int64)
    for i in range(b):
        u = rng.random()
        if u < 0.5:
            out[i] = pipeline_indices(t, 1)
        else:
            rate = 1 if u < 0.75 else 2
            start = rng.integers(0, CLIP_FRAMES - (t - 1) * rate)
            out[i] = start + rate * np.arange(t)
    return out


def evaluate(model, crops, labels, indices):
    model.eval()
    with torch.no_grad():
        preds = []
        for s in range(0, len(crops), 256):
            idx = np.broadcast_to(indices, (len(crops[s:s + 256]), len(indices)))
            preds.append(model(batch_pixel_values(crops[s:s + 256], idx)).argmax(1).numpy())
    return float((np.concatenate(preds) == labels).mean())


# ---------------------------------------------------------------------------------------


def ffmpeg_version():
    out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split()[:3])


def loaded_blas():
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
    return ", ".join(sorted(libs)) or "none"


def main():
    log(f"BLAS in use: {loaded_blas()}; torch threads {torch.get_num_threads()}")
    check_against_conformance()
    cfg = dict(MODEL)
    T = cfg["num_frames"]

    rng = np.random.default_rng(SEED)
    train_crops, train_labels = make_train_split(N_TRAIN_PER_CLASS, rng)
    log(f"train clips: {len(train_labels)}")
    held_rng = np.random.default_rng(SEED + 1)  # separate stream: held-out never seen
    held_crops, held_labels, held_mp4 = make_heldout_split(N_HELDOUT_PER_CLASS, held_rng)
    log(f"held-out clips: {len(held_labels)}")

    model = VisionTransformer(cfg, len(CLASSES))
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model parameters: {n_params}")
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.05)
    steps_per_epoch = len(train_labels) // BATCH
    total = EPOCHS * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * s / total)))
    train_rng = np.random.default_rng(SEED + 2)
    pipe_idx = pipeline_indices(T, 1)
    for epoch in range(EPOCHS):
        model.train()
        order = train_rng.permutation(len(train_labels))
        total_loss = 0.0
        for s in range(steps_per_epoch):
            sel = order[s * BATCH:(s + 1) * BATCH]
            pv = batch_pixel_values(train_crops[sel], train_indices(train_rng, len(sel), T))
            loss = F.cross_entropy(model(pv), torch.from_numpy(train_labels[sel]), label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item()
        if epoch % 5 == 4 or epoch == EPOCHS - 1:
            acc = evaluate(model, held_crops, held_labels, pipe_idx)
            log(f"epoch {epoch + 1}: loss {total_loss / steps_per_epoch:.4f}, held-out acc {acc:.4f}")
    model.eval()
    held_acc = evaluate(model, held_crops, held_labels, pipe_idx)
    held_acc_uniform = evaluate(model, held_crops, held_labels,
                                np.linspace(0, CLIP_FRAMES - 1, T).astype(np.int64))

    # --- write the demo files
    os.makedirs(CLIPS_DIR, exist_ok=True)
    for name in os.listdir(CLIPS_DIR):
        if name.endswith(".mp4"):
            os.remove(os.path.join(CLIPS_DIR, name))
    sd = model.state_dict()
    args = argparse.Namespace(
        model="vit_demo_patch8_32", nb_classes=len(CLASSES), num_frames=T,
        tubelet_size=cfg["tubelet_size"], input_size=cfg["image_size"], sampling_rate=1,
        embed_dim=cfg["hidden_size"], depth=cfg["num_hidden_layers"],
        num_heads=cfg["num_attention_heads"], mlp_hidden=cfg["intermediate_size"],
        use_mean_pooling=True, data_set="synthetic-shapes", epochs=EPOCHS, batch_size=BATCH,
        lr=LR, weight_decay=0.05, smoothing=0.1, seed=SEED)
    ckpt_path = os.path.join(DEMO_DIR, "videomae_demo.pth")
    torch.save({"model": sd, "epoch": EPOCHS - 1, "args": args}, ckpt_path)

    hf_config = {
        "architectures": ["VideoMAEForVideoClassification"],
        "attention_probs_dropout_prob": 0.0,
        "decoder_hidden_size": 384,
        "decoder_intermediate_size": 1536,
        "decoder_num_attention_heads": 6,
        "decoder_num_hidden_layers": 4,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "hidden_size": cfg["hidden_size"],
        "id2label": {str(i): c for i, c in enumerate(CLASSES)},
        "image_size": cfg["image_size"],
        "initializer_range": 0.02,
        "intermediate_size": cfg["intermediate_size"],
        "label2id": {c: i for i, c in enumerate(CLASSES)},
        "layer_norm_eps": BLOCK_LN_EPS,
        "model_type": "videomae",
        "norm_pix_loss": True,
        "num_attention_heads": cfg["num_attention_heads"],
        "num_channels": cfg["num_channels"],
        "num_frames": T,
        "num_hidden_layers": cfg["num_hidden_layers"],
        "patch_size": cfg["patch_size"],
        "qkv_bias": True,
        "torch_dtype": "float32",
        "tubelet_size": cfg["tubelet_size"],
        "use_mean_pooling": True,
    }
    with open(os.path.join(DEMO_DIR, "config.json"), "w") as f:
        json.dump(hf_config, f, indent=2)
        f.write("\n")
    with open(os.path.join(DEMO_DIR, "preprocessor_config.json"), "w") as f:
        json.dump(PROCESSOR, f, indent=2)
        f.write("\n")

    # --- reload the written checkpoint and predict on the written clips, HF pipeline chain
    reloaded = VisionTransformer(cfg, len(CLASSES))
    reloaded.load_state_dict(torch.load(ckpt_path, map_location="cpu")["model"])
    reloaded.eval()
    hf_weights = convert_to_hf(reloaded.state_dict())
    hf_cfg = dict(cfg, layer_norm_eps=hf_config["layer_norm_eps"])
    clips = []
    worst_check = 0.0
    for label in range(len(CLASSES)):
        picked = [i for i in range(len(held_labels)) if held_labels[i] == label][:N_SHIPPED_PER_CLASS]
        for n, i in enumerate(picked):
            rel = f"examples/demo/clips/{slug(CLASSES[label])}_{n}.mp4"
            path = os.path.join(REPO, rel)
            with open(path, "wb") as f:
                f.write(held_mp4[i])
            idx = pipeline_indices(T, 1)
            pv = torch.from_numpy(preprocess(read_video_pyav(path, idx), PROCESSOR)[None])
            with torch.no_grad():
                logits = reloaded(pv)[0]
                other = hf_style_forward(hf_weights, hf_cfg, pv)[0]
            worst_check = max(worst_check, (logits - other).abs().max().item())
            probs = torch.softmax(logits, dim=-1)
            pred = int(logits.argmax())
            clips.append({
                "file": rel,
                "label": CLASSES[label],
                "predicted": CLASSES[pred],
                "frame_indices": idx.tolist(),
                "logits": [float(v) for v in logits.tolist()],
                "probs": [float(v) for v in probs.tolist()],
                "bytes": len(held_mp4[i]),
            })
    assert worst_check <= 1e-5, f"model and HF-style forward differ by {worst_check}"
    log(f"HF-style independent forward agrees: max |diff| {worst_check:.2e}")
    shipped_acc = sum(c["label"] == c["predicted"] for c in clips) / len(clips)
    # The README shows moving_left_0 unless PyTorch gets it wrong; then the first right one.
    readme_clip = next(c["file"] for c in sorted(clips, key=lambda c: "moving_left_0" not in c["file"])
                       if c["predicted"] == c["label"])

    result = {
        "description": "PyTorch predictions of examples/demo/videomae_demo.pth on the shipped "
                       "held-out clips: PyAV decode, HF pipeline frame indices "
                       "(num_frames 8, frame_sampling_rate 1), VideoMAEImageProcessor via Pillow",
        "generated_with": f"tests/data/demo/make_demo.py; torch {torch.__version__}, "
                          f"PyAV {av.__version__}, Pillow {Image.__version__}, numpy {np.__version__}, "
                          f"{ffmpeg_version()} (clip encoding, libx264 crf {CRF})",
        "labels": CLASSES,
        "num_frames": T,
        "frame_sampling_rate": 1,
        "heldout_clips": int(len(held_labels)),
        "heldout_accuracy": held_acc,
        "heldout_accuracy_uniform_sampling": held_acc_uniform,
        "shipped_accuracy": shipped_acc,
        "readme_clip": readme_clip,
        "clips": clips,
    }
    with open(EXPECTED_JSON, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")

    log(f"held-out accuracy {held_acc:.4f} (pipeline rule), {held_acc_uniform:.4f} (uniform); "
        f"shipped clips {shipped_acc:.3f}")
    for c in clips:
        log(f"  {c['file']}: {c['label']} -> {c['predicted']} ({max(c['probs']):.3f})")
    log(f"checkpoint {os.path.getsize(ckpt_path)} bytes; done")


if __name__ == "__main__":
    main()
