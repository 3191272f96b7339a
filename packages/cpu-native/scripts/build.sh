#!/usr/bin/env bash
# Rebuilds the prebuilt addon prebuilds/linux-x64/rnn_cpu.node with a plain gcc command (maintainers
# only: installing the package never compiles anything). Needs gcc and Node's headers (node_api.h,
# from /usr/include/node, or set NODE_API_INCLUDE). The result links only libc (and libpthread).
set -euo pipefail
cd "$(dirname "$0")/.."
INC="${NODE_API_INCLUDE:-}"
if [ -z "$INC" ]; then
  for d in /usr/include/node "$(dirname "$(dirname "$(command -v node)")")/include/node"; do
    if [ -f "$d/node_api.h" ]; then INC="$d"; break; fi
  done
fi
[ -f "$INC/node_api.h" ] || { echo "node_api.h not found: set NODE_API_INCLUDE" >&2; exit 1; }
OUT=prebuilds/linux-x64
mkdir -p "$OUT"
gcc -O3 -std=c11 -D_GNU_SOURCE -fPIC -shared -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter \
  -I"$INC" src/native/addon.c src/native/sgemm.c src/native/kernels.c \
  -o "$OUT/rnn_cpu.node" -lpthread -lm -Wl,--as-needed -s
ls -la "$OUT/rnn_cpu.node"
