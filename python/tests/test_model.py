"""vivid.Model against HF's golden outputs, the CLI, and its error paths."""
import json
import subprocess

import numpy as np
import pytest
import vivid
from conftest import CASES, CLI, VIDEO, read_safetensors

FINETUNED = str(CASES / "videomae_tiny_finetuned" / "expected")


def test_every_conformance_case_through_forward_matches_hf(cases):
    assert len(cases) >= 6
    for name in cases:
        io = read_safetensors(CASES / name / "expected" / "outputs.safetensors")
        m = vivid.Model.load(str(CASES / name / "expected"), threads=2)
        out = m.forward(io["pixel_values"], io.get("bool_masked_pos"))
        np.testing.assert_allclose(out["logits"], io["logits"], atol=1e-4, rtol=0, err_msg=name)
        if "loss" in io:
            assert out["loss"] == pytest.approx(float(io["loss"].reshape(-1)[0]), abs=1e-4), name
        else:
            assert out["loss"] is None


def test_classify_equals_the_cli():
    m = vivid.Model.load(FINETUNED)
    got = m.classify(str(VIDEO), top_k=3)
    cli = json.loads(subprocess.run([CLI, "classify", "--model", FINETUNED, str(VIDEO), "--top-k", "3", "--json"],
                                    check=True, capture_output=True, text=True).stdout)
    assert [p["label"] for p in got] == [p["label"] for p in cli]
    for a, b in zip(got, cli):
        assert a["score"] == pytest.approx(b["score"], abs=1e-12)


def test_frames_and_pixel_values_give_the_same_labels():
    m = vivid.Model.load(FINETUNED)
    pv = m.pixel_values(str(VIDEO))
    assert pv.dtype == np.float32 and pv.shape == (1, 8, 3, 32, 32)
    from_path = m.classify(str(VIDEO))
    assert m.classify(pv) == from_path
    frames = np.load(CASES / "videomae_tiny_finetuned" / "video.npy")
    assert frames.dtype == np.uint8
    assert m.classify(frames[:8])[0]["label"] == m.classify(str(CASES / "videomae_tiny_finetuned" / "video.npy"))[0]["label"]


def test_pretraining_mask_and_loss():
    folder = str(CASES / "videomae_tiny_pretrain_normpix" / "expected")
    m = vivid.Model.load(folder)
    assert m.info["pretraining"]
    io = read_safetensors(CASES / "videomae_tiny_pretrain_normpix" / "expected" / "outputs.safetensors")
    mask = m.mask(1, 0.75, seed=3)
    assert mask.shape == (1, m.info["patches"]) and mask.dtype == np.uint8
    assert int(mask.sum()) > 0
    out = m.forward(io["pixel_values"][:1], mask.astype(bool))
    assert out["loss"] is not None and out["loss"] > 0
    assert out["logits"].shape[1] == int(mask.sum())
    with pytest.raises(vivid.Error, match="bool_masked_pos"):
        m.forward(io["pixel_values"][:1])


def test_errors_are_the_right_exceptions(tmp_path):
    with pytest.raises(vivid.Error, match="nonexistent"):
        vivid.Model.load(str(tmp_path / "nonexistent"))
    m = vivid.Model.load(FINETUNED)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(vivid.Error, match="bad.mp4"):
        m.classify(str(bad))
    assert issubclass(vivid.Error, RuntimeError)
    with pytest.raises(ValueError, match=r"pixel_values must be float32 \(batch, 8, 3, 32, 32\), got float32 array"):
        m.forward(np.zeros((1, 8, 3), np.float32))
    with pytest.raises(ValueError, match="must be float32"):
        m.forward(np.zeros((1, 8, 3, 32, 32), np.complex64))
    with pytest.raises(ValueError, match=r"pixel_values must be .* got float32 array of shape \(1, 8, 3, 16, 16\)"):
        m.forward(np.zeros((1, 8, 3, 16, 16), np.float32))
    with pytest.raises(ValueError):
        vivid.Model.load(FINETUNED, sampling="sideways")
    with pytest.raises(vivid.Error, match="precision"):
        vivid.Model.load(FINETUNED, precision="fp8")


def test_inputs_of_another_dtype_or_layout_are_converted_once():
    m = vivid.Model.load(FINETUNED)
    io = read_safetensors(CASES / "videomae_tiny_finetuned" / "expected" / "outputs.safetensors")
    pv = io["pixel_values"]
    want = m.forward(pv)["logits"]
    np.testing.assert_array_equal(m.forward(pv.astype(np.float64))["logits"], want)  # converted
    fortran = np.asfortranarray(pv)
    np.testing.assert_array_equal(m.forward(fortran)["logits"], want)  # made contiguous


def test_info_classify_each_features_timeline():
    m = vivid.Model.load(FINETUNED)
    info = m.info
    assert info["architecture"] == "VideoMAEForVideoClassification" and len(info["labels"]) == 5
    results = list(m.classify_each([str(VIDEO), "/no/such.mp4"], top_k=1))
    assert results[0]["path"] == str(VIDEO) and results[0]["labels"][0]["label"] == m.classify(str(VIDEO))[0]["label"]
    assert "/no/such.mp4" in results[1]["error"]
    f = m.features(str(VIDEO), stride=4)
    assert f["vectors"].shape == (4, info["hidden_size"]) and f["fps"] == pytest.approx(25.0)
    assert [w["start_frame"] for w in f["windows"]] == [0, 4, 8, 12]
    t = m.timeline(str(VIDEO), top_k=2, stride=4)
    assert len(t["windows"]) == 4 and t["segments"][0]["start"] == 0.0
    assert t["windows"][0]["labels"][0]["label"] == m.classify(str(VIDEO))[0]["label"]


def test_convert_and_verify(tmp_path):
    presets = vivid.convert_presets()
    assert any(p["name"].startswith("videomae") for p in presets)
    rates = {p["name"]: p["frame_sampling_rate"] for p in presets}
    assert rates["vivit-l-16x2-fe-kinetics600"] == 2 and rates["vivit-l-16x2-fe-epic-kitchens"] == 1
    case = CASES / "videomae_tiny_finetuned"
    checkpoint = next(case.glob("*.pth"))
    out = tmp_path / "converted"
    r = vivid.convert(str(checkpoint), str(out), from_format="videomae-pth", config=str(case / "expected" / "config.json"))
    assert r["architecture"] == "VideoMAEForVideoClassification" and r["tensors"] > 0
    converted = read_safetensors(out / "model.safetensors")
    expected = read_safetensors(case / "expected" / "model.safetensors")
    assert converted.keys() == expected.keys()
    for k in expected:
        np.testing.assert_array_equal(converted[k], expected[k], err_msg=k)
    io = read_safetensors(case / "expected" / "outputs.safetensors")
    m = vivid.Model.load(str(out))
    checks = vivid.verify(m, io["pixel_values"], io["logits"][0, :3].tolist())
    assert all(c["passed"] for c in checks), checks
    checks = vivid.verify(m, io["pixel_values"], (io["logits"][0, :3] + 0.01).tolist())
    assert not all(c["passed"] for c in checks)
