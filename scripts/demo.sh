#!/usr/bin/env bash
# The main job on the bundled example: run a bundled tiny model folder on a bundled clip.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
case_dir=tests/conformance/cases/videomae_tiny_finetuned
mkdir -p out
./build/vivid run --model "$case_dir/expected" --video "$case_dir/video.npy" --save-outputs out/demo_outputs.safetensors
echo "wrote out/demo_outputs.safetensors"
