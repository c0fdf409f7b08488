"""The GIL is released while vivid works (Python runs in one thread while another is inside
vivid), and repeated calls do not leak."""
import os
import sys
import threading

import numpy as np
import pytest
import vivid
from conftest import CASES


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_python_runs_while_another_thread_is_inside_vivid(small_vivit):
    """Counted, not timed: with Python's forced GIL hand-over pushed to 10 s, this thread can run
    while the worker is inside forward() only if vivid released the GIL. Released, the count
    below ends within the worker's first forwards; held, this thread waits out the 10 s while
    the worker completes forward after forward (about 100)."""
    folder, shape = small_vivit
    model = vivid.Model.load(folder, threads=1)
    pv = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    model.forward(pv)  # primitives created, buffers grown
    started, stop = threading.Event(), threading.Event()
    completed = []

    def work():
        started.set()
        while not stop.is_set() and len(completed) < 500:
            model.forward(pv)
            completed.append(1)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        count = 0
        for _ in range(200_000):  # pure Python: runs only while this thread holds the GIL
            count += 1
        forwards_meanwhile = len(completed)
        stop.set()
        worker.join()
    finally:
        sys.setswitchinterval(interval)
    print(f"{count} Python steps here while the worker completed {forwards_meanwhile} forwards")
    assert forwards_meanwhile < 20


def test_no_leak_over_200_calls():
    m = vivid.Model.load(str(CASES / "videomae_tiny_finetuned" / "expected"), threads=1)
    pv = m.pixel_values(str(CASES / "videomae_tiny_finetuned" / "video.npy"))
    for _ in range(20):
        m.forward(pv)
        m.classify(pv)
    before = rss_mb()
    for _ in range(200):
        out = m.forward(pv)
        assert out["logits"].shape == (1, 5)
        m.classify(pv)
        m.pixel_values(str(CASES / "videomae_tiny_finetuned" / "video.npy"))
    after = rss_mb()
    assert after - before < 4, f"RSS grew {after - before:.1f} MB over 200 calls"
