#!/usr/bin/env bash
# Installs everything vivid needs to build and test, from Debian's packages only.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev libomp-14-dev \
  libgtest-dev libgmock-dev \
  nlohmann-json3-dev libcli11-dev \
  libdnnl-dev ocl-icd-opencl-dev \
  libzip-dev zipcmp zipmerge ziptool libpng-dev \
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev \
  ffmpeg \
  pybind11-dev python3-dev python3-numpy python3-pytest \
  libcpp-httplib-dev liblbfgs-dev >/dev/null
