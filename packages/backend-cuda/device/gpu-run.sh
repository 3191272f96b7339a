#!/usr/bin/env bash
# The GPU check of @rnn/backend-cuda, run on the GPU machine from the repository root after
# gpu-prepare.sh wrote .device/ here (carry [".device"]):
#   bash packages/backend-cuda/device/gpu-run.sh [tasks and options of gpu.mjs]   (default: all)
# Writes into $OUT (or ./gpu-results): env.txt (GPU, driver, PyTorch, CUDA libraries), results.json,
# one .log per task, bench.md; stops itself before the run tool's 600 s limit.
set -uo pipefail
out="${OUT:-$PWD/gpu-results}"
mkdir -p "$out"
if ! command -v node >/dev/null 2>&1 || [ "$(node --version)" != "$(cat .device/node.version 2>/dev/null)" ]; then
  xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
fi
{
  echo "== date"; date -u
  echo "== node"; node --version
  echo "== nvidia-smi"; nvidia-smi 2>&1 | head -20
  echo "== python / torch"
  python3 -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU")' 2>&1
  python3 -c "import nvidia; print('nvidia wheels:', list(nvidia.__path__))" 2>&1
  echo "== CUDA libraries"
  ldconfig -p 2>/dev/null | grep -E 'libcuda\.so|libnvrtc|libcublas' | head
  ls -d /usr/local/cuda*/lib64 2>/dev/null
} > "$out/env.txt" 2>&1
cat "$out/env.txt"
# NVRTC output is cached per device: the second backend of the run (and a rerun on a warm machine) reuses it.
export RNN_CUDA_CACHE_DIR="${RNN_CUDA_CACHE_DIR:-/tmp/rnn-cuda-cache}"
# NVRTC compiles the 11 kernel modules on libuv's worker threads: one each
export UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE:-16}"
timeout -k 10 "${GPU_TIMEOUT:-560}" node .device/gpu.mjs "${@:-all}" --out "$out" 2>&1 | tee "$out/gpu.log"
status=${PIPESTATUS[0]}
echo "gpu.mjs exit status $status" | tee -a "$out/gpu.log"
exit "$status"
