#!/usr/bin/env bash
# The main job on the bundled example: convert the bundled original-format VideoMAE checkpoint
# (a tiny model trained on synthetic motion clips) into an HF folder, then classify a real mp4.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
mkdir -p out
./build/vivid convert --from videomae-pth --checkpoint examples/demo/videomae_demo.pth \
  --config examples/demo/config.json --preprocessor-config examples/demo/preprocessor_config.json \
  --out out/demo-model --force
./build/vivid classify --model out/demo-model examples/demo/clips/moving_left_0.mp4 --top-k 3
