#!/usr/bin/env bash
# The full-data runs the README quotes, one after another (run from the repo root, under the shared
# lock, e.g.):
#
#   nohup flock /tmp/rnn-full-run.lock env VARIANTS="spinn-pi bow lstm" SEEDS="0 1 2" \
#     apps/spinn/scripts/full-data-runs.sh > runs/spinn-full.log 2>&1 &
#
# Data: the 1% SNLI train sample plus 80% of dev's captions for training, the other 20% of dev for
# model selection (early stopping, best checkpoint), SNLI test for the reported accuracy.
# Each run writes runs/spinn/<model>-s<seed>/ and its summary to $RESULTS/<model>-s<seed>.json.
# The README's runs, each model at the dropout chosen on seed 0's valid accuracy among 0.1 / 0.3 / 0.5
# (scripts/dropout-sweep.sh): bag of words 0.3, LSTM 0.5, SPINN-PI 0.3 (and the REINFORCE variant with it):
#
#   R=apps/spinn/results/tuned
#   VARIANTS="bow spinn-pi" EXTRA="--dropout 0.3" RESULTS=$R apps/spinn/scripts/full-data-runs.sh
#   VARIANTS="lstm" EXTRA="--dropout 0.5" RESULTS=$R apps/spinn/scripts/full-data-runs.sh
#   VARIANTS="spinn-rl" EXTRA="--dropout 0.3 --normalize-advantages" RESULTS=$R apps/spinn/scripts/full-data-runs.sh
set -u
BIN=${BIN:-apps/spinn/dist/cli.js}
DATA=${DATA:-/work/shared/data}
VARIANTS=${VARIANTS:-"spinn-pi bow lstm spinn-rl"}
SEEDS=${SEEDS:-"0 1 2"}
EXTRA=${EXTRA:-}
RESULTS=${RESULTS:-apps/spinn/results}
mkdir -p "$RESULTS"
COMMON="--data $DATA --dev-train 0.8 --batch-size 64 --epochs 15 --patience 3"
# A larger young generation: a SPINN step allocates many small tensors (about 10% faster here).
export NODE_OPTIONS="${NODE_OPTIONS:-} --max-semi-space-size=64"
for v in $VARIANTS; do
  for s in $SEEDS; do
    echo "=== $(date -u +%FT%TZ) $v seed $s"
    # shellcheck disable=SC2086
    node "$BIN" train --model "$v" --seed "$s" $COMMON $EXTRA --out "runs/spinn/$v-s$s" --overwrite \
      --summary "$RESULTS/$v-s$s.json" || echo "=== $v seed $s failed with status $?"
  done
done
echo "=== $(date -u +%FT%TZ) done"
