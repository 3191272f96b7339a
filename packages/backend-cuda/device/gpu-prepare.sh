#!/usr/bin/env bash
# Prepares the GPU check (run here, where node_modules exist): writes <repo>/.device/ with Node
# compressed (the GPU machine has none; see shared/tools/DEVICE.md) and the bundled harness gpu.mjs.
# The prebuilt addon, the fixtures and the PyTorch script are tracked files and travel with the tree.
# Then, on the GPU machine (one command, carry [".device"], timeout 600):
#   bash packages/backend-cuda/device/gpu-run.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$repo/.device"
grep -qx '/.device/' "$repo/.git/info/exclude" 2>/dev/null || echo '/.device/' >> "$repo/.git/info/exclude"
node_bin="$(readlink -f "$(command -v node)")"
stamp="$repo/.device/node.version"
if [ ! -f "$repo/.device/node.xz" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$(node --version)" ]; then
  echo "compressing $node_bin ($(node --version)) to .device/node.xz (a minute or two)"
  nice -n 10 xz -T2 -6 -c "$node_bin" > "$repo/.device/node.xz.tmp"
  mv "$repo/.device/node.xz.tmp" "$repo/.device/node.xz"
  node --version > "$stamp"
fi
node "$repo/packages/backend-cuda/device/bundle.mjs" "$repo/.device/gpu.mjs"
du -ch "$repo/.device"/* | tail -1
