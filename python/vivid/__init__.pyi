"""vivid: ViViT and VideoMAE video transformers on the CPU, from video files or numpy arrays."""
from os import PathLike
from typing import Iterable, Iterator, Optional, Sequence, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

class Error(RuntimeError):
    """Every failure the library reports: the message names the file or input and the problem.
    A wrong kind of argument is a TypeError instead, an array of the wrong dtype or shape a
    ValueError; both say what is accepted."""

class Prediction(TypedDict):
    label: str
    score: float

class WindowTimes(TypedDict):
    start_frame: int
    end_frame: int
    start: float
    end: float

StrPath = Union[str, bytes, "PathLike[str]", "PathLike[bytes]"]
# A path (anything FFmpeg reads, or a .npy uint8 (T, H, W, 3) file of frames), decoded frames
# uint8 (T, H, W, 3) or pixel_values float32 (clips, T, C, H, W).
Video = Union[StrPath, npt.NDArray[np.uint8], npt.NDArray[np.float32]]
# A long video for sliding windows: a path, or decoded frames uint8 (T, H, W, 3) with fps given.
WindowVideo = Union[StrPath, npt.NDArray[np.uint8]]

class Model:
    """A ViViT or VideoMAE model loaded from a Hugging Face model folder (Model.load).

    One Model may be shared by several Python threads: calls on it are safe and each answers as
    if it were alone. The GIL is released while vivid decodes or runs the model, so other
    threads go on meanwhile."""

    @staticmethod
    def load(folder: StrPath, threads: int = 0, precision: str = "fp32", clips: int = 1, crops: int = 1,
             frame_sampling_rate: int = 0, sampling: str = "pipeline", preprocessor_config: StrPath = "",
             reference_kernels: bool = False) -> "Model":
        """Loads a local HF model folder (config.json, model.safetensors or pytorch_model.bin,
        preprocessor_config.json); not a hub id: nothing is downloaded. threads=0: as many as the
        process may use. precision: 'fp32' (the default, within 1e-4 of HF), 'bf16'
        (AVX512-BF16/AMX CPUs) or 'int8' (any CPU). preprocessor_config: a file instead of the
        folder's."""

    @property
    def info(self) -> dict:
        """architecture, model_type, pretraining, parameters, frames, channels, image_size,
        patches, hidden_size, layers, heads, norm_pix_loss, labels."""

    def classify(self, video: Video, top_k: int = 5) -> list[Prediction]:
        """Top-k labels with softmax scores, as HF's video-classification pipeline returns them.
        video: a path (anything FFmpeg reads, or a .npy uint8 (T, H, W, 3)), decoded frames uint8
        (T, H, W, 3) already sampled (T = info['frames']), or pixel_values float32 (K, T, C, H, W)
        of K clips."""

    def pixel_values(self, video: Union[StrPath, npt.NDArray[np.uint8]]) -> npt.NDArray[np.float32]:
        """The video decoded, sampled and preprocessed as HF does: float32 (clips, T, C, H, W).
        video: a path or decoded frames uint8 (T, H, W, 3) already sampled (T = info['frames'])."""

    def forward(self, pixel_values: npt.NDArray[np.float32],
                bool_masked_pos: Optional[Union[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]] = None) -> dict:
        """The model's forward: {'logits': float32 array, 'loss': float or None}. pixel_values:
        float32 (batch, T, C, H, W). Pre-training models need bool_masked_pos (batch, patches),
        True = hidden, the same count per row; a classifier takes none (a ValueError)."""

    def mask(self, batch: int, ratio: float, seed: int = 0, masking: str = "tube") -> npt.NDArray[np.uint8]:
        """A pre-training mask (batch, patches), 1 = hidden; 'tube' (VideoMAE's) or 'random'."""

    def features(self, video: WindowVideo, stride: int = 0, stride_seconds: float = 0.0, fps: float = 0.0,
                 batch: int = 1, recipe: str = "hf-pipeline") -> dict:
        """One vector per sliding window of a long video, the one the classifier reads:
        {'windows': [WindowTimes], 'vectors': float32 (windows, hidden), 'fps': float}.
        video: a path, or decoded frames uint8 (T, H, W, 3) of any length; a .npy file or frames
        need fps (their frame rate, as the CLI's --fps). stride (frames) or stride_seconds, not
        both (a ValueError); default: a window's span. recipe 'videomae-v2-tad': VideoMAE V2's
        extract_tad_feature.py (num_frames consecutive frames every 4 (stride overrides), frames/255
        squashed to the image size with torch's bilinear, no mean/std; fc_norm of the token mean)."""

    def timeline(self, video: WindowVideo, top_k: int = 5, stride: int = 0, stride_seconds: float = 0.0,
                 fps: float = 0.0, batch: int = 1) -> dict:
        """Top-k labels per sliding window and the segments of equal top label:
        {'windows': [WindowTimes + labels], 'segments': [{'start', 'end', 'label', 'score'}], 'fps'}.
        video, stride, stride_seconds and fps as for features."""

    def classify_each(self, videos: Iterable[StrPath], top_k: int = 5, prefetch: int = 2,
                      batch: int = 1) -> Iterator[dict]:
        """Classifies many videos in order, decoding ahead on a second thread: yields
        {'path', 'labels', 'frames', 'decode_ms', 'model_ms'} or {'path', 'error'}. Other calls
        on the model may run meanwhile."""

    def flops(self, batch: int = 1, masked: int = 0) -> float:
        """FLOPs of one forward (1 multiply-add = 2 FLOP)."""

    def implementations(self) -> dict[str, list[str]]:
        """The implementation each layer kind has run with."""

    def fit(self, train: Union[StrPath, Sequence[StrPath], None], out: StrPath, *, l2: Optional[float] = None,
            val: Union[StrPath, Sequence[StrPath], None] = None,
            train_list: Union[StrPath, Sequence[StrPath], None] = None,
            val_list: Union[StrPath, Sequence[StrPath], None] = None, features: Optional[StrPath] = None,
            folds: int = 5, l2_grid: Optional[Sequence[float]] = None, l2_extra_decades: int = 4,
            prefetch: int = 2, batch: int = 1,
            replace: bool = False) -> dict:
        """A new linear head on this model's features of labelled videos (class folders or JSON Lines
        {'path', 'label'}), written with the model into the folder `out`. l2=None: chosen by k-fold
        cross-validation over l2_grid, then 10x, 100x, ... its largest L (at most l2_extra_decades
        times) while the largest tried scores best. Returns fit_report.json's content plus 'folder'."""

def fit(model: StrPath, train: Union[StrPath, Sequence[StrPath], None], out: StrPath, *, threads: int = 0,
        precision: str = "fp32", clips: int = 1, crops: int = 1, frame_sampling_rate: int = 0,
        sampling: str = "pipeline", preprocessor_config: StrPath = "", l2: Optional[float] = None,
        val: Union[StrPath, Sequence[StrPath], None] = None, train_list: Union[StrPath, Sequence[StrPath], None] = None,
        val_list: Union[StrPath, Sequence[StrPath], None] = None, features: Optional[StrPath] = None, folds: int = 5,
        l2_grid: Optional[Sequence[float]] = None, l2_extra_decades: int = 4,
        prefetch: int = 2, batch: int = 1, replace: bool = False) -> dict:
    """Model.load(model, threads=..., ...).fit(train, out, ...)."""

def convert(checkpoint: StrPath, out: StrPath, from_format: str = "videomae-pth", preset: str = "",
            config: StrPath = "", preprocessor_config: StrPath = "", labels: str = "", replace: bool = False) -> dict:
    """Converts an original checkpoint ('vivit-flax' or 'videomae-pth') into an HF model folder; labels
    'kinetics400' or 'kinetics600' keeps those classes of a Kinetics-710 head (VideoMAE V2)."""

def convert_presets() -> list[dict]:
    """The released models convert knows by name: [{'name', 'format', 'has_reference_values', 'frame_sampling_rate'}]
    (frame_sampling_rate: the rate the model was evaluated at, 0 when not stated)."""

def verify(model: Model, pixel_values: npt.NDArray[np.float32], expected_logits: Sequence[float],
           bool_masked_pos: Optional[Union[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]] = None, expected_loss: Optional[float] = None,
           atol: float = 1e-4) -> list[dict]:
    """Runs the model and compares the leading logits (and loss): [{'passed', 'max_difference', 'line'}]."""
