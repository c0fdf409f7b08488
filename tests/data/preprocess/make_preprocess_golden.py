#!/usr/bin/python3
"""Golden pixel_values for vivid's preprocessing: HF's VideoMAEImageProcessor and
VivitImageProcessor re-implemented step by step in numpy + Pillow, following the HF functions
line for line (transformers is not installed here): image_transforms.py@000593ad
(get_resize_output_image_size, resize, center_crop, rescale, normalize), the VideoMAE
processor@01ae98ae, and ViViT's rescale variants (2023 do_zero_centering, as observed in the
conformance cases: float32 rescale then x*2-1 in float32; 2024 `offset`: rescale then -1).

Run with /usr/bin/python3 (Debian's numpy and Pillow 9.4):
    /usr/bin/python3 tests/data/preprocess/make_preprocess_golden.py
Writes one folder per case: preprocessor_config.json, video.npy (uint8 T,H,W,3) and
pixel_values.npy (float32 T,3,H',W').
"""
import json
import math
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)

IMAGENET_DEFAULT_MEAN = [0.485, 0.456, 0.406]
IMAGENET_DEFAULT_STD = [0.229, 0.224, 0.225]


def get_resize_output_image_size(image, size):  # default_to_square=False, channels last
    height, width = image.shape[:2]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size, int(size * long / short)
    return (new_long, new_short) if width <= height else (new_short, new_long)


def resize(image, size, resample):  # uint8 channels last -> PIL -> uint8 channels last
    height, width = size
    return np.array(Image.fromarray(image).resize((width, height), resample=resample))


def center_crop(image, size):  # channels last in, channels first out (as HF's crop works)
    image = image.transpose(2, 0, 1)
    orig_height, orig_width = image.shape[-2:]
    crop_height, crop_width = size
    top = (orig_height - crop_height) // 2
    bottom = top + crop_height
    left = (orig_width - crop_width) // 2
    right = left + crop_width
    if top >= 0 and bottom <= orig_height and left >= 0 and right <= orig_width:
        return image[..., top:bottom, left:right].transpose(1, 2, 0)
    new_height = max(crop_height, orig_height)
    new_width = max(crop_width, orig_width)
    new_shape = image.shape[:-2] + (new_height, new_width)
    new_image = np.zeros_like(image, shape=new_shape)
    top_pad = math.ceil((new_height - orig_height) / 2)
    bottom_pad = top_pad + orig_height
    left_pad = math.ceil((new_width - orig_width) / 2)
    right_pad = left_pad + orig_width
    new_image[..., top_pad:bottom_pad, left_pad:right_pad] = image
    top += top_pad
    bottom += top_pad
    left += left_pad
    right += left_pad
    new_image = new_image[..., max(0, top):min(new_height, bottom), max(0, left):min(new_width, right)]
    return new_image.transpose(1, 2, 0)


def rescale(image, scale):
    return (image.astype(np.float64) * scale).astype(np.float32)


def normalize(image, mean, std):  # channels last
    if not np.issubdtype(image.dtype, np.floating):
        image = image.astype(np.float32)
    mean = np.array(mean if isinstance(mean, list) else [mean] * 3, dtype=image.dtype)
    std = np.array(std if isinstance(std, list) else [std] * 3, dtype=image.dtype)
    return (image - mean) / std


def size_dict(size):  # get_size_dict(default_to_square=False) for the forms used here
    if isinstance(size, int):
        return {"shortest_edge": size}
    return size


def preprocess_frame(img, cfg):
    vivit = cfg.get("image_processor_type") == "VivitImageProcessor"
    modern_vivit = vivit and "offset" in cfg
    size = size_dict(cfg.get("size", 256 if vivit else 224))
    crop = cfg.get("crop_size", {"height": 224, "width": 224})
    if isinstance(crop, int):
        crop = {"height": crop, "width": crop}
    if cfg.get("do_resize", True):
        if "shortest_edge" in size:
            out_size = get_resize_output_image_size(img, size["shortest_edge"])
        else:
            out_size = (size["height"], size["width"])
        img = resize(img, out_size, cfg.get("resample", 2))
    if cfg.get("do_center_crop", True):
        img = center_crop(img, (crop["height"], crop["width"]))
    if cfg.get("do_rescale", True):
        img = rescale(img, cfg.get("rescale_factor", 1 / 127.5 if modern_vivit else 1 / 255))
        if vivit and not modern_vivit and cfg.get("do_zero_centering", True):
            img = img * 2 - 1  # float32 array op
        if modern_vivit and cfg["offset"]:
            img = img - 1
    if cfg.get("do_normalize", not vivit or modern_vivit):
        img = normalize(img, cfg.get("image_mean", [0.5] * 3), cfg.get("image_std", [0.5] * 3))
    img = np.asarray(img)
    return img.transpose(2, 0, 1).astype(np.float32)  # uint8 (no rescale/normalize) -> exact


def frames(t, h, w):
    yy, xx = np.mgrid[0:h, 0:w]
    out = []
    for i in range(t):
        base = np.stack([(xx * 7 + i * 13) % 256, (yy * 5 + xx * 3) % 256, (xx * yy + 40 * i) % 256], 2)
        out.append(np.clip(base + rng.integers(-20, 21, size=base.shape), 0, 255))
    return np.stack(out).astype(np.uint8)


MAE = "VideoMAEImageProcessor"
VIVIT = "VivitImageProcessor"
cases = {
    "videomae_height_width_bicubic_imagenet": (frames(2, 27, 35), {
        "image_processor_type": MAE, "size": {"height": 30, "width": 41}, "resample": 3,
        "crop_size": {"height": 24, "width": 24}, "image_mean": IMAGENET_DEFAULT_MEAN,
        "image_std": IMAGENET_DEFAULT_STD, "do_normalize": True, "do_rescale": True,
        "rescale_factor": 1 / 255}),
    "videomae_nearest_crop_taller_than_frame": (frames(2, 20, 26), {
        "image_processor_type": MAE, "size": {"shortest_edge": 16}, "resample": 0,
        "crop_size": {"height": 23, "width": 14}}),
    "videomae_crop_larger_than_frame": (frames(2, 13, 10), {
        "image_processor_type": MAE, "size": {"shortest_edge": 9}, "resample": 2,
        "crop_size": {"height": 16, "width": 17}, "image_mean": IMAGENET_DEFAULT_MEAN,
        "image_std": IMAGENET_DEFAULT_STD}),
    "videomae_no_rescale": (frames(2, 24, 30), {
        "image_processor_type": MAE, "size": {"shortest_edge": 18}, "do_rescale": False,
        "crop_size": {"height": 16, "width": 16}, "image_mean": [120.0, 110.5, 100.25],
        "image_std": [58.0, 57.0, 57.5]}),
    "videomae_no_center_crop": (frames(2, 31, 22), {
        "image_processor_type": MAE, "size": {"shortest_edge": 15}, "do_center_crop": False,
        "resample": 2}),
    "videomae_no_resize": (frames(2, 19, 23), {
        "image_processor_type": MAE, "do_resize": False, "crop_size": {"height": 15, "width": 16}}),
    "videomae_no_rescale_no_normalize": (frames(1, 20, 20), {
        "image_processor_type": MAE, "size": {"shortest_edge": 14}, "do_rescale": False,
        "do_normalize": False, "crop_size": {"height": 12, "width": 12}}),
    "videomae_lanczos": (frames(2, 28, 36), {
        "image_processor_type": MAE, "size": {"shortest_edge": 20}, "resample": 1,
        "crop_size": {"height": 16, "width": 16}}),
    "videomae_box": (frames(1, 28, 36), {
        "image_processor_type": MAE, "size": {"shortest_edge": 13}, "resample": 4,
        "crop_size": {"height": 12, "width": 12}}),
    "videomae_hamming": (frames(1, 28, 36), {
        "image_processor_type": MAE, "size": {"shortest_edge": 21}, "resample": 5,
        "crop_size": {"height": 16, "width": 16}}),
    "videomae_feature_extractor_int_sizes": (frames(2, 22, 30), {
        "feature_extractor_type": "VideoMAEFeatureExtractor", "size": 18, "crop_size": 16,
        "resample": 2, "do_resize": True, "do_center_crop": True, "do_normalize": True,
        "image_mean": IMAGENET_DEFAULT_MEAN, "image_std": IMAGENET_DEFAULT_STD}),
    "vivit_zero_centering": (frames(3, 25, 33), {
        "image_processor_type": VIVIT, "size": {"shortest_edge": 20}, "do_zero_centering": True,
        "do_normalize": False, "crop_size": {"height": 16, "width": 16},
        "rescale_factor": 1 / 255}),
    "vivit_default_zero_centering_portrait": (frames(2, 33, 21), {
        "image_processor_type": VIVIT, "size": {"shortest_edge": 17},
        "crop_size": {"height": 16, "width": 16}}),
    "vivit_without_zero_centering_normalized": (frames(2, 25, 33), {
        "image_processor_type": VIVIT, "size": {"shortest_edge": 20}, "do_zero_centering": False,
        "do_normalize": True, "image_mean": IMAGENET_DEFAULT_MEAN,
        "image_std": IMAGENET_DEFAULT_STD, "crop_size": {"height": 16, "width": 16}}),
    "vivit_offset_2024": (frames(2, 25, 33), {
        "image_processor_type": VIVIT, "size": {"shortest_edge": 20}, "offset": True,
        "do_zero_centering": True, "rescale_factor": 1 / 127.5, "do_normalize": False,
        "crop_size": {"height": 16, "width": 16}}),
}

total = 0
for name, (video, cfg) in cases.items():
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    pv = np.stack([preprocess_frame(f, cfg) for f in video])
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    np.save(os.path.join(folder, "video.npy"), video)
    np.save(os.path.join(folder, "pixel_values.npy"), pv)
    total += video.nbytes + pv.nbytes
    print(f"{name}: video {video.shape} -> pixel_values {pv.shape} [{pv.min():.4f}, {pv.max():.4f}]")
print(f"{len(cases)} cases, {total} bytes of arrays")


def read_safetensors(path):
    import struct
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    dtypes = {"F32": np.float32, "U8": np.uint8, "I64": np.int64}
    out = {}
    for key, v in header.items():
        if key != "__metadata__" and v["dtype"] in dtypes:
            s, e = v["data_offsets"]
            out[key] = np.frombuffer(raw[8 + n + s:8 + n + e], dtype=dtypes[v["dtype"]]).reshape(v["shape"])
    return out


# The re-implementation must reproduce HF's own pixel_values in the conformance cases.
cases_dir = os.path.join(HERE, "..", "..", "conformance", "cases")
for case in sorted(os.listdir(cases_dir)):
    folder = os.path.join(cases_dir, case)
    if not os.path.exists(os.path.join(folder, "video.npy")):
        continue
    spec = json.load(open(os.path.join(folder, "case.json")))
    run = [r for r in spec["run"] if "--video" in r["args"]][0]
    expected = read_safetensors(os.path.join(folder, run["expect"]))["pixel_values"][0]
    cfg = json.load(open(os.path.join(folder, "preprocessor_config.json")))
    video = np.load(os.path.join(folder, "video.npy"))
    got = np.stack([preprocess_frame(f, cfg) for f in video])
    assert np.array_equal(got, expected), case
    print(f"conformance {case}: identical to HF's pixel_values")
