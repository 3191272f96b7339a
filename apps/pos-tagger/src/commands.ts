import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readConlluFile } from '@rnn/data/node';
import { Adam, ReduceLROnPlateau } from '@rnn/nn';
import { manualSeed } from '@rnn/tensor';
import { backwardStep, type ConfusionMatrix, fit } from '@rnn/train';
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
  setupBackend,
  signalExitCode,
  trainFlags,
  UsageError,
  writeReport,
  writeRunSummary,
} from '@rnn/train/node';
import { encodeSentences, encodeUntagged, trainLoader } from './batches';
import { fillTags } from './conllu';
import {
  buildVocabularies,
  readSplits,
  type Tagset,
  taggedSentences,
  type VocabulariesJSON,
  vocabulariesFromJSON,
  vocabulariesToJSON,
} from './data';
import { Tagger, type TaggerConfig } from './model';
import { type Evaluation, evaluateTagger, evaluationMetrics } from './training';

/** What a checkpoint's `meta` holds: enough for `eval` and `predict` to rebuild the model and its vocabularies. */
interface TaggerMeta {
  model: TaggerConfig;
  vocab: VocabulariesJSON;
  tagset: Tagset;
  data?: string;
  /** Every flag of the `train` that made it, to check a `--resume`. */
  flags: Record<string, unknown>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** One line per tag: precision, recall, F1, support. */
function perTagLines(cm: ConfusionMatrix): string[] {
  const width = Math.max(...cm.labels.map((l) => l.length));
  return cm
    .perClass()
    .map(
      (s) =>
        `  ${s.label.padEnd(width)}  precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}  ` +
        `F1 ${s.f1.toFixed(3)}  (${s.support})`,
    );
}

function summaryLine(name: string, e: Evaluation): string {
  return (
    `${name}: accuracy ${pct(e.accuracy)} | known words ${pct(e.knownAccuracy)} | ` +
    `unknown words ${pct(e.unknownAccuracy)} (${e.unknownTokens} of ${e.tokens} tokens) | loss ${e.loss.toFixed(4)}`
  );
}

/** All of standard input, as UTF-8 text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function loadTagger(checkpoint: string): Promise<{ model: Tagger; meta: TaggerMeta }> {
  const meta = (await readCheckpointMeta(checkpoint)).meta as TaggerMeta;
  const model = new Tagger(meta.model);
  await loadModelFromCheckpoint(checkpoint, model);
  return { model, meta };
}

export const train = defineCommand({
  description:
    'Train the tagger on UD English EWT (--data DIR with ud-english-ewt/en_ewt-ud-{train,dev,test}.conllu;\n' +
    "default: the repo's samples, the quick run), then evaluate the best checkpoint on the test split.",
  flags: {
    ...trainFlags({ out: 'runs/pos-tagger' }),
    tagset: flags.choice(['upos', 'xpos'] as const, { help: 'tags to learn', default: 'upos' }),
    epochs: flags.int({ help: 'epochs to train', default: 30, min: 1 }),
    batchSize: flags.int({ help: 'sentences per mini-batch (length-bucketed)', default: 32, min: 1 }),
    lr: flags.number({ help: 'Adam learning rate', default: 2e-3, above: 0 }),
    wordDim: flags.int({ help: 'word embedding size', default: 100, min: 1 }),
    charDim: flags.int({ help: 'character embedding size', default: 50, min: 1 }),
    charHidden: flags.int({
      help: 'character BiLSTM size per direction (0: no character features)',
      default: 50,
      min: 0,
    }),
    hidden: flags.int({ help: 'sentence BiLSTM size per direction', default: 200, min: 1 }),
    layers: flags.int({ help: 'sentence BiLSTM layers', default: 2, min: 1 }),
    dropout: flags.number({
      help: 'dropout on the BiLSTM input, between layers, on its output',
      default: 0.33,
      min: 0,
      max: 0.9,
    }),
    wordDropout: flags.number({
      help: 'probability a training word is replaced by <unk>',
      default: 0.1,
      min: 0,
      max: 0.9,
    }),
    maxGradNorm: flags.number({ help: 'clip the gradient norm to this', default: 5, above: 0 }),
    patience: flags.int({ help: 'early stopping: epochs without a better dev accuracy', default: 6, min: 1 }),
    keepLast: flags.int({ help: 'epoch checkpoints kept', default: 1, min: 1 }),
    logEvery: flags.int({ help: 'log a metrics record every N steps', default: 50, min: 1 }),
  },
  examples: [
    "pos-tagger train                                   # the quick run on the repo's samples",
    'pos-tagger train --data ../shared/data --out runs/ewt-upos',
    'pos-tagger train --data ../shared/data --tagset xpos --out runs/ewt-xpos',
    'pos-tagger train --data ../shared/data --out runs/ewt-upos --resume --epochs 40',
  ],
  async run(c) {
    const started = performance.now();
    const backend = await setupBackend(c.backend);
    const dir = await openRunDir(c.out, c);
    const last = join(dir.checkpoints, 'last.safetensors');
    if (c.resume) checkResumeConfig(last, ((await readCheckpointMeta(last)).meta as TaggerMeta).flags, c);
    manualSeed(c.seed); // initial weights, shuffles, word and unit dropout all follow from the seed
    const splits = await readSplits(c.data, c.tagset);
    const vocab = buildVocabularies(splits.train, c.tagset, [...splits.dev, ...splits.test]);
    const train = encodeSentences(splits.train, vocab);
    const dev = encodeSentences(splits.dev, vocab);
    const test = encodeSentences(splits.test, vocab);
    const config: TaggerConfig = {
      words: vocab.words.size,
      chars: vocab.chars.size,
      tags: vocab.tags.length,
      wordDim: c.wordDim,
      charDim: c.charDim,
      charHidden: c.charHidden,
      hidden: c.hidden,
      layers: c.layers,
      dropout: c.dropout,
      wordDropout: c.wordDropout,
    };
    const model = new Tagger(config);
    const optimizer = new Adam(model.parameters(), { lr: c.lr, betas: [0.9, 0.9] });
    const scheduler = new ReduceLROnPlateau(optimizer, { mode: 'max', factor: 0.5, patience: 2 });
    const loader = trainLoader(train, vocab, c.batchSize);
    const meta: TaggerMeta = {
      model: config,
      vocab: vocabulariesToJSON(vocab),
      tagset: c.tagset,
      data: c.data,
      flags: { ...c },
    };
    const checkpoints = new CheckpointManager(dir.checkpoints, { keepLast: c.keepLast, meta });
    const metrics = new MetricsLog(dir.metrics);
    const interrupt = interruptSignal();
    const tokens = (s: typeof train) => s.reduce((n, x) => n + x.words.length, 0);

    log(
      `pos-tagger: ${c.tagset.toUpperCase()} on ${c.data ?? 'the samples'}: train ${train.length} sentences ` +
        `(${tokens(train)} tokens), dev ${dev.length}, test ${test.length} | ${vocab.words.size} words, ` +
        `${vocab.chars.size} characters, ${vocab.tags.length} tags | ${model.numParameters()} parameters | ` +
        `${backend.description}${c.resume ? ` | resuming ${last}` : ''}`,
    );
    const result = await fit({
      epochs: c.epochs,
      data: loader,
      model,
      optimizer,
      scheduler,
      unit: 'tokens',
      trainStep: async (b) => {
        const out = await backwardStep(model.loss(b), optimizer, { maxGradNorm: c.maxGradNorm });
        return { loss: out.loss, size: b.tokens };
      },
      evaluate: async () => {
        const e = await evaluateTagger(model, dev, vocab);
        return { loss: e.loss, accuracy: e.accuracy, unknown_accuracy: e.unknownAccuracy };
      },
      evalSplit: 'dev',
      monitor: { metric: 'accuracy', mode: 'max' },
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
      log(`stopped; continue with: pos-tagger train --out ${c.out} --resume (and the same flags)`);
      return signalExitCode(result.reason);
    }

    // The best checkpoint on dev, then the test split: report, confusion matrix, summary.
    await loadModelFromCheckpoint(checkpoints.bestPath, model);
    const devEval = await evaluateTagger(model, dev, vocab);
    const testEval = await evaluateTagger(model, test, vocab);
    const best = result.best!;
    log(
      `${result.status === 'early-stopped' ? 'stopped early' : 'done'} after ${result.progress.epoch} epochs; ` +
        `best dev accuracy at epoch ${best.epoch}`,
    );
    log(summaryLine('dev', devEval));
    log(summaryLine('test', testEval));
    for (const line of perTagLines(testEval.confusion)) log(line);
    const wallTime = (performance.now() - started) / 1000;
    const finalMetrics = { dev: evaluationMetrics(devEval), test: evaluationMetrics(testEval) };
    const report = await writeReport(dir.report, {
      title: `pos-tagger (${c.tagset.toUpperCase()}): ${c.out}`,
      notes: [
        `word ${c.wordDim} + char BiLSTM ${c.charHidden}×2 → ${c.layers}-layer BiLSTM ${c.hidden}×2 → Linear; ${backend.description}`,
        `${result.status} after ${result.progress.epoch} epochs, ${result.progress.step} steps; best checkpoint: epoch ${best.epoch}; ${(wallTime / 60).toFixed(1)} min`,
        'confusion matrix and per-tag scores: the test split',
      ],
      runs: [{ name: c.tagset.toUpperCase(), records: await readMetrics(dir.metrics) }],
      curves: { metrics: ['loss', 'accuracy'] },
      confusion: testEval.confusion,
      finalMetrics,
      config: { ...c },
    });
    await writeRunSummary(dir.summary, {
      app: 'pos-tagger',
      config: { ...c },
      backend: backend.description,
      wallTime,
      metrics: finalMetrics,
      extra: {
        status: result.status,
        epochs: result.progress.epoch,
        steps: result.progress.step,
        bestEpoch: best.epoch,
        trainingSeconds: result.progress.elapsed,
        parameters: model.numParameters(),
        trainSentences: train.length,
        trainTokens: tokens(train),
        history: result.progress.history
          .filter((r) => r.split === 'dev')
          .map((r) => ({ epoch: r.epoch, ...r.metrics })),
      },
    });
    log('wrote:');
    for (const f of [dir.metrics, checkpoints.bestPath, checkpoints.lastPath, ...report.files, dir.summary]) {
      log(`  ${f}`);
    }
    return 0;
  },
});

export const evalCommand = defineCommand({
  description:
    'Evaluate a checkpoint on a split: accuracy overall and on known vs unknown words, per-tag\n' +
    'precision/recall/F1, and a report with the confusion matrix image (--out, default beside the run).',
  flags: {
    ...checkpointFlags(),
    split: flags.choice(['dev', 'test'] as const, { help: 'split to evaluate', default: 'test' }),
  },
  examples: [
    'pos-tagger eval --checkpoint runs/pos-tagger/checkpoints/best.safetensors --data ../shared/data',
  ],
  async run(c) {
    const backend = await setupBackend(c.backend);
    const { model, meta } = await loadTagger(c.checkpoint);
    const vocab = vocabulariesFromJSON(meta.vocab, c.checkpoint);
    const data = c.data ?? meta.data;
    const splits = await readSplits(data, meta.tagset);
    const e = await evaluateTagger(model, encodeSentences(splits[c.split], vocab), vocab);
    log(`${c.checkpoint} (${meta.tagset.toUpperCase()}) on ${splits.files[c.split]}, ${backend.description}`);
    log(summaryLine(c.split, e));
    log(`macro F1 ${e.confusion.macroF1().toFixed(4)}`);
    for (const line of perTagLines(e.confusion)) log(line);
    // Default: beside the run's checkpoints/ folder (runs/x/eval-test), else beside the file.
    const folder = dirname(c.checkpoint);
    const out =
      c.out ?? join(basename(folder) === 'checkpoints' ? dirname(folder) : folder, `eval-${c.split}`);
    const report = await writeReport(out, {
      title: `pos-tagger eval: ${c.checkpoint} on ${c.split}`,
      notes: [`${meta.tagset.toUpperCase()}, ${splits.files[c.split]}`, backend.description],
      runs: [],
      confusion: e.confusion,
      finalMetrics: { [c.split]: evaluationMetrics(e) },
    });
    log(`wrote ${report.html} and ${join(out, 'confusion.png')}`);
    return 0;
  },
});

export const predict = defineCommand({
  description:
    'Tag sentences: each argument (or each line of standard input) is a sentence, tokenized on\n' +
    'whitespace, printed as word/TAG; or --conllu FILE, written back with the tag column filled.',
  flags: {
    checkpoint: checkpointFlags().checkpoint,
    backend: checkpointFlags().backend,
    conllu: flags.path({
      help: 'a CoNLL-U file to tag (its forms; the UPOS or XPOS column is filled)',
      mustExist: 'file',
    }),
    output: flags.path({ help: 'where the tagged CoNLL-U goes (default: standard output)' }),
  },
  positionals: { name: 'SENTENCE', help: 'a sentence, e.g. "The cat sat ."', min: 0 },
  examples: [
    'pos-tagger predict --checkpoint runs/pos-tagger/checkpoints/best.safetensors "I saw her duck ."',
    'echo "Time flies like an arrow ." | pos-tagger predict --checkpoint runs/pos-tagger/checkpoints/best.safetensors',
    'pos-tagger predict --checkpoint runs/ewt/checkpoints/best.safetensors --conllu in.conllu --output out.conllu',
  ],
  async run(c, { positionals }) {
    if (c.conllu && positionals.length > 0) {
      throw new UsageError('pos-tagger predict: give sentences or --conllu FILE, not both');
    }
    if (c.output && !c.conllu) throw new UsageError('pos-tagger predict: --output needs --conllu FILE');
    await setupBackend(c.backend);
    const { model, meta } = await loadTagger(c.checkpoint);
    const vocab = vocabulariesFromJSON(meta.vocab, c.checkpoint);
    const tag = async (sentences: string[][]) => {
      const e = await evaluateTagger(model, encodeUntagged(sentences, vocab), vocab);
      return e.predictions.map((p) => Array.from(p, (t) => vocab.tags[t]));
    };
    if (c.conllu) {
      const read = await readConlluFile(c.conllu, { validateUpos: false });
      const tags = await tag(taggedSentences(read.sentences, meta.tagset).map((s) => s.words));
      const filled = fillTags(await readFile(c.conllu, 'utf8'), tags, meta.tagset);
      if (c.output) {
        await writeFile(c.output, filled);
        log(`wrote ${c.output} (${tags.length} sentences)`);
      } else {
        process.stdout.write(filled);
      }
      return 0;
    }
    const lines = positionals.length > 0 ? positionals : (await readStdin()).split('\n');
    const sentences = lines.map((l) => l.trim().split(/\s+/).filter(Boolean)).filter((s) => s.length > 0);
    if (sentences.length === 0) {
      throw new UsageError(
        'pos-tagger predict: expected sentences as arguments or on standard input, got none',
      );
    }
    const tags = await tag(sentences);
    sentences.forEach((s, i) => {
      log(s.map((w, k) => `${w}/${tags[i][k]}`).join(' '));
    });
    return 0;
  },
});
