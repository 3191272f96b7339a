#!/usr/bin/env bash
# Rebuilds prebuilds/linux-x64/rnn_cuda.node (maintainers only: installing the package never compiles
# anything). Needs g++ (C++17), the dev dependencies node-api-headers and node-addon-api (headers only,
# no node-gyp download) and, for the embedded fallback PTX, nvcc (any CUDA 12/13 toolkit; no GPU).
# The binary links libc, libdl and libpthread only (libstdc++ and libgcc are static); libcuda, NVRTC
# and cuBLAS are opened with dlopen at run time.
#   RNN_CUDA_NO_PTX=1   build without the fallback PTX (NVRTC is then required at run time)
#   NVCC=/path/to/nvcc  the compiler for the PTX (default: nvcc on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=prebuilds/linux-x64
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT" "$TMP/cu" "$TMP/ptx" "$TMP/generated"

node scripts/gen-sources.mjs --write-cu "$TMP/cu"
HASH="$(node -e "import('./scripts/kernel-sources.mjs').then(m => console.log(m.buildSources('src/kernels/cuda').hash))")"
ARCH=compute_75   # the oldest architecture CUDA 13 targets; the driver JITs it for newer GPUs
NVCC="${NVCC:-nvcc}"
if [ "${RNN_CUDA_NO_PTX:-0}" = 1 ]; then
  node scripts/embed-ptx.mjs "$TMP/generated/fallback_ptx.inc" "$HASH" "$ARCH" -
elif command -v "$NVCC" >/dev/null; then
  for f in "$TMP"/cu/*.cu; do
    name="$(basename "$f" .cu)"
    nice -n 10 "$NVCC" -std=c++17 -arch="$ARCH" -ptx --fmad=false -o "$TMP/ptx/$name.ptx" "$f"
  done
  node scripts/embed-ptx.mjs "$TMP/generated/fallback_ptx.inc" "$HASH" "$ARCH" "$TMP/ptx"
else
  echo "nvcc not found: install a CUDA toolkit or set RNN_CUDA_NO_PTX=1" >&2
  exit 1
fi

nice -n 10 g++ -std=c++17 -O2 -fPIC -shared -fvisibility=hidden -fexceptions -Wall -Wextra \
  -Wno-unused-parameter -Wno-missing-field-initializers \
  -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
  -Inode_modules/node-api-headers/include -Inode_modules/node-addon-api -I"$TMP" -Isrc/native \
  src/native/addon.cc src/native/libraries.cc src/native/context.cc src/native/compile.cc \
  -o "$OUT/rnn_cuda.node" -ldl -lpthread -Wl,--as-needed -s
ls -la "$OUT/rnn_cuda.node"
echo "glibc symbols needed up to: $(objdump -T "$OUT/rnn_cuda.node" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
