#!/usr/bin/python3
"""Regenerates the golden video cases in tests/data/video/ (run with Debian's /usr/bin/python3).

Each case folder is in the shared conformance format (kind "video"): a tiny video made with
Debian's ffmpeg CLI, case.json whose run args drive `vivid preprocess`, preprocessor_config.json,
and expected/outputs.safetensors holding what the Hugging Face video-classification pipeline
produces:
  frames       uint8 (T,H,W,3): PyAV 10 `container.seek(0)`, `container.decode(video=0)`, frames
               whose index is in indices (stopping after the last), `to_ndarray(format="rgb24")`
               (transformers pipelines/video_classification.py@02853ff8 read_video_pyav);
  indices      int64 (T): np.linspace(0, num_frames*rate - 1, num_frames, dtype=np.int64),
               only those that exist (a short video gives fewer frames, as in HF);
  pixel_values float32 (1,T,3,H,W): VideoMAEImageProcessor semantics re-implemented with numpy
               and Pillow (transformers is not installed): PIL bilinear resize of the uint8 frame
               to shortest_edge (long side int(s*long/short)), center crop at floor offsets,
               uint8 -> float64 * rescale_factor -> float32, (x - mean) / std in float32.
It also writes broken inputs (broken/) with what PyAV makes of them, and small .npy fixtures
(npy/) for the .npy reader tests. Videos are a few KB; the whole folder stays small.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

import av
import numpy as np
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
BROKEN = os.path.join(HERE, "broken")
NPY = os.path.join(HERE, "npy")

GENERATED_WITH = (
    f"PyAV {av.__version__} (Debian python3-av), FFmpeg libraries of Debian 12, Pillow {PIL.__version__}, "
    f"numpy {np.__version__}; transformers pipelines/video_classification.py@02853ff8, "
    "image_transforms.py@000593ad (VideoMAEImageProcessor semantics re-implemented in numpy+Pillow)"
)

VIDEOMAE_CONFIG = {
    "crop_size": {"height": 32, "width": 32},
    "do_center_crop": True,
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "VideoMAEImageProcessor",
    "image_std": [0.5, 0.5, 0.5],
    "resample": 2,
    "rescale_factor": 1 / 255,
    "size": {"shortest_edge": 32},
}
SMALL_CONFIG = dict(VIDEOMAE_CONFIG, crop_size={"height": 16, "width": 16}, size={"shortest_edge": 20})
IMAGENET_CONFIG = dict(
    VIDEOMAE_CONFIG,
    crop_size={"height": 16, "width": 16},
    size={"shortest_edge": 18},
    image_mean=[0.485, 0.456, 0.406],
    image_std=[0.229, 0.224, 0.225],
)

FFMPEG = ["ffmpeg", "-y", "-loglevel", "error", "-nostdin"]
BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]


def lavfi(source, size, frames, rate=25):
    return ["-f", "lavfi", "-i", f"{source}=size={size}:rate={rate}", "-frames:v", str(frames)]


# name -> (file name, ffmpeg args after the input, num_frames, frame_sampling_rate, config, description)
CASE_TABLE = [
    ("h264_yuv420p_bframes", "video.mp4", lavfi("testsrc2", "64x48", 20) + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "3", "-g", "8"],
     4, 5, VIDEOMAE_CONFIG, "H.264 High yuv420p with B-frames and three GOPs, mp4"),
    ("h264_mandelbrot_mkv", "video.mkv", lavfi("mandelbrot", "48x32", 16) + ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
     4, 4, IMAGENET_CONFIG, "mandelbrot source, H.264 in Matroska, ImageNet mean/std"),
    ("vp9_webm", "video.webm", lavfi("testsrc2", "48x32", 8) + ["-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-b:v", "200k"],
     4, 2, SMALL_CONFIG, "VP9 yuv420p in WebM"),
    ("vp9_odd_97x55", "video.webm", lavfi("testsrc2", "98x56", 6) + ["-vf", "scale=97:55", "-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-b:v", "200k"],
     2, 3, SMALL_CONFIG, "odd size 97x55, VP9 yuv420p"),
    ("mjpeg_avi", "video.avi", lavfi("testsrc2", "48x32", 6) + ["-c:v", "mjpeg", "-q:v", "5"],
     3, 2, SMALL_CONFIG, "MJPEG (yuvj420p, full range) in AVI"),
    ("mpeg4_bframes_avi", "video.avi", lavfi("testsrc2", "48x32", 14) + ["-c:v", "mpeg4", "-bf", "2", "-q:v", "6"],
     4, 3, SMALL_CONFIG, "MPEG-4 part 2 with B-frames in AVI (reordering through the container)"),
    ("h264_portrait_32x48", "video.mp4", lavfi("testsrc2", "32x48", 8) + ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
     3, 2, SMALL_CONFIG, "portrait 32x48"),
    ("h264_yuv444p_odd_97x55", "video.mp4", lavfi("testsrc2", "98x56", 6) + ["-vf", "scale=97:55", "-c:v", "libx264", "-pix_fmt", "yuv444p"],
     2, 3, SMALL_CONFIG, "H.264 High 4:4:4, odd size 97x55"),
    ("h264_10bit", "video.mp4", lavfi("testsrc2", "48x32", 8) + ["-c:v", "libx264", "-pix_fmt", "yuv420p10le"],
     3, 2, SMALL_CONFIG, "H.264 High 10, yuv420p10le"),
    ("two_frames", "video.mp4", lavfi("testsrc2", "48x32", 2) + ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
     8, 1, SMALL_CONFIG, "a 2-frame clip asked for 8 frames: HF returns the 2 that exist"),
    ("shorter_than_window", "video.mp4", lavfi("testsrc2", "48x32", 7) + ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
     4, 3, SMALL_CONFIG, "7 frames, num_frames 4 * rate 3 = 12 wanted: indices past the end are missing"),
    ("png_rgba_mov", "video.mov", lavfi("testsrc2", "48x32", 4) + ["-c:v", "png", "-pix_fmt", "rgba"],
     2, 2, SMALL_CONFIG, "RGBA source: PNG in QuickTime"),
    ("qtrle_argb_mov", "video.mov", lavfi("testsrc2", "48x32", 4) + ["-c:v", "qtrle", "-pix_fmt", "argb"],
     2, 2, SMALL_CONFIG, "ARGB source: QuickTime animation (qtrle)"),
    ("h264_aac_interleaved", "video.mp4", ["-f", "lavfi", "-i", "testsrc2=size=48x32:rate=25", "-f", "lavfi", "-i",
     "sine=frequency=440:sample_rate=8000", "-frames:v", "10", "-t", "0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p",
     "-c:a", "aac", "-b:a", "16k"],
     3, 3, SMALL_CONFIG, "H.264 video interleaved with an AAC audio track (audio packets are skipped)"),
    ("hevc_mp4", "video.mp4", lavfi("testsrc2", "48x32", 8) + ["-c:v", "libx265", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error"],
     3, 2, SMALL_CONFIG, "HEVC (libx265) yuv420p in mp4"),
    ("av1_mkv", "video.mkv", lavfi("testsrc2", "48x32", 6) + ["-c:v", "libaom-av1", "-cpu-used", "8", "-b:v", "100k", "-pix_fmt", "yuv420p"],
     3, 2, SMALL_CONFIG, "AV1 (libaom encoder; decoded by FFmpeg's default AV1 decoder) in Matroska"),
    # Cases where vivid lets the decoder drop unwanted non-reference frames (or must not): the
    # frames it keeps, and their numbering, must still be PyAV's.
    ("h264_bpyramid_rate4", "video.mp4", lavfi("testsrc2", "64x48", 72) + ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
     8, 4, VIDEOMAE_CONFIG, "libx264 defaults (3 B-frames, B-pyramid: half the frames non-reference), rate 4"),
    ("h264_bpyramid_mkv", "video.mkv", lavfi("testsrc2", "64x48", 60) + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "5"],
     6, 5, VIDEOMAE_CONFIG, "5 B-frames with B-pyramid in Matroska (millisecond timestamps), rate 5"),
    ("h264_deep_bframes", "video.mp4", lavfi("testsrc2", "64x48", 80) + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-x264-params", "bframes=16:b-adapt=0:b-pyramid=normal:keyint=40"],
     8, 6, VIDEOMAE_CONFIG, "16 consecutive B-frames (the deepest H.264 reordering), rate 6"),
    ("h264_open_gop_slices", "video.mp4", lavfi("testsrc2", "64x48", 48) + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-slices", "3", "-x264-params", "open-gop=1:keyint=10"],
     6, 5, VIDEOMAE_CONFIG, "open GOPs (B-frames before each I-frame reference the previous GOP), 3 slices per frame"),
    ("h264_interlaced", "video.mp4", lavfi("testsrc2", "64x48", 40) + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme", "-x264-params", "tff=1"],
     5, 4, VIDEOMAE_CONFIG, "interlaced (MBAFF, top field first) H.264 with B-frames"),
    ("h264_bframes_avi", "video.avi", lavfi("testsrc2", "64x48", 40) + ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
     5, 4, VIDEOMAE_CONFIG, "H.264 with B-frames in AVI: packets carry no presentation timestamps"),
    ("hevc_bframes_rate4", "video.mp4", lavfi("testsrc2", "64x48", 60) + ["-c:v", "libx265", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error:bframes=4:b-pyramid=1"],
     6, 4, VIDEOMAE_CONFIG, "HEVC with 4 B-frames and B-pyramid (TRAIL_N pictures), rate 4"),
    ("hevc_temporal_layers", "video.mp4", lavfi("testsrc2", "64x48", 40) + ["-c:v", "libx265", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error:temporal-layers=1:bframes=3"],
     5, 4, VIDEOMAE_CONFIG, "HEVC with temporal sub-layers: sub-layer non-reference pictures can be references"),
    ("mpeg4_bframes_mp4", "video.mp4", lavfi("testsrc2", "64x48", 40) + ["-c:v", "mpeg4", "-bf", "2", "-q:v", "5"],
     5, 4, VIDEOMAE_CONFIG, "MPEG-4 part 2 with B-frames in mp4 (B-frames are never references)"),
    ("mpeg2_bframes_ts", "video.ts", lavfi("testsrc2", "64x48", 40) + ["-c:v", "mpeg2video", "-bf", "2", "-q:v", "5"],
     5, 4, VIDEOMAE_CONFIG, "MPEG-2 video with B-frames in MPEG-TS"),
    ("vfr_mkv", "video.mkv", lavfi("testsrc2", "48x32", 12) + ["-vf", "setpts='if(lt(N,5),N,N*3)/25/TB'", "-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
     4, 3, SMALL_CONFIG, "variable frame rate (frame gaps after frame 5), Matroska"),
]


def run(cmd):
    subprocess.run(cmd, check=True)


def make_video(path, args):
    run(FFMPEG + args + BITEXACT + [path])


def make_edit_list(path, tmp):
    """A stream copy cut mid-GOP: the mp4 edit list makes the demuxer flag the leading packets
    as discarded, and the decoder decodes but never returns those frames."""
    make_video(tmp, lavfi("testsrc2", "64x48", 60) + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "30"])
    run(FFMPEG + ["-ss", "0.5", "-i", tmp, "-c", "copy"] + BITEXACT[:4] + [path])
    os.remove(tmp)


def make_rotated(path, tmp):
    make_video(tmp, lavfi("testsrc2", "48x32", 6) + ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
    # ffmpeg 5.1 turns the rotate tag into a display matrix when remuxing; PyAV 10 ignores it.
    run(FFMPEG + ["-i", tmp, "-c", "copy", "-metadata:s:v:0", "rotate=90"] + BITEXACT[:4] + [path])
    os.remove(tmp)


def pipeline_indices(num_frames, rate):
    return np.linspace(0, num_frames * rate - 1, num=num_frames, dtype=np.int64)


def read_video_pyav(path, indices):
    """transformers read_video_pyav, also returning the indices of the frames it kept."""
    container = av.open(path)
    frames, taken = [], []
    container.seek(0)
    start_index, end_index = indices[0], indices[-1]
    for i, frame in enumerate(container.decode(video=0)):
        if i > end_index:
            break
        if i >= start_index and i in indices:
            frames.append(frame)
            taken.append(i)
    container.close()
    return np.stack([x.to_ndarray(format="rgb24") for x in frames]), np.array(taken, dtype=np.int64)


def resize_shortest_edge(frame, size):
    h, w = frame.shape[:2]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return np.array(Image.fromarray(frame).resize((new_w, new_h), resample=Image.BILINEAR))


def videomae_pixel_values(frames, config):
    mean = np.array(config["image_mean"], dtype=np.float32)
    std = np.array(config["image_std"], dtype=np.float32)
    ch, cw = config["crop_size"]["height"], config["crop_size"]["width"]
    out = []
    for frame in frames:
        image = resize_shortest_edge(frame, config["size"]["shortest_edge"])
        h, w = image.shape[:2]
        assert h >= ch and w >= cw, "keep crops inside the resized frame"
        top, left = (h - ch) // 2, (w - cw) // 2
        image = image[top:top + ch, left:left + cw]
        x = (image.astype(np.float64) * config["rescale_factor"]).astype(np.float32)
        x = (x - mean) / std
        out.append(x.transpose(2, 0, 1))
    return np.stack(out)[None].astype(np.float32)


def write_safetensors(path, tensors):
    """The reference layout: tensors in name order, compact JSON header padded with spaces to 8."""
    names = {np.dtype(np.uint8): "U8", np.dtype(np.int64): "I64", np.dtype(np.float32): "F32"}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        data = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": names[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_case(name, file_name, num_frames, rate, config, description, make):
    folder = os.path.join(CASES, name)
    os.makedirs(os.path.join(folder, "expected"))
    video = os.path.join(folder, file_name)
    make(video)
    frames, taken = read_video_pyav(video, pipeline_indices(num_frames, rate))
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    case = {
        "name": name,
        "kind": "video",
        "description": description,
        "run": [{
            "args": ["--preprocessor-config", "preprocessor_config.json", "--video", file_name,
                     "--num-frames", str(num_frames), "--frame-sampling-rate", str(rate)],
            "expect": "expected/outputs.safetensors",
            "compare": ["frames", "indices", "pixel_values"],
        }],
        "tolerances": {"frames": 0, "indices": 0, "pixel_values": 1e-6},
        "generated_with": GENERATED_WITH,
    }
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(folder, "expected", "outputs.safetensors"),
                      {"frames": frames, "indices": taken, "pixel_values": videomae_pixel_values(frames, config)})
    print(f"{name}: {frames.shape} indices {taken.tolist()} ({os.path.getsize(video)} bytes)")


def write_npy_case():
    """A .npy clip through `vivid preprocess`: the same sampling rule over its rows."""
    def make(path):
        rng = np.random.default_rng(7)
        np.save(path, rng.integers(0, 256, size=(9, 30, 42, 3), dtype=np.uint8))
    name, num_frames, rate = "npy_clip", 4, 3
    folder = os.path.join(CASES, name)
    os.makedirs(os.path.join(folder, "expected"))
    video = os.path.join(folder, "video.npy")
    make(video)
    array = np.load(video)
    indices = pipeline_indices(num_frames, rate)
    taken = indices[indices < len(array)]
    frames = array[taken]
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(SMALL_CONFIG, f, indent=2, sort_keys=True)
    case = {
        "name": name, "kind": "video",
        "description": "uint8 (9,30,42,3) .npy clip, num_frames 4 rate 3 -> indices 0,3,7 (11 is past the end)",
        "run": [{"args": ["--preprocessor-config", "preprocessor_config.json", "--video", "video.npy",
                          "--num-frames", str(num_frames), "--frame-sampling-rate", str(rate)],
                 "expect": "expected/outputs.safetensors", "compare": ["frames", "indices", "pixel_values"]}],
        "tolerances": {"frames": 0, "indices": 0, "pixel_values": 1e-6},
        "generated_with": GENERATED_WITH,
    }
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(folder, "expected", "outputs.safetensors"),
                      {"frames": frames, "indices": taken, "pixel_values": videomae_pixel_values(frames, SMALL_CONFIG)})
    print(f"{name}: {frames.shape} indices {taken.tolist()}")


def pyav_all_frames(path):
    """Every frame PyAV yields before the end or before it raises; and the error, if any."""
    container = av.open(path)
    frames, error = [], ""
    try:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
    except av.AVError as e:
        error = type(e).__name__
    container.close()
    return frames, error


def write_broken():
    os.makedirs(BROKEN)
    with open(os.path.join(BROKEN, "not_a_video.mp4"), "w") as f:
        f.write("This is a text file, not a video.\n")
    open(os.path.join(BROKEN, "empty.mp4"), "wb").close()
    # Truncated mid-stream: moov first (faststart), then only part of the media data.
    full = os.path.join(BROKEN, "full.mp4")
    make_video(full, lavfi("testsrc2", "48x32", 40) + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", "-bf", "0", "-movflags", "+faststart"])
    data = open(full, "rb").read()
    os.remove(full)
    truncated = os.path.join(BROKEN, "truncated.mp4")
    with open(truncated, "wb") as f:
        f.write(data[: len(data) * 6 // 10])
    frames, error = pyav_all_frames(truncated)
    write_safetensors(os.path.join(BROKEN, "truncated_pyav_frames.safetensors"), {"frames": np.stack(frames)})
    print(f"truncated.mp4: PyAV yields {len(frames)} frames, then {error or 'ends'}")


def write_npy_fixtures():
    os.makedirs(NPY)
    np.save(os.path.join(NPY, "arange_u8_2x3x4x3.npy"), np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3))
    with open(os.path.join(NPY, "linspace_f32_2x3_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), version=(2, 0))


def case_makers():
    """name -> (file name, num_frames, rate, config, description, make(path)) for every case."""
    makers = {name: (file_name, num_frames, rate, config, description, lambda path, a=args: make_video(path, a))
              for name, file_name, args, num_frames, rate, config, description in CASE_TABLE}
    makers["rotation_metadata"] = ("video.mp4", 3, 2, SMALL_CONFIG,
                                   "display matrix rotation of 90 degrees: PyAV 10 ignores it (frames stay 48x32)",
                                   lambda path: make_rotated(path, path + ".tmp.mp4"))
    makers["h264_edit_list_cut"] = ("video.mp4", 8, 3, VIDEOMAE_CONFIG,
                                    "stream copy cut at 0.5 s: an edit list, leading packets flagged discard",
                                    lambda path: make_edit_list(path, path + ".tmp.mp4"))
    return makers


def main():
    if sys.executable != "/usr/bin/python3":
        print("warning: run with Debian's /usr/bin/python3 (PyAV 10, Pillow 9.4)")
    for folder in (CASES, BROKEN, NPY):
        shutil.rmtree(folder, ignore_errors=True)
    for name, maker in case_makers().items():
        write_case(name, *maker)
    write_npy_case()
    write_broken()
    write_npy_fixtures()


def main_only(names):
    """Regenerates only the named cases (leaves every other folder as it is)."""
    makers = case_makers()
    for name in names:
        shutil.rmtree(os.path.join(CASES, name), ignore_errors=True)
        write_case(name, *makers[name])


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main_only(sys.argv[1:])
    else:
        main()
