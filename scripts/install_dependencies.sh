#!/usr/bin/env bash
# Installs everything vivid needs to build and test, from Debian's packages only (and the browser
# test's npm packages). --build-only: what building and packaging need, without the browser test's.
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
  libcpp-httplib-dev liblbfgs-dev \
  python3-pip python3-setuptools python3-wheel python3-venv dpkg-dev file help2man >/dev/null
if [ "${1:-}" = "--build-only" ]; then exit 0; fi
# The browser test: Debian's chromium, driven by puppeteer-core (tests/browser, pinned by its
# package-lock.json; no browser download). npm from Debian unless a Node.js install brings its own.
$SUDO apt-get install -y -qq --no-install-recommends chromium nodejs >/dev/null
if ! command -v npm >/dev/null; then $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null; fi
(cd "$(dirname "$0")/../tests/browser" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
