#!/usr/bin/env bash
# The PyTorch peer of the benchmarks: Debian's python3-torch (1.13), with OpenBLAS's threaded build (without it PyTorch
# falls back to the reference BLAS, several times slower, which would flatter PeaKd). Installs them when missing.
set -euo pipefail
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-torch libopenblas0-pthread
fi
