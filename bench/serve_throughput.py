#!/usr/bin/python3
"""vivid serve: requests per second and latency percentiles, against the CLI's time per video.

    /usr/bin/python3 bench/serve_throughput.py --build build --model out/demo-model --clips examples/demo/clips

Starts `vivid serve` on a free loopback port, sends every clip --rounds times from --clients
concurrent clients (raw bytes, POST /v1/classify), and reports requests/s and p50/p90/p99 latency;
then times `vivid classify CLIPS --out` (one process, model loaded once) on the same clips for its
videos/s. Same threads for both.
"""
import argparse
import glob
import os
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("--model", required=True)
    p.add_argument("--clips", required=True)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=4)
    a = p.parse_args()
    vivid = os.path.join(a.build, "vivid")
    clips = sorted(glob.glob(os.path.join(a.clips, "*.mp4")))
    bodies = [open(c, "rb").read() for c in clips]
    port = free_port()
    server = subprocess.Popen([vivid, "serve", "--model", a.model, "--port", str(port), "--threads", str(a.threads),
                               "--batch", str(a.batch)], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    latencies, lock = [], threading.Lock()

    def client(k):
        for i in range(a.rounds * len(bodies)):
            if i % a.clients != k:
                continue
            body = bodies[i % len(bodies)]
            req = urllib.request.Request(url + "/v1/classify?top_k=1", data=body,
                                         headers={"Content-Type": "application/octet-stream"})
            t0 = time.perf_counter()
            urllib.request.urlopen(req, timeout=60).read()
            with lock:
                latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    server.terminate()
    server.wait()
    q = statistics.quantiles(latencies, n=100)
    print(f"vivid serve: {len(latencies)} requests from {a.clients} clients in {wall:.2f} s: "
          f"{len(latencies) / wall:.1f} requests/s; latency p50 {q[49] * 1000:.1f} ms, p90 {q[89] * 1000:.1f} ms, "
          f"p99 {q[98] * 1000:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([vivid, "classify", "--model", a.model, a.clips, "--out", os.path.join(tmp, "o.jsonl"),
                            "--threads", str(a.threads), "--top-k", "1"], capture_output=True, text=True, check=True)
        m = re.search(r"in ([0-9.]+) s \(([0-9.]+) videos/s\)", r.stderr)
        print(f"vivid classify (one process, same clips): {m.group(2)} videos/s, "
              f"{1000 / float(m.group(2)):.1f} ms per video (load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
