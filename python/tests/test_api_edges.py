"""The edges of the Python API: paths as os.PathLike, frames in memory for windows, and wrong
arguments refused with an exception that says what is accepted (never printing the array)."""
import pathlib
import re

import numpy as np
import pytest
import vivid
from conftest import CASES, VIDEO

FINETUNED = CASES / "videomae_tiny_finetuned" / "expected"
FRAMES_NPY = CASES / "videomae_tiny_finetuned" / "video.npy"
PRETRAIN = CASES / "videomae_tiny_pretrain_normpix" / "expected"


@pytest.fixture(scope="module")
def model():
    return vivid.Model.load(str(FINETUNED), threads=1)


def test_paths_may_be_pathlib_paths(model, tmp_path):
    m = vivid.Model.load(FINETUNED, threads=1, preprocessor_config=FINETUNED / "preprocessor_config.json")
    assert m.info["labels"] == model.info["labels"]
    assert m.classify(VIDEO) == model.classify(str(VIDEO))
    np.testing.assert_array_equal(m.pixel_values(VIDEO), model.pixel_values(str(VIDEO)))
    f = m.features(VIDEO, stride=4)
    np.testing.assert_array_equal(f["vectors"], model.features(str(VIDEO), stride=4)["vectors"])
    assert m.timeline(VIDEO, stride=4) == model.timeline(str(VIDEO), stride=4)
    assert m.features(FRAMES_NPY, fps=4)["fps"] == 4
    results = list(m.classify_each([VIDEO, str(VIDEO)], top_k=1))
    assert [r["path"] for r in results] == [str(VIDEO)] * 2 and "labels" in results[0]
    case = CASES / "videomae_tiny_finetuned"
    r = vivid.convert(case / "checkpoint.pth", tmp_path / "converted", from_format="videomae-pth",
                      config=case / "expected" / "config.json")
    assert r["tensors"] > 0 and (tmp_path / "converted" / "model.safetensors").exists()


def test_features_and_timeline_take_frames_in_memory_with_their_fps(model):
    frames = np.load(FRAMES_NPY)
    assert frames.dtype == np.uint8 and frames.ndim == 4
    from_file = model.features(str(FRAMES_NPY), stride=2, fps=4)
    from_memory = model.features(frames, stride=2, fps=4)
    np.testing.assert_array_equal(from_memory["vectors"], from_file["vectors"])
    assert from_memory["windows"] == from_file["windows"] and from_memory["fps"] == 4
    assert model.timeline(frames, top_k=2, stride=2, fps=4) == model.timeline(str(FRAMES_NPY), top_k=2, stride=2, fps=4)
    # A non-contiguous view is read as the same frames.
    doubled = np.repeat(frames, 2, axis=0)[::2]
    np.testing.assert_array_equal(model.features(doubled, stride=2, fps=4)["vectors"], from_file["vectors"])
    with pytest.raises(ValueError, match="fps must be given with an array of frames"):
        model.features(frames)
    with pytest.raises(ValueError, match="fps must be given"):
        model.timeline(frames)
    with pytest.raises(vivid.Error, match="frames.*a window of 8 frames"):  # shorter than one window
        model.features(frames[:5], fps=4)


def test_wrong_kinds_are_type_errors_that_say_what_is_accepted_without_printing_the_array(model):
    big = np.arange(10_000, dtype=np.int64)
    for call in (lambda: model.classify([1, 2, 3]), lambda: model.classify(7),
                 lambda: model.features(None), lambda: model.timeline({"a": 1}),
                 lambda: model.pixel_values(3.5), lambda: model.classify_each(str(VIDEO)),
                 lambda: model.classify_each([VIDEO, 5]), lambda: vivid.Model.load(42),
                 lambda: vivid.Model.load(big)):
        with pytest.raises(TypeError) as e:
            call()
        assert "str or os.PathLike" in str(e.value) and "incompatible function arguments" not in str(e.value)
        assert len(str(e.value)) < 300, str(e.value)
    with pytest.raises(TypeError, match=r"videos\[1\] must be a path .* got int"):
        model.classify_each([VIDEO, 5])
    with pytest.raises(TypeError, match="pixel_values must be a numpy array"):
        model.forward("clip.mp4")


def test_wrong_arrays_are_value_errors_that_say_what_is_accepted(model):
    shape = "(clips, 8, 3, 32, 32)"
    big = np.zeros((8, 320, 320, 3), np.float32)  # frames as floats: neither frames nor pixel_values
    cases = [
        (lambda: model.classify(big), "video must be .*uint8 \\(8, H, W, 3\\).*float32 \\(clips, 8, 3, 32, 32\\)"
                                      ", got float32 array of shape \\(8, 320, 320, 3\\)"),
        (lambda: model.classify(np.zeros((16, 32, 32, 3), np.uint8)), "got uint8 array of shape \\(16, 32, 32, 3\\)"),
        (lambda: model.classify(np.zeros((8, 32, 32, 4), np.uint8)), "uint8 \\(8, H, W, 3\\)"),
        (lambda: model.classify(np.zeros((8, 32, 32, 3), np.int64)), "got int64 array"),
        (lambda: model.classify(np.zeros((1, 8, 3, 16, 16), np.float32)), re.escape(shape)),
        (lambda: model.pixel_values(np.zeros((7, 32, 32, 3), np.uint8)), "uint8 \\(8, H, W, 3\\)"),
        (lambda: model.features(np.zeros((8, 32, 32), np.uint8), fps=4), "uint8 \\(T, H, W, 3\\)"),
        (lambda: model.features(np.zeros((0, 32, 32, 3), np.uint8), fps=4), "got uint8 array of shape \\(0, 32"),
        (lambda: model.forward(np.zeros((1, 8, 3, 16, 16), np.float32)),
         "pixel_values must be float32 \\(batch, 8, 3, 32, 32\\), got float32 array of shape \\(1, 8, 3, 16, 16\\)"),
        (lambda: vivid.verify(model, np.zeros((1, 8, 3), np.float32), [0.0]), "pixel_values must be float32"),
    ]
    for call, pattern in cases:
        with pytest.raises(ValueError, match=pattern) as e:
            call()
        assert not isinstance(e.value, vivid.Error), e.value
        assert len(str(e.value)) < 300, str(e.value)
    pre = vivid.Model.load(PRETRAIN, threads=1)
    i = pre.info
    pv = np.zeros((2, i["frames"], i["channels"], i["image_size"], i["image_size"]), np.float32)
    patches = pre.info["patches"]
    with pytest.raises(ValueError, match=f"bool_masked_pos must be bool or uint8 \\(2, {patches}\\)"):
        pre.forward(pv, np.zeros((1, patches), bool))
    with pytest.raises(ValueError, match=f"got bool array of shape \\(2, {patches + 1}\\)"):
        pre.forward(pv, np.zeros((2, patches + 1), bool))
    with pytest.raises(ValueError, match="bool_masked_pos must be"):
        pre.forward(pv, np.zeros((2, patches), np.float32))


def test_stride_and_stride_seconds_together_are_refused(model):
    for call in (model.features, model.timeline):
        with pytest.raises(ValueError, match="stride .* or stride_seconds, not both"):
            call(str(VIDEO), stride=4, stride_seconds=1.0)
    assert len(model.features(str(VIDEO), stride_seconds=0.16)["windows"]) == 4  # either alone is fine


def test_a_mask_given_to_a_classifier_is_refused(model):
    pv = model.pixel_values(str(VIDEO))
    mask = np.zeros((1, model.info["patches"]), bool)
    mask[0, :10] = True
    with pytest.raises(ValueError, match="bool_masked_pos was given but VideoMAEForVideoClassification takes none"):
        model.forward(pv, mask)
    with pytest.raises(ValueError, match="takes none"):
        vivid.verify(model, pv, [0.0], bool_masked_pos=mask.astype(np.uint8))


def test_the_module_docstring_loads_a_local_folder_not_a_hub_id():
    example = next(line for line in vivid.__doc__.splitlines() if "Model.load(" in line)
    folder = example.split("Model.load(")[1].split(",")[0].strip("\"' )")
    assert folder.startswith(("/", "./", "~")), example  # an org/name hub id would not start so
    assert "local" in vivid.__doc__ and "hub" in vivid.__doc__
    assert "several Python threads" in vivid.Model.__doc__ and "GIL is released" in vivid.Model.__doc__
    assert "os.PathLike" in vivid.Model.features.__doc__ and "fps" in vivid.Model.features.__doc__


def test_the_stub_names_every_binding_and_takes_paths():
    stub = (pathlib.Path(vivid.__file__).parent / "__init__.pyi").read_text()
    for name in ("load", "classify", "pixel_values", "forward", "mask", "features", "timeline", "classify_each",
                 "flops", "implementations"):
        assert f"def {name}(" in stub, name
    assert "def load(folder: StrPath" in stub
    assert "def features(self, video: WindowVideo" in stub and "def timeline(self, video: WindowVideo" in stub
    assert "videos: Iterable[StrPath]" in stub
    assert "several Python threads" in stub
