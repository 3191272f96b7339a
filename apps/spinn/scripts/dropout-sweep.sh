#!/usr/bin/env bash
# How the README's dropout was chosen: seed 0 of each encoder at dropout 0.1 / 0.3 / 0.5 (and SPINN-PI
# with the supervised transition loss at 0.3), judged by the valid accuracy only (the held-out 20% of
# SNLI dev); test accuracy is recorded in the summaries but played no part in the choice.
# Run from the repo root; summaries go to $RESULTS/<model>-d<dropout>[-tl].json.
# The README's 30-epoch rows (a later probe): the chosen settings with --epochs 30 --patience 5, e.g.
#   node apps/spinn/dist/cli.js train --model lstm --dropout 0.5 --data DATA --dev-train 0.8 --batch-size 64 \
#     --epochs 30 --patience 5 --seed 0 --out runs/spinn-sweep/lstm-d0.5-e30 --summary $RESULTS/lstm-d0.5-e30.json
# The two later probes of the tree model (SPINN-PI-NT, and Reduce's forget gates at a bias of 1):
#   ... train --model spinn-pi-nt --dropout 0.3 $COMMON --summary $RESULTS/spinn-pi-nt-d0.3.json
#   ... train --model spinn-pi --dropout 0.3 --forget-bias 1 $COMMON --summary $RESULTS/spinn-pi-d0.3-fb1.json
set -u
BIN=${BIN:-apps/spinn/dist/cli.js}
DATA=${DATA:-/work/shared/data}
RESULTS=${RESULTS:-apps/spinn/results/sweep-seed0}
mkdir -p "$RESULTS"
COMMON="--data $DATA --dev-train 0.8 --batch-size 64 --epochs 15 --patience 3 --seed 0"
export NODE_OPTIONS="${NODE_OPTIONS:-} --max-semi-space-size=64"
run() {
  name=$1
  shift
  echo "=== $(date -u +%FT%TZ) $name"
  # shellcheck disable=SC2086
  node "$BIN" train $COMMON "$@" --out "runs/spinn-sweep/$name" --overwrite --summary "$RESULTS/$name.json" ||
    echo "=== $name failed with status $?"
}
for m in bow lstm spinn-pi; do
  for d in 0.1 0.3 0.5; do run "$m-d$d" --model "$m" --dropout "$d"; done
done
run spinn-pi-d0.3-tl --model spinn-pi --dropout 0.3 --transition-loss 1
echo "=== $(date -u +%FT%TZ) done"
