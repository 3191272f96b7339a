import { join } from 'node:path';
import { Adam, crossEntropy, ReduceLROnPlateau, SGD } from '@rnn/nn';
import { manualSeed, tensor } from '@rnn/tensor';
import { backwardStep, fit } from '@rnn/train';
import {
  CheckpointManager,
  checkpointFlags,
  checkResumeConfig,
  defineCommand,
  flags,
  interruptSignal,
  loadModelFromCheckpoint,
  MetricsLog,
  openRunDir,
  ProgressBar,
  readCheckpointMeta,
  readMetrics,
  runDirPaths,
  setupBackend,
  signalExitCode,
  trainFlags,
  UsageError,
  writeReport,
  writeRunSummary,
} from '@rnn/train/node';
import { CLASS_NAMES, readSplits, type Splits, spiralSplits } from './data';
import { MLP, type MlpConfig } from './model';
import { batches, evaluateSplit } from './training';

/** What a checkpoint's `meta` holds: enough for `eval` and `predict` to rebuild the model and the data. */
interface DemoMeta {
  model: MlpConfig;
  seed: number;
  points: number;
  data?: string;
  /** Every flag of the `train` that made it, to check a `--resume`. */
  flags: Record<string, unknown>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** The data of a run: the spirals drawn from the seed, or the splits of a `--data` folder. */
async function loadSplits(seed: number, points: number, data?: string): Promise<Splits> {
  manualSeed(seed); // data, initial weights, shuffles and dropout all follow from the seed
  return data === undefined ? spiralSplits(points) : readSplits(data);
}

export const train = defineCommand({
  description:
    'Train the MLP on two spirals (or on --data DIR with train.tsv, valid.tsv, test.tsv of x<TAB>y<TAB>label lines),\n' +
    'with a progress bar, metrics, checkpoints, early stopping and an HTML report; then test the best checkpoint.',
  flags: {
    ...trainFlags({ out: 'runs/mlp-demo' }),
    epochs: flags.int({ help: 'epochs to train', default: 120, min: 1 }),
    hidden: flags.int({ help: 'width of each hidden layer', default: 32, min: 1 }),
    layers: flags.int({ help: 'hidden layers', default: 2, min: 1 }),
    layerNorm: flags.boolean({ help: 'LayerNorm after each hidden linear layer' }),
    dropout: flags.number({ help: 'dropout after each hidden activation', default: 0, min: 0, max: 0.9 }),
    optimizer: flags.choice(['adam', 'sgd'] as const, { help: 'optimizer', default: 'adam' }),
    lr: flags.number({ help: 'learning rate', default: 0.05, above: 0 }),
    batchSize: flags.int({ help: 'examples per mini-batch', default: 50, min: 1 }),
    maxGradNorm: flags.number({ help: 'clip the gradient norm to this (default: no clipping)', above: 0 }),
    points: flags.int({ help: 'training points (valid and test: half as many each)', default: 400, min: 4 }),
    patience: flags.int({ help: 'early stopping: epochs without a better valid loss', default: 10, min: 1 }),
    keepLast: flags.int({ help: 'epoch checkpoints kept', default: 3, min: 1 }),
    logEvery: flags.int({ help: 'log a metrics record every N steps', default: 5, min: 1 }),
  },
  examples: [
    'mlp-demo train                                  # the quick demo: runs/mlp-demo',
    'mlp-demo train --layer-norm --out runs/ln --overwrite',
    'mlp-demo train --out runs/ln --resume --epochs 80  # continue a run, exactly',
  ],
  async run(c) {
    const started = performance.now();
    const backend = await setupBackend(c.backend);
    const dir = await openRunDir(c.out, c);
    const last = join(dir.checkpoints, 'last.safetensors');
    if (c.resume) checkResumeConfig(last, ((await readCheckpointMeta(last)).meta as DemoMeta).flags, c);
    const splits = await loadSplits(c.seed, c.points, c.data);
    const config: MlpConfig = {
      sizes: [2, ...new Array(c.layers).fill(c.hidden), CLASS_NAMES.length],
      layerNorm: c.layerNorm,
      dropout: c.dropout,
    };
    const model = new MLP(config);
    const optimizer =
      c.optimizer === 'adam'
        ? new Adam(model.parameters(), { lr: c.lr })
        : new SGD(model.parameters(), { lr: c.lr, momentum: 0.9 });
    const scheduler = new ReduceLROnPlateau(optimizer, { factor: 0.5, patience: 3 });
    const loader = batches(splits.train, c.batchSize);
    const meta: DemoMeta = { model: config, seed: c.seed, points: c.points, data: c.data, flags: { ...c } };
    const checkpoints = new CheckpointManager(dir.checkpoints, { keepLast: c.keepLast, meta });
    const metrics = new MetricsLog(dir.metrics);
    const interrupt = interruptSignal();

    log(
      `mlp-demo: ${splits.train.size} training points | MLP ${config.sizes.join('-')}` +
        `${c.layerNorm ? ' + LayerNorm' : ''} | ${c.optimizer} lr ${c.lr} | ${backend.description}` +
        `${c.resume ? ` | resuming ${last}` : ''}`,
    );
    const result = await fit({
      epochs: c.epochs,
      data: loader,
      model,
      optimizer,
      scheduler,
      unit: 'points',
      trainStep: async (b) => {
        const loss = crossEntropy(model.forward(b.x), b.y);
        return { ...(await backwardStep(loss, optimizer, { maxGradNorm: c.maxGradNorm })), size: b.size };
      },
      evaluate: async () => {
        const { loss, accuracy } = await evaluateSplit(model, splits.valid);
        return { loss, accuracy };
      },
      monitor: { metric: 'loss', mode: 'min' },
      earlyStopping: { patience: c.patience },
      checkpoints,
      metrics,
      logEvery: c.logEvery,
      progress: new ProgressBar(),
      signal: interrupt.signal,
      resume: c.resume,
    });
    interrupt.dispose();
    metrics.close();
    if (result.status === 'interrupted') {
      log(`stopped; continue with: mlp-demo train --out ${c.out} --resume`);
      return signalExitCode(result.reason);
    }

    // Test the best checkpoint, then draw the report and record the run.
    await loadModelFromCheckpoint(checkpoints.bestPath, model);
    const test = await evaluateSplit(model, splits.test);
    const best = result.best!;
    log(
      `${result.status === 'early-stopped' ? 'stopped early' : 'done'} after ${result.progress.epoch} epochs; ` +
        `best valid loss ${best.value.toFixed(4)} at epoch ${best.epoch}; test accuracy ${(test.accuracy * 100).toFixed(1)}%`,
    );
    const validRecord = result.progress.history.find((r) => r.split === 'valid' && r.epoch === best.epoch);
    const finalMetrics = {
      valid: validRecord?.metrics ?? {},
      test: { loss: test.loss, accuracy: test.accuracy, macroF1: test.confusion.macroF1() },
    };
    const runName = c.layerNorm ? 'MLP + LayerNorm' : 'MLP';
    const report = await writeReport(dir.report, {
      title: `mlp-demo: ${c.out}`,
      notes: [
        `${runName} ${config.sizes.join('-')}, ${backend.description}`,
        `${result.status} after ${result.progress.epoch} epochs, ${result.progress.step} steps; best checkpoint: epoch ${best.epoch}`,
      ],
      runs: [{ name: runName, records: await readMetrics(dir.metrics) }],
      curves: { metrics: ['loss', 'accuracy'] },
      confusion: test.confusion,
      finalMetrics,
      config: { ...c },
    });
    await writeRunSummary(dir.summary, {
      app: 'mlp-demo',
      config: { ...c },
      backend: backend.description,
      wallTime: (performance.now() - started) / 1000,
      metrics: finalMetrics,
      extra: {
        status: result.status,
        epochs: result.progress.epoch,
        steps: result.progress.step,
        bestEpoch: best.epoch,
      },
    });
    log('wrote:');
    for (const f of [
      dir.metrics,
      ...(await checkpoints.epochFiles()),
      checkpoints.bestPath,
      checkpoints.lastPath,
      ...report.files,
      dir.summary,
    ]) {
      log(`  ${f}`);
    }
    return 0;
  },
});

export const evalCommand = defineCommand({
  description:
    'Evaluate a checkpoint on the test split: loss, accuracy, per-class F1 (and a report with --out).',
  flags: checkpointFlags(),
  examples: [
    'mlp-demo eval --checkpoint runs/mlp-demo/checkpoints/best.safetensors --out runs/mlp-demo/eval',
  ],
  async run(c) {
    const backend = await setupBackend(c.backend);
    const meta = (await readCheckpointMeta(c.checkpoint)).meta as DemoMeta;
    const splits = await loadSplits(meta.seed, meta.points, c.data ?? meta.data);
    const model = new MLP(meta.model);
    await loadModelFromCheckpoint(c.checkpoint, model);
    const test = await evaluateSplit(model, splits.test);
    log(
      `${c.checkpoint} on ${backend.description}: test loss ${test.loss.toFixed(4)}, accuracy ${(test.accuracy * 100).toFixed(1)}%`,
    );
    for (const s of test.confusion.perClass()) {
      log(
        `  ${s.label}: precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)} (${s.support})`,
      );
    }
    if (c.out) {
      const report = await writeReport(c.out, {
        title: `mlp-demo eval: ${c.checkpoint}`,
        runs: [],
        confusion: test.confusion,
        finalMetrics: {
          test: { loss: test.loss, accuracy: test.accuracy, macroF1: test.confusion.macroF1() },
        },
      });
      log(`wrote ${report.html}`);
    }
    return 0;
  },
});

export const predict = defineCommand({
  description: 'Classify points given as x,y arguments (put -- before them when the first is negative).',
  flags: { checkpoint: checkpointFlags().checkpoint, backend: checkpointFlags().backend },
  positionals: { name: 'X,Y', help: 'a point, e.g. 0.3,-0.5', min: 1 },
  examples: ['mlp-demo predict --checkpoint runs/mlp-demo/checkpoints/best.safetensors -- 0.5,0.1 -0.2,0.3'],
  async run(c, { positionals }) {
    const points = positionals.map((p) => {
      const xy = p.split(',').map(Number);
      if (xy.length !== 2 || !xy.every(Number.isFinite)) {
        throw new UsageError(
          `mlp-demo predict: expected a point x,y (two numbers), got ${JSON.stringify(p)}`,
        );
      }
      return xy;
    });
    await setupBackend(c.backend);
    const meta = (await readCheckpointMeta(c.checkpoint)).meta as DemoMeta;
    const model = new MLP(meta.model);
    await loadModelFromCheckpoint(c.checkpoint, model);
    model.eval();
    const probs = model
      .forward(tensor(Float32Array.from(points.flat()), { shape: [points.length, 2] }))
      .softmax(1);
    const p = await probs.data();
    points.forEach(([x, y], i) => {
      const k = p[2 * i + 1] > p[2 * i] ? 1 : 0;
      log(`${x},${y}\t${CLASS_NAMES[k]}\t(p = ${p[2 * i + k].toFixed(3)})`);
    });
    return 0;
  },
});

export const compare = defineCommand({
  description: 'Draw the learning curves of several runs side by side (e.g. with and without LayerNorm).',
  flags: {
    out: flags.path({ help: 'folder for the comparison report', default: 'runs/compare', valueName: 'DIR' }),
  },
  positionals: { name: 'RUN_DIR', help: 'a --out folder of mlp-demo train', min: 1 },
  examples: ['mlp-demo compare runs/plain runs/ln --out runs/compare'],
  async run(c, { positionals }) {
    const runs = [];
    for (const d of positionals) runs.push({ name: d, records: await readMetrics(runDirPaths(d).metrics) });
    const report = await writeReport(c.out, {
      title: `mlp-demo: ${positionals.join(' vs ')}`,
      runs,
      curves: { metrics: ['loss', 'accuracy'] },
    });
    log('wrote:');
    for (const f of report.files) log(`  ${f}`);
    return 0;
  },
});
