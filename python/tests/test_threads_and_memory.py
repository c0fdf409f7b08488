"""The GIL is released while vivid works (two threads with two models run in parallel), and
repeated calls do not leak."""
import os
import threading
import time

import numpy as np
import pytest
import vivid
from conftest import CASES


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_two_threads_with_two_models_run_in_parallel(small_vivit):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: nothing to run in parallel on")
    folder, shape = small_vivit
    models = [vivid.Model.load(folder, threads=1) for _ in range(2)]
    pv = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    for m in models:
        m.forward(pv)  # primitives created, buffers grown
    reps = 6

    def work(m):
        for _ in range(reps):
            m.forward(pv)

    best = 0.0
    for _ in range(3):  # the best of three: the machine is shared
        t0 = time.perf_counter()
        work(models[0])
        work(models[1])
        sequential = time.perf_counter() - t0
        threads = [threading.Thread(target=work, args=(m,)) for m in models]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        parallel = time.perf_counter() - t0
        best = max(best, sequential / parallel)
        print(f"two models x {reps} forwards: sequential {sequential:.3f} s, two threads {parallel:.3f} s "
              f"({sequential / parallel:.2f}x)")
    # With the GIL held the threads would take as long as one after the other (1.06x measured);
    # loosely asserted.
    assert best > 1.25


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
