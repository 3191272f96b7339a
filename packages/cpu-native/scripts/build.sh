#!/usr/bin/env bash
# Rebuilds the prebuilt addons prebuilds/<platform>-<arch>/rnn_cpu.node (maintainers only: installing
# the package never compiles anything), with plain compiler commands, all from one Linux machine:
#
#   bash scripts/build.sh                          # linux-x64, linux-arm64 and win32-x64
#   bash scripts/build.sh linux-x64 win32-x64      # some of them
#
# target       compiler (Debian package)            runs on
# linux-x64    gcc                                  glibc >= 2.17, a CPU with AVX2+FMA (AVX-512 used when there)
# linux-arm64  gcc-aarch64-linux-gnu                glibc >= 2.17 (NEON: every arm64 CPU)
# win32-x64    gcc-mingw-w64-x86-64                 Windows 10+ x64, a CPU with AVX2+FMA
#
# The Node-API headers and the import library of node.exe (from its .def files) come from the
# node-api-headers package, so the build does not depend on the local Node's headers. Linux builds
# are bound to the oldest glibc symbol versions (src/native/glibc-compat.h) and link only libc, libm
# and libpthread; the Windows build links winpthreads and libgcc statically and imports only
# KERNEL32, msvcrt and node.exe. `test/prebuilds.test.ts` checks all of that in every prebuild; the
# arm64 and Windows builds are run under qemu-user and Wine by scripts/test-prebuilds.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(linux-x64 linux-arm64 win32-x64)

NAPI="$(node -p "require('node-api-headers').include_dir")"
SOURCES=(src/native/addon.c src/native/sgemm.c src/native/kernels.c src/native/cpu-info.c src/native/fma-peak.c)
WARN=(-Wall -Wextra -Wno-unused-parameter)
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT

linux() { # <compiler> <out>
  "$1" -O3 -std=c11 -D_GNU_SOURCE -fPIC -shared -fvisibility=hidden "${WARN[@]}" \
    -include src/native/glibc-compat.h -I"$NAPI" "${SOURCES[@]}" -o "$2" \
    -Wl,--no-as-needed -l:libpthread.so.0 -Wl,--as-needed -lm -s
}

windows() { # <out>
  local def
  for def in node_api js_native_api; do
    x86_64-w64-mingw32-dlltool -d "$(node -p "require('node-api-headers').def_paths.${def}_def")" \
      -l "$BUILD/$def.a"
  done
  # -muse-unaligned-vector-move: Windows aligns the stack to 16 bytes only, and GCC's AVX spills to it
  # assume 32 (GCC bug 54412); unaligned moves cost nothing on AVX2 CPUs.
  x86_64-w64-mingw32-gcc -O3 -std=c11 -shared "${WARN[@]}" -Wa,-muse-unaligned-vector-move \
    -I"$NAPI" "${SOURCES[@]}" -o "$1" "$BUILD/node_api.a" "$BUILD/js_native_api.a" \
    -static-libgcc -Wl,-Bstatic -lpthread -Wl,-Bdynamic -s
}

for target in "${TARGETS[@]}"; do
  out="prebuilds/$target/rnn_cpu.node"
  mkdir -p "prebuilds/$target"
  case "$target" in
    linux-x64) linux gcc "$out" ;;
    linux-arm64) linux aarch64-linux-gnu-gcc "$out" ;;
    win32-x64) windows "$out" ;;
    *) echo "unknown target $target (linux-x64, linux-arm64, win32-x64)" >&2; exit 1 ;;
  esac
  ls -l "$out"
done
