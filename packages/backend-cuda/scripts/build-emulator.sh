#!/usr/bin/env bash
# Builds test/emulator/libemu_cuda.so: a stand-in for libcuda that runs the real kernels of
# src/kernels/cuda on the CPU (scripts/emulator: every module compiled as C++ for the host, each GPU
# thread a fiber, __syncthreads and warp shuffles as barriers), around the test fake's memory, streams
# and events (test/fake-cuda/fake_cuda.c). Committed so that CI runs the conformance suite and the
# PyTorch parity on the kernels' own code without a GPU (test/emulated.test.ts); EMULATOR_HASH records
# what it was built from and a test fails when it is stale. Needs g++/gcc (C++17) and node.
set -euo pipefail
cd "$(dirname "$0")/.."
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/cu" "$TMP/host" test/emulator
node scripts/gen-sources.mjs --write-cu "$TMP/cu" >/dev/null
node scripts/emulator/modules.mjs "$TMP/cu" "$TMP/host"
objs=()
for f in "$TMP"/host/*.cc scripts/emulator/emulator.cc; do
  o="$TMP/$(basename "$f" .cc).o"
  nice -n 10 g++ -std=c++17 -O1 -fPIC -fvisibility=hidden -w -Iscripts/emulator -c "$f" -o "$o" &
  objs+=("$o")
done
wait
nice -n 10 gcc -std=c11 -D_GNU_SOURCE -O1 -fPIC -fvisibility=hidden -w -DFAKE_DRIVER -DFAKE_EMULATE \
  -c test/fake-cuda/fake_cuda.c -o "$TMP/fake_driver.o"
g++ -shared -s -o test/emulator/libemu_cuda.so "${objs[@]}" "$TMP/fake_driver.o" -lm
node scripts/emulator/hash.mjs > test/emulator/EMULATOR_HASH
ls -la test/emulator/libemu_cuda.so
