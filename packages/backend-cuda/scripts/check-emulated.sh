#!/usr/bin/env bash
# Runs the GPU check (device/gpu.ts) on the emulated GPU (test/emulator/libemu_cuda.so, rebuilt first
# by build-emulator.sh): the kernels' own code on the CPU, with the fake cuBLAS (a real host GEMM), with
# the built-in GEMM kernel, and with threads and blocks run in reverse order (EMU_REVERSE=1: a result
# that depends on the order threads run in between barriers changes). About a minute; proves the
# kernels' logic, not their speed.
#   bash scripts/check-emulated.sh [gpu.mjs tasks and options]   (default: conformance parity)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-emulator.sh >/dev/null
TMP="$(mktemp -d)"
node device/bundle.mjs "$TMP/gpu.mjs" >/dev/null
export RNN_CUDA_DRIVER="$PWD/test/emulator/libemu_cuda.so" RNN_CUDA_NVRTC="$PWD/test/fake-cuda/libfake_nvrtc.so"
export RNN_CUDA_CACHE_DIR=off RNN_CUDA_PYTHON=0 FAKE_CUDA_MEMORY=$((8 << 30))
if [ $# -gt 0 ]; then tasks=("$@"); else tasks=(conformance parity); fi
status=0
for blas in "$PWD/test/fake-cuda/libfake_cublas.so" off; do
  echo "== cuBLAS: $blas"
  (cd ../.. && RNN_CUDA_CUBLAS="$blas" node "$TMP/gpu.mjs" "${tasks[@]}" --out "$TMP/out-$(basename "$blas")") || status=1
done
echo "== threads and blocks in reverse order (EMU_REVERSE=1)"
(cd ../.. && EMU_REVERSE=1 RNN_CUDA_CUBLAS=off node "$TMP/gpu.mjs" "${tasks[@]}" --out "$TMP/out-reverse") || status=1
echo "results in $TMP"
exit $status
