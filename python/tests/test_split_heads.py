"""A model with split heads (noun, then verb) answers per head in Python: each head's softmax
top-k and the joint top-k of their product, checked against numpy on the reference logits."""
import itertools

import numpy as np
import vivid
from conftest import SOURCE

FIXTURE = SOURCE / "tests" / "data" / "vivit_fe" / "fe_two_heads"


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def test_classify_answers_per_head_and_jointly():
    m = vivid.Model.load(FIXTURE / "expected", threads=1)
    assert m.info["label_heads"] == [{"name": "noun", "size": 4}, {"name": "verb", "size": 3}]
    assert m.info["temporal_layers"] == 3
    pixel_values = m.pixel_values(FIXTURE / "video.npy")
    logits = m.forward(pixel_values)["logits"][0].astype(np.float64)
    noun, verb = softmax(logits[:4]), softmax(logits[4:])
    labels = m.info["labels"]
    answer = m.classify(FIXTURE / "video.npy", top_k=2)
    assert list(answer) == ["noun", "verb", "joint"]
    assert [p["label"] for p in answer["noun"]] == [labels[i] for i in np.argsort(-noun)[:2]]
    assert [p["label"] for p in answer["verb"]] == [labels[4 + i] for i in np.argsort(-verb)[:2]]
    pairs = sorted(((noun[n] * verb[v], labels[n] + " + " + labels[4 + v])
                    for n, v in itertools.product(range(4), range(3))), reverse=True)
    assert [p["label"] for p in answer["joint"]] == [name for _, name in pairs[:2]]
    np.testing.assert_allclose([p["score"] for p in answer["joint"]], [s for s, _ in pairs[:2]], rtol=1e-5)
    assert m.classify(pixel_values, top_k=2) == answer
    records = list(m.classify_each([FIXTURE / "video.npy"], top_k=2))
    assert records[0]["labels"] == answer
