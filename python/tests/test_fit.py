"""vivid.Model.fit / vivid.fit: a new head from labelled videos, checked against numpy."""
import json
import pathlib

import numpy as np
import pytest

import vivid
from conftest import CASES, read_safetensors

FINETUNED = CASES / "videomae_tiny_finetuned" / "expected"
CLASSES = ["alpha", "beta", "gamma"]


def make_set(root: pathlib.Path, per_class: int, seed: int):
    """root/<class>/<i>.npy: noisy clips whose brightness and colour depend on the class."""
    rng = np.random.default_rng(seed)
    paths = []
    for c, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            frames = rng.integers(0, 60, size=(10, 24, 28, 3)) + 30 + 40 * c
            frames[..., c] += 60 * c
            path = root / name / f"{i}.npy"
            np.save(path, np.clip(frames, 0, 255).astype(np.uint8))
            paths.append((path, c))
    return paths


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_fit_writes_a_folder_that_classifies_with_the_new_head(tmp_path):
    videos = make_set(tmp_path / "train", 3, 0)
    model = vivid.Model.load(FINETUNED, threads=1)
    report = model.fit(tmp_path / "train", tmp_path / "new", l2=0.05)
    assert report["folder"] == str(tmp_path / "new")
    assert [c["label"] for c in report["classes"]] == CLASSES
    assert report["l2"] == 0.05 and report["l2_chosen_by"] == "given"
    assert report["solver"]["gradient_max_norm"] < 1e-6
    assert report == {**json.loads((tmp_path / "new" / "fit_report.json").read_text()), "folder": str(tmp_path / "new")}

    before, after = read_safetensors(FINETUNED / "model.safetensors"), read_safetensors(tmp_path / "new" / "model.safetensors")
    assert sorted(before) == sorted(after)
    for name in before:
        if not name.startswith("classifier."):
            assert before[name].dtype == after[name].dtype and before[name].tobytes() == after[name].tobytes(), name
    W, b = after["classifier.weight"].astype(np.float64), after["classifier.bias"].astype(np.float64)
    assert W.shape == (3, model.info["hidden_size"]) and abs(b.sum()) < 1e-6

    fitted = vivid.Model.load(tmp_path / "new", threads=1)
    assert fitted.info["labels"] == CLASSES
    correct = 0
    for path, c in videos:
        f = model.features(path, fps=25)["vectors"][0].astype(np.float64)
        p = softmax(W @ f + b)
        got = {d["label"]: d["score"] for d in fitted.classify(path, top_k=3)}
        np.testing.assert_allclose([got[name] for name in CLASSES], p, atol=1e-5)
        correct += int(np.argmax(p) == c)
    assert report["train"]["accuracy"] == pytest.approx(correct / len(videos))

    # The free function takes the same arguments and gives the same head.
    again = vivid.fit(FINETUNED, [tmp_path / "train"], tmp_path / "again", threads=1, l2=0.05)
    np.testing.assert_array_equal(read_safetensors(tmp_path / "again" / "model.safetensors")["classifier.weight"],
                                  after["classifier.weight"])
    assert again["train"] == report["train"]


def test_fit_from_a_list_with_cross_validation_and_validation(tmp_path):
    videos = make_set(tmp_path / "clips", 4, 1)
    with open(tmp_path / "train.jsonl", "w") as f:
        for path, c in videos:
            f.write(json.dumps({"path": str(path.relative_to(tmp_path)), "label": CLASSES[c]}) + "\n")
    make_set(tmp_path / "val", 1, 9)
    report = vivid.fit(FINETUNED, None, tmp_path / "new", threads=1, train_list=tmp_path / "train.jsonl",
                       val=tmp_path / "val", l2_grid=[0.001, 0.1], l2_extra_decades=0)
    grid = report["l2_chosen_by"]["grid"]
    assert [g["l2"] for g in grid] == [0.001, 0.1]
    assert report["l2"] == min(grid, key=lambda g: g["log_loss"])["l2"]
    assert report["val"]["videos"] == 3 and len(report["val"]["per_class"]) == 3


def test_fit_errors(tmp_path):
    make_set(tmp_path / "train", 2, 0)
    pretraining = CASES / "videomae_tiny_pretrain_raw" / "expected"
    with pytest.raises(vivid.Error, match="pre-training model .* fit a fine-tuned model"):
        vivid.fit(pretraining, tmp_path / "train", tmp_path / "new", l2=0.1)
    assert not (tmp_path / "new").exists()
    with pytest.raises(TypeError, match="out must be a path"):
        vivid.fit(FINETUNED, tmp_path / "train", 3, l2=0.1)
