#!/usr/bin/python3
"""Golden data for vivid's Pillow-exact resize: random RGB images resized by the real Pillow
(Image.resize, Pillow 9.4 from Debian) with every filter, on awkward sizes.

Run with /usr/bin/python3 (Debian's python3-pil, python3-numpy):
    /usr/bin/python3 tests/data/resize/make_resize_golden.py
Writes resize_cases.bin beside this script, little-endian:
    b"VIVIDRSZ", u32 image_count, u32 case_count, u32 pillow version length, version bytes
    per image: u32 height, u32 width, height*width*3 bytes (RGB rows)
    per case:  u32 image index, u32 out_height, u32 out_width, u32 PIL filter code, output bytes
"""
import os
import struct

import numpy as np
import PIL
from PIL import Image

rng = np.random.default_rng(20240607)


def noise(h, w):
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def checker(h, w):
    # Extreme 0/255 edges make bicubic and lanczos overshoot: exercises the clipping.
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.where(((yy // 2 + xx) % 2)[..., None] == 0, 255, 0).astype(np.uint8)
    return np.repeat(img, 3, axis=2) ^ np.array([0, 255, 0], dtype=np.uint8)


def gradient(h, w):
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), (xx + yy) % 256], axis=2)
    return np.clip(base + rng.integers(-8, 9, size=base.shape), 0, 255).astype(np.uint8)


# (height, width) images and the (out_height, out_width) sizes each is resized to.
images = [
    (noise(1, 1), [(1, 1), (5, 7), (3, 1)]),
    (noise(1, 17), [(1, 5), (3, 40), (2, 9), (1, 17)]),
    (noise(23, 1), [(7, 1), (50, 3), (23, 2)]),
    (noise(55, 97), [(31, 43), (55, 41)]),  # primes; one axis only
    (noise(72, 128), [(22, 39), (24, 43)]),  # like 720x1280 -> 224x398; 3x
    (noise(64, 36), [(39, 22), (32, 18), (64, 11)]),  # portrait; halving; one axis
    (noise(16, 16), [(8, 8), (5, 5), (17, 17), (15, 15), (1, 1), (16, 16), (16, 9), (9, 16)]),
    (checker(20, 28), [(30, 41), (7, 9), (10, 14)]),
    (noise(5, 7), [(29, 25), (7, 5), (6, 8)]),  # upscaling
    (gradient(48, 66), [(16, 22), (32, 44), (24, 33)]),  # exact 3x and 2x
    (gradient(40, 56), [(32, 44)]),  # the conformance cases' 40x56 -> 32x44
]
filters = [Image.NEAREST, Image.LANCZOS, Image.BILINEAR, Image.BICUBIC, Image.BOX, Image.HAMMING]

out = bytearray(b"VIVIDRSZ")
cases = bytearray()
case_count = 0
for index, (img, sizes) in enumerate(images):
    for (oh, ow) in sizes:
        for f in filters:
            res = np.asarray(Image.fromarray(img, "RGB").resize((ow, oh), resample=f))
            assert res.shape == (oh, ow, 3) and res.dtype == np.uint8
            cases += struct.pack("<4I", index, oh, ow, int(f)) + res.tobytes()
            case_count += 1
version = PIL.__version__.encode()
out += struct.pack("<3I", len(images), case_count, len(version)) + version
for img, _ in images:
    out += struct.pack("<2I", img.shape[0], img.shape[1]) + np.ascontiguousarray(img).tobytes()
out += cases
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resize_cases.bin")
with open(path, "wb") as f:
    f.write(out)
print(f"{path}: {len(images)} images, {case_count} cases, {len(out)} bytes, Pillow {PIL.__version__}")
