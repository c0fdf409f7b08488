"""One vivid.Model shared by several Python threads: every call answers as if it were alone
(PRODUCT.md: "A Model (C++ and Python) may be called from several threads at once")."""
import threading

import pytest
import vivid
from conftest import SOURCE

DEMO = SOURCE / "examples" / "demo"
CLIPS = sorted(str(p) for p in (DEMO / "clips").glob("*.mp4"))


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "model"
    vivid.convert(str(DEMO / "videomae_demo.pth"), str(out), from_format="videomae-pth",
                  config=str(DEMO / "config.json"), preprocessor_config=str(DEMO / "preprocessor_config.json"))
    return vivid.Model.load(str(out), threads=1)


def differs(got, want):
    return [p["label"] for p in got] != [p["label"] for p in want] or any(
        abs(a["score"] - b["score"]) > 1e-6 for a, b in zip(got, want))


def test_one_model_shared_by_threads_answers_as_if_alone(demo_model):
    m = demo_model
    assert len(CLIPS) >= 6
    # Paths and pixel_values, so that decoding and forwards of different clips overlap.
    inputs = CLIPS + [m.pixel_values(c) for c in CLIPS]
    alone = [m.classify(x, top_k=6) for x in inputs]
    alone_by_path = dict(zip(CLIPS, alone))
    wrong, failures = [], []
    calls = 36

    def classify_many(k):
        try:
            for n in range(calls):
                i = (5 * k + n) % len(inputs)
                got = m.classify(inputs[i], top_k=6)
                if differs(got, alone[i]):
                    wrong.append(f"thread {k} call {n} input {i}: {got[0]} instead of {alone[i][0]}")
        except Exception as e:  # noqa: BLE001 - reported below with the wrong answers
            failures.append(f"thread {k}: {e!r}")

    def classify_each_many():
        try:
            for rep in range(3):
                for r in m.classify_each(CLIPS, top_k=6):
                    if "error" in r or differs(r["labels"], alone_by_path[r["path"]]):
                        wrong.append(f"classify_each rep {rep} {r['path']}: {r.get('error') or r['labels'][0]}")
        except Exception as e:  # noqa: BLE001
            failures.append(f"classify_each: {e!r}")

    threads = [threading.Thread(target=classify_many, args=(k,)) for k in range(3)]
    threads.append(threading.Thread(target=classify_each_many))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = 3 * calls + 3 * len(CLIPS)
    assert not failures, failures
    assert not wrong, f"{len(wrong)} of {total} answers differ from the model's alone: {wrong[:5]}"
