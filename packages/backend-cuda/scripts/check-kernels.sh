#!/usr/bin/env bash
# Compile checks that need the CUDA toolkit (nvcc, ptxas, cuda.h) but no GPU:
# - every kernel module (src/kernels/cuda, as NVRTC gets it) compiled to sm_80 and sm_90 cubins;
# - src/native/cuda_api.h's driver declarations against the SDK's cuda.h (scripts/check_api.cc).
set -euo pipefail
cd "$(dirname "$0")/.."
NVCC="${NVCC:-nvcc}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
node scripts/gen-sources.mjs --write-cu "$TMP" >/dev/null
for f in "$TMP"/*.cu; do
  for arch in sm_80 sm_90; do
    nice -n 10 "$NVCC" -std=c++17 -arch="$arch" -cubin --fmad=false -o "$TMP/$(basename "$f" .cu).$arch.cubin" "$f"
  done
  echo "ok $(basename "$f") (sm_80, sm_90)"
done
# nvcc on PATH may be a wrapper script: ask it where the toolkit is
NVCC_BIN="$("$NVCC" -v -x cu -E /dev/null 2>&1 | sed -n 's/^#\$ _NVVM_BRANCH_=.*//; s/^#\$ TOP=\(.*\)/\1/p' | head -1)"
CUDA_INCLUDE="${CUDA_INCLUDE:-${NVCC_BIN:-/usr/local/cuda}/include}"
nice -n 10 g++ -std=c++17 -fsyntax-only -I"$CUDA_INCLUDE" scripts/check_api.cc
echo "ok driver declarations match $CUDA_INCLUDE/cuda.h"
