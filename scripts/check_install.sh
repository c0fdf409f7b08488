#!/usr/bin/env bash
# Installs vivid (from build/) into a temporary prefix, builds examples/classify outside the
# source tree twice (CMake package, then pkg-config) and runs both on the demo clip, as a user
# of the library would. Needs ./scripts/demo.sh to have made out/demo-model.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install build --prefix "$prefix" >/dev/null
cp -r examples/classify "$work/src"
clip="$root/examples/demo/clips/moving_left_0.mp4"
model="$root/out/demo-model"

# 1. CMake: find_package(vivid) -> vivid::vivid.
cmake -S "$work/src" -B "$work/with-cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/with-cmake" >/dev/null
"$work/with-cmake/classify" "$model" "$clip" 3 | tee "$work/cmake.txt"
grep -q "moving left" "$work/cmake.txt"

# 2. pkg-config: the flags alone, no CMake.
PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name vivid.pc)")"
export PKG_CONFIG_PATH
g++ -std=c++20 "$work/src/classify.cpp" -o "$work/classify-pc" $(pkg-config --cflags --libs vivid) \
  -Wl,-rpath,"$(pkg-config --variable=libdir vivid)"
"$work/classify-pc" "$model" "$clip" 3 | tee "$work/pkg-config.txt"
grep -q "moving left" "$work/pkg-config.txt"

# 3. Python: the installed module (and its stub) import from the prefix and classify the clip.
py_dir=$(dirname "$(dirname "$(find "$prefix" -name '_vivid*.so')")")
test -f "$py_dir/vivid/__init__.pyi"
PYTHONPATH="$py_dir" /usr/bin/python3 -c "import vivid, sys; print(vivid.Model.load(sys.argv[1]).classify(sys.argv[2], top_k=1))" \
  "$model" "$clip" | tee "$work/python.txt"
grep -q "moving left" "$work/python.txt"
PYTHONPATH="$py_dir" /usr/bin/python3 "$root/examples/python/classify_folder.py" "$model" "$root/examples/demo/clips" \
  | tee "$work/python-table.txt"
grep -q "moving_left_0.mp4 *moving left" "$work/python-table.txt"

# The installed tree holds one header and the CLI lists every command.
test "$(find "$prefix/include" -type f | wc -l)" -eq 1
"$prefix/bin/vivid" --help | grep -q "classify"
echo "install check passed: $(pkg-config --modversion vivid), CMake package and pkg-config builds and the Python module classify the demo clip"
