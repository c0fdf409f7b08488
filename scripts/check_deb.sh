#!/usr/bin/env bash
# Builds the Debian package from build/ (`cpack -G DEB`), checks its file list and its
# computed Depends, unpacks it into a scratch root (`dpkg -x`, nothing installed on this
# machine) and runs what it holds from there on the demo clip: the CLI (convert the demo
# checkpoint, classify the clip), the Python module with Debian's python3, the man page.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ninja -C build >/dev/null  # the man page and everything the package holds
(cd build && cpack -G DEB -B "$work/deb" >/dev/null)
deb=$(ls "$work"/deb/vivid_*.deb)
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# The file list: the CLI, the library, the header, the CMake package, the pkg-config file,
# the Python package where Debian's python3 finds it, the man page; nothing from the build tree.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | sort >"$work/files.txt"
for expected in /usr/bin/vivid /usr/lib/libvivid.so.0.1 /usr/include/vivid/vivid.h \
    /usr/lib/cmake/vivid/vividConfig.cmake /usr/lib/cmake/vivid/vividTargets.cmake /usr/lib/pkgconfig/vivid.pc \
    /usr/lib/python3/dist-packages/vivid/__init__.py /usr/lib/python3/dist-packages/vivid/__init__.pyi \
    /usr/lib/python3/dist-packages/vivid/py.typed /usr/share/man/man1/vivid.1.gz; do
  grep -qx -- "$expected" "$work/files.txt" || { echo "check_deb: $deb lacks $expected" >&2; exit 1; }
done
grep -q '^/usr/lib/python3/dist-packages/vivid/_vivid\..*\.so$' "$work/files.txt" \
  || { echo "check_deb: $deb lacks the Python module _vivid*.so" >&2; exit 1; }
if grep -v '^/usr/' "$work/files.txt" | grep -qv '^/$'; then
  echo "check_deb: $deb has files outside /usr:" >&2; grep -v '^/usr/' "$work/files.txt" >&2; exit 1
fi
# Depends from dpkg-shlibdeps: the FFmpeg, oneDNN, libzip, libpng, OpenMP libraries the binaries link.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libavcodec libavformat libswscale libdnnl libzip libpng libgomp libc6 python3-numpy; do
  grep -q "$lib" <<<"$depends" || { echo "check_deb: Depends names no $lib: $depends" >&2; exit 1; }
done

# Unpacked into a scratch root: the CLI runs from there (its RUNPATH finds the package's own
# libvivid), converts the demo checkpoint and classifies the demo clip.
scratch="$work/root"
dpkg -x "$deb" "$scratch"
ldd "$scratch/usr/bin/vivid" | grep -q "$scratch/usr/bin/../lib/libvivid.so.0.1" \
  || { echo "check_deb: the unpacked CLI does not load the package's libvivid" >&2; ldd "$scratch/usr/bin/vivid" >&2; exit 1; }
"$scratch/usr/bin/vivid" --version
"$scratch/usr/bin/vivid" convert --from videomae-pth --checkpoint examples/demo/videomae_demo.pth \
  --config examples/demo/config.json --preprocessor-config examples/demo/preprocessor_config.json --out "$work/model" >/dev/null
"$scratch/usr/bin/vivid" classify --model "$work/model" examples/demo/clips/moving_left_0.mp4 --top-k 3 | tee "$work/cli.txt"
head -1 "$work/cli.txt" | grep -q "moving left"
# The Python module with Debian's python3, as /usr/lib/python3/dist-packages would give it.
PYTHONPATH="$scratch/usr/lib/python3/dist-packages" /usr/bin/python3 -c \
  "import sys, vivid; assert vivid.__file__.startswith(sys.argv[3]), vivid.__file__; print(vivid.Model.load(sys.argv[1]).classify(sys.argv[2], top_k=1))" \
  "$work/model" "$root/examples/demo/clips/moving_left_0.mp4" "$scratch" | tee "$work/python.txt"
grep -q "moving left" "$work/python.txt"
# The man page names every command.
zcat "$scratch/usr/share/man/man1/vivid.1.gz" | grep -q '^\.SS vivid serve'
echo "deb check passed: $(basename "$deb") unpacked classifies the demo clip from its CLI and its Python module"
