import { dirname, join } from 'node:path';
import type { Vocab } from '@rnn/data';
import { readClassListFile } from '@rnn/data/node';
import { Adam, crossEntropy } from '@rnn/nn';
import { manualSeed, noGrad, type Tensor } from '@rnn/tensor';
import { type ConfusionMatrix, fit } from '@rnn/train';
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
  writePlot,
  writeReport,
  writeRunSummary,
} from '@rnn/train/node';
import { comparisonSpec } from './compare';
import {
  encodeHeadline,
  PAD,
  readPretrained,
  readSplit,
  readThucNews,
  thucnewsFiles,
  vocabFromTokens,
} from './data';
import { TextRNN, type TextRnnConfig } from './model';
import { batches, evaluateSplit } from './training';

/** What a checkpoint's `meta` holds: enough for `eval` and `predict` to rebuild the model and encode text. */
export interface ClassifierMeta {
  model: TextRnnConfig;
  /** Class names (`class.txt`), in label order. */
  classes: string[];
  /** The characters of the vocabulary, index = id (`vocab.json`). */
  vocab: string[];
  /** Headlines are padded or cut to this many characters. */
  padSize: number;
  /** The THUCNews folder the model was trained on (absolute). */
  data: string;
  /** Every flag of the `train` that made it, to check a `--resume`. */
  flags: Record<string, unknown>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Flags a `--resume` may change: how long and how often, not what is trained. */
const MAY_CHANGE_ON_RESUME = [
  'epochs',
  'resume',
  'overwrite',
  'backend',
  'out',
  'logEvery',
  'keepLast',
  'requireImprovement',
  'evalBatchSize',
];

/** The per-class table of a confusion matrix (precision, recall, F1, support), as scikit-learn prints it. */
export function classReport(confusion: ConfusionMatrix): string {
  const rows = confusion.perClass();
  const width = Math.max(12, ...rows.map((r) => r.label.length));
  const f = (x: number) => x.toFixed(4).padStart(10);
  const lines = [`${''.padStart(width)}  precision     recall   f1-score    support`];
  for (const r of rows) {
    lines.push(
      `${r.label.padStart(width)}${f(r.precision)} ${f(r.recall)} ${f(r.f1)} ${String(r.support).padStart(10)}`,
    );
  }
  const total = rows.reduce((s, r) => s + r.support, 0);
  lines.push('');
  lines.push(
    `${'accuracy'.padStart(width)}${''.padStart(22)} ${f(confusion.accuracy())} ${String(total).padStart(10)}`,
  );
  lines.push(
    `${'macro F1'.padStart(width)}${''.padStart(22)} ${f(confusion.macroF1())} ${String(total).padStart(10)}`,
  );
  return lines.join('\n');
}

export const train = defineCommand({
  description:
    'Train the BiLSTM headline classifier on THUCNews (--data DIR; default: the sample shipped with the repo),\n' +
    'evaluating on dev every --eval-every batches with early stopping, then test the best checkpoint:\n' +
    'metrics, checkpoints, an HTML report with the curves and the test confusion matrix, and a run summary.',
  flags: {
    ...trainFlags({ out: 'runs/text-classifier' }),
    embedding: flags.choice(['pretrained', 'random'] as const, {
      help: 'character vectors: the pretrained 200-d embedding_Tencent.npz, or random (--embed-dim)',
      default: 'pretrained',
    }),
    freezeEmbedding: flags.boolean({ help: 'keep the pretrained vectors fixed (default: fine-tune them)' }),
    embedDim: flags.int({ help: 'width of random character vectors', default: 300, min: 1 }),
    hidden: flags.int({ help: 'hidden units of each LSTM direction', default: 128, min: 1 }),
    layers: flags.int({ help: 'stacked bidirectional LSTM layers', default: 2, min: 1 }),
    dropout: flags.number({ help: 'dropout between the LSTM layers', default: 0.3, min: 0, max: 0.9 }),
    layerNorm: flags.boolean({ help: 'LayerNorm on the read-out, before the classifier' }),
    packed: flags.boolean({
      help: "pack the headlines: read each direction's state at the headline's true end (default: the last padded step)",
    }),
    init: flags.choice(['xavier', 'default'] as const, {
      help: "initialisation: the tutorial's init_network (Xavier-normal, zero biases) or PyTorch's default",
      default: 'xavier',
    }),
    padSize: flags.int({ help: 'headlines are padded or cut to this many characters', default: 32, min: 1 }),
    epochs: flags.int({
      help: "epochs to train (default: the tutorial's 7 with --data, 40 on the small sample)",
      min: 1,
    }),
    batchSize: flags.int({ help: 'headlines per mini-batch', default: 64, min: 1 }),
    lr: flags.number({ help: 'Adam learning rate', default: 1e-3, above: 0 }),
    evalEvery: flags.int({
      help: 'evaluate on dev every N batches (at least once per epoch)',
      default: 100,
      min: 1,
    }),
    requireImprovement: flags.int({
      help: 'early stopping: stop when the dev loss has not improved for N batches',
      default: 10000,
      min: 1,
    }),
    evalBatchSize: flags.int({ help: 'headlines per batch when evaluating', default: 500, min: 1 }),
    keepLast: flags.int({ help: 'epoch checkpoints kept', default: 2, min: 1 }),
    logEvery: flags.int({ help: 'log the training loss every N batches', default: 100, min: 1 }),
  },
  examples: [
    'text-classifier train                      # quick run on the sample: runs/text-classifier',
    'text-classifier train --data ../shared/data --out runs/tc-full --epochs 3',
    'text-classifier train --data ../shared/data --layer-norm --init default --out runs/ln',
    'text-classifier train --out runs/tc-full --resume --epochs 4   # continue a run, exactly',
  ],
  async run(c) {
    const started = performance.now();
    const settings = { ...c, epochs: c.epochs ?? (c.data === undefined ? 40 : 7) };
    const backend = await setupBackend(c.backend);
    const dir = await openRunDir(c.out, c);
    const last = join(dir.checkpoints, 'last.safetensors');
    if (c.resume) {
      const saved = (await readCheckpointMeta(last)).meta as ClassifierMeta;
      checkResumeConfig(last, saved.flags, settings, MAY_CHANGE_ON_RESUME);
    }
    manualSeed(c.seed); // initial weights, shuffles and dropout all follow from the seed
    const files = thucnewsFiles(c.data);
    const data = await readThucNews(files);
    const pretrained =
      c.embedding === 'pretrained' ? await readPretrained(files.embeddings, data.vocab) : undefined;
    const config: TextRnnConfig = {
      vocabSize: data.vocab.size,
      embedDim: pretrained ? pretrained.shape[1] : c.embedDim,
      padId: data.vocab.id(PAD),
      pretrained: pretrained !== undefined,
      freezeEmbedding: c.freezeEmbedding,
      hidden: c.hidden,
      layers: c.layers,
      dropout: c.dropout,
      classes: data.classes.length,
      layerNorm: c.layerNorm,
      packed: c.packed,
      init: c.init,
    };
    const model = new TextRNN(config, pretrained);
    const optimizer = new Adam(
      model.parameters().filter((p) => p.requiresGrad),
      { lr: c.lr },
    );
    const padding = { padSize: c.padSize, padId: config.padId };
    const trainLoader = batches(data.train, { ...padding, batchSize: c.batchSize, shuffle: true });
    const devLoader = batches(data.dev, { ...padding, batchSize: c.evalBatchSize, shuffle: false });
    const testLoader = batches(data.test, { ...padding, batchSize: c.evalBatchSize, shuffle: false });
    // The tutorial evaluates every 100 batches and stops after `require_improvement` batches without a
    // better dev loss; an epoch shorter than --eval-every (the sample) is still evaluated once.
    const evalEvery = Math.min(c.evalEvery, trainLoader.length);
    const patience = Math.ceil(c.requireImprovement / evalEvery);
    const meta: ClassifierMeta = {
      model: config,
      classes: data.classes,
      vocab: [...data.vocab.itos],
      padSize: c.padSize,
      data: files.dir,
      flags: settings,
    };
    const checkpoints = new CheckpointManager(dir.checkpoints, { keepLast: c.keepLast, meta });
    const metrics = new MetricsLog(dir.metrics);
    const interrupt = interruptSignal();
    const runName = `BiLSTM${c.packed ? ' packed' : ''}${c.layerNorm ? ' + LayerNorm' : ''}`;

    log(
      `text-classifier: THUCNews ${files.dir}: ${data.train.length} train / ${data.dev.length} dev / ` +
        `${data.test.length} test headlines, ${data.classes.length} classes, ${data.vocab.size} characters`,
    );
    log(
      `${runName}: ${config.embedDim}-d ${c.embedding} embedding${config.pretrained ? (c.freezeEmbedding ? ' (frozen)' : ' (fine-tuned)') : ''}, ` +
        `${c.layers} x ${c.hidden} per direction, dropout ${c.dropout}, ${c.init} init, ${model.numParameters()} parameters | ` +
        `Adam lr ${c.lr}, batch ${c.batchSize}, pad ${c.padSize}, ${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'} | dev every ${evalEvery} batches, ` +
        `stop after ${patience} without a better loss | ${backend.description}${c.resume ? ` | resuming ${last}` : ''}`,
    );
    const result = await fit({
      epochs: settings.epochs,
      data: trainLoader,
      model,
      optimizer,
      unit: 'headlines',
      // One step, as in the tutorial: forward, cross-entropy, backward, Adam.
      trainStep: async (b) => {
        const outputs = model.forward(b.ids, b.lengths);
        const loss = crossEntropy(outputs, b.labels);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return { loss: await loss.item(), size: b.size };
      },
      evaluate: async () => {
        const dev = await evaluateSplit(model, devLoader, data.classes);
        return { loss: dev.loss, accuracy: dev.accuracy };
      },
      evalSplit: 'dev',
      evalEvery,
      monitor: { metric: 'loss', mode: 'min' },
      earlyStopping: { patience },
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
      log(`stopped; continue with: text-classifier train --out ${c.out} --resume (and the same flags)`);
      return signalExitCode(result.reason);
    }

    // Test the best checkpoint (lowest dev loss), then draw the report and record the run.
    await loadModelFromCheckpoint(checkpoints.bestPath, model);
    const test = await evaluateSplit(model, testLoader, data.classes);
    const best = result.best!;
    const bestDev = result.progress.history.find((r) => r.split === 'dev' && r.metrics.loss === best.value);
    log(
      `${result.status === 'early-stopped' ? 'stopped early' : 'done'} after ${result.progress.step} steps ` +
        `(${(result.progress.step / trainLoader.length).toFixed(2)} epochs); best dev loss ${best.value.toFixed(4)} ` +
        `at step ${bestDev?.step}; test accuracy ${pct(test.accuracy)}, loss ${test.loss.toFixed(4)}`,
    );
    log(classReport(test.confusion));
    const finalMetrics = {
      dev: bestDev?.metrics ?? {},
      test: { loss: test.loss, accuracy: test.accuracy, macroF1: test.confusion.macroF1() },
    };
    const wallTime = (performance.now() - started) / 1000;
    const report = await writeReport(dir.report, {
      title: `text-classifier: ${c.out}`,
      notes: [
        `${runName} on THUCNews (${files.dir}), ${backend.description}`,
        `${result.status} after ${result.progress.step} steps; best checkpoint: step ${bestDev?.step} ` +
          `(dev loss ${best.value.toFixed(4)}); test accuracy ${pct(test.accuracy)}`,
      ],
      runs: [{ name: runName, records: await readMetrics(dir.metrics) }],
      curves: { metrics: ['loss', 'accuracy'] },
      confusion: test.confusion,
      finalMetrics,
      config: settings,
    });
    await writeRunSummary(dir.summary, {
      app: 'text-classifier',
      config: settings,
      backend: backend.description,
      wallTime,
      metrics: finalMetrics,
      extra: {
        status: result.status,
        steps: result.progress.step,
        epochs: result.progress.step / trainLoader.length,
        bestStep: bestDev?.step,
        evalEvery,
        patience,
        trainingSeconds: result.progress.elapsed,
        parameters: model.numParameters(),
        perClass: test.confusion.perClass(),
        confusion: test.confusion.counts.map((row) => [...row]),
        classes: data.classes,
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

/** Rebuilds the model of a checkpoint and loads its weights. */
async function loadClassifier(
  checkpoint: string,
): Promise<{ model: TextRNN; meta: ClassifierMeta; vocab: Vocab }> {
  const meta = (await readCheckpointMeta(checkpoint)).meta as ClassifierMeta;
  const model = new TextRNN(meta.model);
  await loadModelFromCheckpoint(checkpoint, model);
  return { model, meta, vocab: vocabFromTokens(meta.vocab, checkpoint) };
}

export const evalCommand = defineCommand({
  description:
    'Evaluate a checkpoint on a split: loss, accuracy, per-class precision/recall/F1 (class names from\n' +
    'class.txt) and the confusion matrix as an image (under --out, default: eval-<split> beside the checkpoints).',
  flags: {
    ...checkpointFlags(),
    split: flags.choice(['test', 'dev', 'train'] as const, { help: 'split to evaluate', default: 'test' }),
    batchSize: flags.int({ help: 'headlines per batch', default: 500, min: 1 }),
  },
  examples: [
    'text-classifier eval --checkpoint runs/text-classifier/checkpoints/best.safetensors',
    'text-classifier eval --checkpoint runs/tc-full/checkpoints/best.safetensors --data ../shared/data --split dev',
  ],
  async run(c) {
    const backend = await setupBackend(c.backend);
    const { model, meta, vocab } = await loadClassifier(c.checkpoint);
    const files = thucnewsFiles(c.data ?? meta.data);
    const classes = await readClassListFile(files.classes);
    if (classes.length !== meta.classes.length) {
      throw new UsageError(
        `text-classifier eval: ${files.classes}: expected the ${meta.classes.length} classes the checkpoint was trained on, got ${classes.length}`,
      );
    }
    const headlines = await readSplit(files[c.split], classes, vocab);
    const loader = batches(headlines, {
      padSize: meta.padSize,
      padId: meta.model.padId,
      batchSize: c.batchSize,
      shuffle: false,
    });
    const s = await evaluateSplit(model, loader, classes);
    log(
      `${c.checkpoint} on ${files[c.split]} (${headlines.length} headlines, ${backend.description}): ` +
        `accuracy ${pct(s.accuracy)}, loss ${s.loss.toFixed(4)}, macro F1 ${s.confusion.macroF1().toFixed(4)}`,
    );
    log(classReport(s.confusion));
    const out = c.out ?? join(dirname(dirname(c.checkpoint)), `eval-${c.split}`);
    const report = await writeReport(out, {
      title: `text-classifier eval: ${c.checkpoint} on ${c.split}`,
      notes: [`${files[c.split]}, ${backend.description}`],
      runs: [],
      confusion: s.confusion,
      finalMetrics: { [c.split]: { loss: s.loss, accuracy: s.accuracy, macroF1: s.confusion.macroF1() } },
    });
    log(`wrote ${report.files.filter((f) => /confusion\.png$|index\.html$/.test(f)).join(', ')}`);
    return 0;
  },
});

/** Reads non-empty lines from standard input. */
async function stdinLines(): Promise<string[]> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

/** The top `k` classes of each headline with their probabilities. */
export async function classify(
  model: TextRNN,
  meta: ClassifierMeta,
  vocab: Vocab,
  headlines: readonly string[],
  k: number,
): Promise<{ label: string; p: number }[][]> {
  const out: { label: string; p: number }[][] = [];
  model.eval();
  for (let start = 0; start < headlines.length; start += 500) {
    const chunk = headlines
      .slice(start, start + 500)
      .map((h) => ({ ids: encodeHeadline(h, vocab), label: 0 }));
    const loader = batches(chunk, {
      padSize: meta.padSize,
      padId: meta.model.padId,
      batchSize: 500,
      shuffle: false,
    });
    for (const b of loader) {
      const top = noGrad(() => model.forward(b.ids, b.lengths).softmax(1).topk(k, 1));
      const [p, idx]: [Tensor, Tensor] = [top.values, top.indices];
      const probs = await p.data();
      const ids = await idx.data();
      for (let i = 0; i < b.size; i++) {
        const row: { label: string; p: number }[] = [];
        for (let j = 0; j < k; j++) row.push({ label: meta.classes[ids[i * k + j]], p: probs[i * k + j] });
        out.push(row);
      }
    }
  }
  return out;
}

export const predict = defineCommand({
  description:
    'Classify headlines given as arguments, or one per line on standard input: prints\n' +
    'headline<TAB>class<TAB>probability (with --top k, k class/probability pairs).',
  flags: {
    checkpoint: checkpointFlags().checkpoint,
    backend: checkpointFlags().backend,
    top: flags.int({ help: 'print the k most probable classes', default: 1, min: 1 }),
  },
  positionals: { name: 'HEADLINE', help: 'a headline (none: read lines from standard input)' },
  examples: [
    "text-classifier predict --checkpoint runs/text-classifier/checkpoints/best.safetensors '中国女排3比0战胜美国队'",
    'cut -f1 test.txt | text-classifier predict --checkpoint runs/tc-full/checkpoints/best.safetensors --top 3',
  ],
  async run(c, { positionals }) {
    await setupBackend(c.backend);
    const { model, meta, vocab } = await loadClassifier(c.checkpoint);
    if (c.top > meta.classes.length) {
      throw new UsageError(
        `text-classifier predict: --top: expected at most ${meta.classes.length} (the number of classes), got ${c.top}`,
      );
    }
    const headlines = positionals.length > 0 ? positionals : await stdinLines();
    if (headlines.length === 0)
      throw new UsageError(
        'text-classifier predict: expected headlines as arguments or on standard input, got none',
      );
    const empty = headlines.findIndex((h) => [...h].length === 0);
    if (empty >= 0) throw new UsageError(`text-classifier predict: headline ${empty + 1} is empty`);
    const results = await classify(model, meta, vocab, headlines, c.top);
    headlines.forEach((h, i) => {
      log([h, ...results[i].flatMap((r) => [r.label, r.p.toFixed(4)])].join('\t'));
    });
    return 0;
  },
});

export const compare = defineCommand({
  description:
    'Draw the learning curves of several runs: side by side on shared axes (e.g. without and with LayerNorm,\n' +
    'as the tutorial shows them) and overlaid, in a report under --out.',
  flags: {
    out: flags.path({ help: 'folder for the comparison', default: 'runs/compare', valueName: 'DIR' }),
    names: flags.string({
      help: 'names of the runs in the plots, comma-separated (default: the folders)',
      valueName: 'A,B',
    }),
    metrics: flags.string({ help: 'metrics to draw, comma-separated', default: 'loss', valueName: 'M,N' }),
  },
  positionals: { name: 'RUN_DIR', help: 'an --out folder of text-classifier train', min: 1 },
  examples: [
    'text-classifier compare runs/tc-plain runs/tc-ln --names "BiLSTM,BiLSTM + LayerNorm" --out runs/compare',
  ],
  async run(c, { positionals }) {
    const names = c.names ? c.names.split(',').map((s) => s.trim()) : positionals;
    if (names.length !== positionals.length) {
      throw new UsageError(
        `--names: expected ${positionals.length} names (one per run), got ${names.length}`,
      );
    }
    const metricNames = c.metrics
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const runs = [];
    for (const [i, d] of positionals.entries()) {
      runs.push({ name: names[i], records: await readMetrics(runDirPaths(d).metrics) });
    }
    const side = await writePlot(join(c.out, 'side-by-side'), comparisonSpec(runs, metricNames));
    const report = await writeReport(c.out, {
      title: `text-classifier: ${names.join(' vs ')}`,
      runs,
      curves: { metrics: metricNames },
    });
    log('wrote:');
    for (const f of [side.svg, side.png, ...report.files]) log(`  ${f}`);
    return 0;
  },
});
