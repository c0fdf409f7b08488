"""VideoMAE V2 from Python: convert a V2 file (labels= takes a Kinetics-710 head's K400 rows) and
features(recipe="videomae-v2-tad") on decoded frames, against the torch reference values that
tests/data/videomae_v2/make_videomae_v2_fixtures.py wrote."""
import json

import numpy as np
import pytest

import vivid
from conftest import SOURCE, read_safetensors

V2 = SOURCE / "tests" / "data" / "videomae_v2" / "giant_like_module_fp16"


@pytest.fixture(scope="module")
def v2_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("v2")
    full, k400 = root / "full", root / "k400"
    vivid.convert(V2 / "checkpoint.pth", full, config=V2 / "config.json")
    vivid.convert(V2 / "checkpoint.pth", k400, config=V2 / "config.json", labels="kinetics400")
    return full, k400


def test_tad_recipe_on_frames_matches_extract_tad_feature(v2_folders):
    model = vivid.Model.load(v2_folders[0], threads=1)
    frames = np.load(V2 / "video.npy")
    out = model.features(frames, fps=25.0, recipe="videomae-v2-tad")
    want = read_safetensors(V2 / "expected" / "outputs.safetensors")["features"]
    assert out["vectors"].shape == want.shape
    assert np.abs(out["vectors"] - want).max() <= 1e-4
    assert [w["start_frame"] for w in out["windows"]] == [0, 4, 8, 12]


def test_kinetics400_rows_of_a_k710_head(v2_folders):
    full, k400 = (vivid.Model.load(f, threads=1) for f in v2_folders)
    pixel_values = read_safetensors(V2 / "expected" / "outputs.safetensors")["pixel_values"]
    rows = json.loads((SOURCE / "src/convert/data/kinetics710_to_kinetics400_rows.json").read_text())["rows"]
    all_logits = full.forward(pixel_values)["logits"]
    some = k400.forward(pixel_values)["logits"]
    assert some.shape == (2, 400)
    assert np.abs(some - all_logits[:, rows]).max() <= 1e-5
    assert k400.info["labels"][0] == "abseiling"


def test_unknown_recipe_and_selection_are_errors(v2_folders, tmp_path):
    model = vivid.Model.load(v2_folders[0], threads=1)
    with pytest.raises(vivid.Error, match="unknown feature recipe"):
        model.features(np.load(V2 / "video.npy"), fps=25.0, recipe="tad")
    with pytest.raises(vivid.Error, match="known: kinetics400, kinetics600"):
        vivid.convert(V2 / "checkpoint.pth", tmp_path / "x", config=V2 / "config.json", labels="kinetics700")
