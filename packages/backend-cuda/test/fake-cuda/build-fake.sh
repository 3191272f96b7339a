#!/usr/bin/env bash
# Rebuilds the fake libcuda / NVRTC / cuBLAS the tests load (see fake_cuda.c). The binaries are
# committed so CI needs no compiler; fake.test.ts checks SOURCE_HASH against fake_cuda.c.
set -euo pipefail
cd "$(dirname "$0")"
for kind in driver nvrtc cublas; do
  define="FAKE_$(echo "$kind" | tr a-z A-Z)"
  nice -n 10 gcc -std=c11 -D_GNU_SOURCE -O1 -fPIC -shared -fvisibility=hidden -Wall -Wno-unused-parameter \
    -D"$define" fake_cuda.c -o "libfake_$kind.so" -lm -s
done
sha256sum fake_cuda.c | cut -c1-16 > SOURCE_HASH
ls -la libfake_*.so
