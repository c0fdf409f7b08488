#!/usr/bin/env bash
# `pip install .` as a Python user runs it: a fresh virtualenv that sees Debian's numpy
# (--system-site-packages), Debian's pip/setuptools/wheel, offline (--no-build-isolation,
# --no-index: nothing fetched). Then, from outside the checkout: `import vivid` is the installed
# package (its .pyi stub and py.typed with it, the version `vivid --version` prints), and
# Model.load on the demo model classifies the demo clip as `vivid classify --json` does.
# `pip wheel .` then gives a wheel holding the same files. Needs build/vivid and out/demo-model
# (./scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
pip=("$work/venv/bin/python" -m pip --disable-pip-version-check --no-input)
start=$(date +%s)
"${pip[@]}" install --no-build-isolation --no-index -q .
echo "pip install . took $(( $(date +%s) - start )) s"

model="$root/out/demo-model"
clip="$root/examples/demo/clips/moving_left_0.mp4"
./build/vivid classify --model "$model" "$clip" --top-k 3 --json >"$work/cli.json"
(cd "$work" && "$work/venv/bin/python" - "$model" "$clip" "$work/cli.json" "$("$root/build/vivid" --version)" <<'PY'
import json, os, sys, vivid
model, clip, cli_json, cli_version = sys.argv[1:]
package = os.path.dirname(vivid.__file__)
assert package.startswith(sys.prefix), f"vivid imported from {package}, not the venv {sys.prefix}"
for f in ("__init__.pyi", "py.typed"):
    assert os.path.isfile(os.path.join(package, f)), f"{f} is not installed in {package}"
assert cli_version == f"vivid {vivid.__version__}", f"{cli_version!r} but the package says {vivid.__version__!r}"
got = vivid.Model.load(model, threads=2).classify(clip, top_k=3)
expected = json.load(open(cli_json))
assert [g["label"] for g in got] == [e["label"] for e in expected], (got, expected)
assert all(abs(g["score"] - e["score"]) <= 1e-6 for g, e in zip(got, expected)), (got, expected)
print(f"venv: vivid {vivid.__version__} from {package}: {got[0]['label']} {got[0]['score']:.4f}")
PY
)
"${pip[@]}" wheel --no-build-isolation --no-index --no-deps -q -w "$work/wheels" .
wheel=$(ls "$work"/wheels/vivid-*.whl)
/usr/bin/python3 -m zipfile -l "$wheel" | awk '{print $1}' >"$work/wheel.txt"
for f in vivid/__init__.py vivid/__init__.pyi vivid/py.typed vivid/libvivid.so.0.1; do
  grep -qx "$f" "$work/wheel.txt" || { echo "check_pip: $(basename "$wheel") lacks $f" >&2; exit 1; }
done
grep -q '^vivid/_vivid\..*\.so$' "$work/wheel.txt" || { echo "check_pip: $(basename "$wheel") lacks _vivid*.so" >&2; exit 1; }
echo "pip check passed: $(basename "$wheel"); the venv's import vivid classifies the demo clip as the CLI does"
