"""Machine facts for compare.py: CPU, load, FMA peak, and child processes with their peak RSS."""
import dataclasses
import datetime
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def has_bf16(flags):
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def facts(threads):
    lscpu = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            lscpu[key.strip()] = value.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    flags = cpu_flags()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "cpu": lscpu.get("Model name", "?"),
        "family": lscpu.get("CPU family", "?"),
        "model": lscpu.get("Model", "?"),
        "hypervisor": lscpu.get("Hypervisor vendor", ""),
        "nproc": os.cpu_count(),
        "flags": {f: f in flags for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16",
                                       "amx_bf16", "amx_int8", "amx_tile")},
        "threads": threads,
        "loadavg_before": loadavg(),
    }


def describe(f):
    flags = ", ".join(k for k, v in f["flags"].items() if v) or "none of avx2/avx512"
    return (f"{f['date']}; {f['cpu']} (family {f['family']} model {f['model']}"
            f"{', ' + f['hypervisor'] + ' guest' if f['hypervisor'] else ''}), nproc {f['nproc']}; "
            f"flags: {flags}; threads {f['threads']}")


# ----------------------------------------------------------------------------------------------
# FMA peak: 12 independent accumulator chains per thread with the widest vectors, T threads.

_FMA_SOURCE = r"""
#include <immintrin.h>
#include <omp.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#if defined(__AVX512F__)
typedef __m512 vec;
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define LANES 16
static float hsum(vec v) { return _mm512_reduce_add_ps(v); }
#else
typedef __m256 vec;
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define LANES 8
static float hsum(vec v) { float f[8]; _mm256_storeu_ps(f, v); return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7]; }
#endif

static double run(int threads, long iters, float* sink) {
    auto t0 = std::chrono::steady_clock::now();
    float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
        const float s = 1.0f + 0.001f * omp_get_thread_num();
        vec a0 = SET1(s), a1 = SET1(s + 1), a2 = SET1(s + 2), a3 = SET1(s + 3), a4 = SET1(s + 4), a5 = SET1(s + 5);
        vec a6 = SET1(s + 6), a7 = SET1(s + 7), a8 = SET1(s + 8), a9 = SET1(s + 9), a10 = SET1(s + 10), a11 = SET1(s + 11);
        const vec b = SET1(0.999999f), c = SET1(1e-6f);
        for (long i = 0; i < iters; ++i) {
            a0 = FMA(a0, b, c); a1 = FMA(a1, b, c); a2 = FMA(a2, b, c); a3 = FMA(a3, b, c);
            a4 = FMA(a4, b, c); a5 = FMA(a5, b, c); a6 = FMA(a6, b, c); a7 = FMA(a7, b, c);
            a8 = FMA(a8, b, c); a9 = FMA(a9, b, c); a10 = FMA(a10, b, c); a11 = FMA(a11, b, c);
        }
        total += hsum(a0) + hsum(a1) + hsum(a2) + hsum(a3) + hsum(a4) + hsum(a5) + hsum(a6) + hsum(a7) +
                 hsum(a8) + hsum(a9) + hsum(a10) + hsum(a11);
    }
    *sink += total;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const double target = argc > 2 ? std::atof(argv[2]) : 0.3;
    float sink = 0;
    long iters = 1000000;
    const double t = run(threads, iters, &sink);
    iters = static_cast<long>(iters * target / (t > 1e-6 ? t : 1e-6));
    double best = 1e30;
    for (int trial = 0; trial < 3; ++trial) {
        const double s = run(threads, iters, &sink);
        if (s < best) best = s;
    }
    const double gflops = 2.0 * 12 * LANES * static_cast<double>(iters) * threads / best / 1e9;
    std::printf("{\"gflops\": %.3f, \"lanes\": %d, \"threads\": %d, \"seconds\": %.4f, \"sink\": %g}\n",
                gflops, LANES, threads, best, static_cast<double>(sink));
    return 0;
}
"""


def fma_peak(threads, cache_dir):
    """Best of 3 runs of ~0.3 s, GFLOP/s, from a program compiled here with g++."""
    avx512 = "avx512f" in cpu_flags()
    isa = ["-mavx512f"] if avx512 else ["-mavx2", "-mfma"]
    key = hashlib.sha1((_FMA_SOURCE + " ".join(isa)).encode()).hexdigest()[:12]
    exe = os.path.join(cache_dir, f"fma_peak-{key}")
    if not os.path.exists(exe):
        os.makedirs(cache_dir, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as f:
            f.write(_FMA_SOURCE)
        try:
            subprocess.run(["g++", "-O2", "-fopenmp", *isa, f.name, "-o", exe + ".tmp"], check=True,
                           capture_output=True, text=True)
            os.replace(exe + ".tmp", exe)
        finally:
            os.unlink(f.name)
    out = subprocess.run([exe, str(threads)], check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    result["isa"] = "AVX-512" if avx512 else "AVX2"
    return result


# ----------------------------------------------------------------------------------------------
# Child processes, with the peak RSS the kernel recorded for each.


@dataclasses.dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    wall_s: float
    timed_out: bool = False


# A child's ru_maxrss includes the RSS of the process it was forked from (Linux carries the old
# mm's high-water mark over exec), so a command started straight from this big Python process
# (torch imported, weights generated) would never report less than this process's own peak. This
# small launcher (python -I -S, a few MB) forks the command itself and reports its wait4 rusage.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as e:
        os.write(2, ("%s: %s\\n" % (sys.argv[2], e)).encode())
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def run_process(cmd, env=None, timeout=None, cwd=None):
    """Runs cmd to completion through _LAUNCHER; peak RSS from wait4's rusage (ru_maxrss, KiB), the
    maximum over the command and the descendants it waited for."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".maxrss") as rss:
        t0 = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/python3", "-I", "-S", "-c", _LAUNCHER, rss.name, *cmd], stdout=out,
                                stderr=err, env=env, cwd=cwd, stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the command
            proc.wait()
            timed_out = True
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        text = rss.read().strip()
        return Finished(proc.returncode, out.read(), err.read(), int(text) / 1024.0 if text else 0.0, wall,
                        timed_out)
