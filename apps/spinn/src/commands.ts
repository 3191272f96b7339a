import { readFile, writeFile } from 'node:fs/promises';
import { formatBinaryBracketing, Vocab } from '@rnn/data';
import { Adam, ReduceLROnPlateau } from '@rnn/nn';
import { MovingAverageBaseline } from '@rnn/rl';
import { manualSeed, noGrad } from '@rnn/tensor';
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
import { benchThroughput } from './bench';
import {
  buildVocab,
  collatePairs,
  type EncodedPair,
  encodePairs,
  LABELS,
  readSplits,
  trainLoader,
} from './data';
import { NliClassifier, type NliConfig } from './model/classifier';
import { Spinn } from './model/spinn';
import { leftBranching, randomTransitions, rightBranching, seededUniform } from './model/trees';
import { summarizeRuns } from './summarize';
import { readSentence } from './tokenize';
import {
  batchLoss,
  type Evaluation,
  evaluatePairs,
  modelConfig,
  referenceTreeStats,
  VARIANT_NAMES,
  VARIANTS,
  type Variant,
} from './training';
import { alignVectors, readVectors } from './vectors';

/** What a checkpoint's `meta` holds: enough for `eval` and `predict` to rebuild the model and its inputs. */
interface SpinnMeta {
  variant: Variant;
  model: NliConfig;
  vocab: string[];
  lowercase: boolean;
  data?: string;
  /** Every flag of the `train` that made it, to check a `--resume`. */
  flags: Record<string, unknown>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Tree statistics in one line. */
function treeLine(t: Record<string, number>): string {
  const parts = [
    `REDUCE among free choices ${pct(t.freeReduceFraction)}`,
    `mean depth ${t.meanDepth.toFixed(2)} (${t.meanNormalisedDepth.toFixed(3)} of the deepest)`,
  ];
  if (t.spanF1 !== undefined) {
    parts.push(`span F1 vs parser ${pct(t.spanF1)}`, `identical trees ${pct(t.identicalTrees)}`);
  }
  return parts.join(' | ');
}

/** A checkpoint's model, vocabulary and meta. */
async function loadModel(
  checkpoint: string,
): Promise<{ model: NliClassifier; meta: SpinnMeta; vocab: Vocab }> {
  const meta = (await readCheckpointMeta(checkpoint)).meta as SpinnMeta;
  const model = new NliClassifier(meta.model);
  if (meta.variant === 'spinn-rl') model.rewardBaseline = new MovingAverageBaseline().state;
  await loadModelFromCheckpoint(checkpoint, model);
  return { model, meta, vocab: Vocab.fromTokens(meta.vocab, { specials: ['<pad>', '<unk>'] }) };
}

export const train = defineCommand({
  description:
    'Train an SNLI classifier: SPINN-PI (parser transitions, with or without tracker), SPINN with a\n' +
    'REINFORCE-trained tracker, or the bag-of-words and LSTM baselines. Without --data it runs on the\n' +
    "repo's SNLI sample (seconds). Picks the checkpoint with the best validation accuracy, tests it, and\n" +
    'writes metrics, checkpoints, a report and a run summary under --out.',
  flags: {
    ...trainFlags({ out: 'runs/spinn' }),
    model: flags.choice(VARIANTS, { help: 'what to train', default: 'spinn-pi' }),
    epochs: flags.int({ help: 'epochs to train', default: 10, min: 1 }),
    batchSize: flags.int({ help: 'pairs per mini-batch', default: 32, min: 1 }),
    evalBatchSize: flags.int({ help: 'pairs per evaluation batch', default: 256, min: 1 }),
    lr: flags.number({ help: 'Adam learning rate', default: 1e-3, above: 0 }),
    weightDecay: flags.number({ help: 'L2 penalty (Adam weight decay)', default: 0, min: 0 }),
    maxGradNorm: flags.number({ help: 'clip the gradient norm to this', default: 5, above: 0 }),
    hidden: flags.int({
      help: 'sentence encoding width (SPINN tree nodes, LSTM state)',
      default: 128,
      min: 1,
    }),
    tracker: flags.int({ help: 'SPINN tracker width (spinn-pi, spinn-rl)', default: 64, min: 1 }),
    embedDim: flags.int({ help: 'word vector width (ignored with --vectors)', default: 100, min: 1 }),
    mlpLayers: flags.int({ help: 'hidden layers of the classifier MLP', default: 1, min: 0 }),
    mlpDim: flags.int({ help: 'width of the MLP layers', default: 256, min: 1 }),
    dropout: flags.number({ help: 'dropout on word vectors and MLP layers', default: 0.1, min: 0, max: 0.9 }),
    batchNorm: flags.boolean({
      help: 'BatchNorm1d on the SPINN leaf projection and the MLP (--no-batch-norm)',
      default: true,
    }),
    vectors: flags.path({
      help: 'pretrained word vectors: GloVe/word2vec text, or .npz with --vectors-vocab',
      mustExist: 'file',
    }),
    vectorsVocab: flags.path({
      help: 'tokens of a .npz of vectors (JSON list, one per row)',
      mustExist: 'file',
    }),
    freezeEmbeddings: flags.boolean({ help: 'keep the word vectors fixed (as SPINN with GloVe)' }),
    lowercase: flags.boolean({ help: 'lower-case the words (--no-lowercase)', default: true }),
    minFreq: flags.int({ help: 'words seen fewer times in training are <unk>', default: 1, min: 1 }),
    devTrain: flags.number({
      help: "share of SNLI dev's captions moved into training; the rest of dev selects the model",
      default: 0,
      min: 0,
      max: 0.95,
    }),
    trainFile: flags.path({
      help: 'training jsonl (default: snli_1.0_train.jsonl if present, else the 1% sample)',
      mustExist: 'file',
    }),
    maxTrain: flags.int({ help: 'use only the first N training pairs (0: all)', default: 0, min: 0 }),
    transitionLoss: flags.number({
      help: 'spinn-pi: weight of a supervised SHIFT/REDUCE loss (gives predict its own trees)',
      default: 0,
      min: 0,
    }),
    forgetBias: flags.number({
      help: "SPINN: initial bias of Reduce's two forget gates (1 keeps children's memory through deep trees)",
      default: 0,
    }),
    rlWeight: flags.number({ help: 'spinn-rl: weight of the REINFORCE loss', default: 1, min: 0 }),
    entropyCoef: flags.number({ help: 'spinn-rl: entropy bonus per decision', default: 0.01, min: 0 }),
    baseline: flags.choice(['moving-average', 'self-critical', 'none'] as const, {
      help: 'spinn-rl: REINFORCE baseline',
      default: 'moving-average',
    }),
    baselineMomentum: flags.number({
      help: 'spinn-rl: moving-average momentum',
      default: 0.9,
      min: 0,
      max: 0.999,
    }),
    normalizeAdvantages: flags.boolean({ help: 'spinn-rl: normalise advantages per batch' }),
    patience: flags.int({
      help: 'early stopping: evaluations without a better valid accuracy',
      default: 3,
      min: 1,
    }),
    evalEvery: flags.int({ help: 'evaluate every N steps (0: after each epoch)', default: 0, min: 0 }),
    keepLast: flags.int({ help: 'epoch checkpoints kept', default: 2, min: 1 }),
    logEvery: flags.int({ help: 'log a metrics record every N steps', default: 20, min: 1 }),
    summary: flags.path({
      help: 'also write the run summary here (e.g. apps/spinn/results/NAME.json)',
      valueName: 'FILE',
    }),
  },
  examples: [
    'spinn train                                     # quick run on the repo sample',
    'spinn train --data /work/shared/data --dev-train 0.8 --model spinn-pi --out runs/spinn-pi --overwrite',
    'spinn train --model spinn-rl --data DATA --vectors glove.840B.300d.txt --freeze-embeddings',
    'spinn train --out runs/spinn-pi --resume --epochs 20   # continue a run, exactly',
  ],
  async run(c) {
    const started = performance.now();
    const backend = await setupBackend(c.backend);
    const dir = await openRunDir(c.out, c);
    const last = `${dir.checkpoints}/last.safetensors`;
    if (c.resume) checkResumeConfig(last, ((await readCheckpointMeta(last)).meta as SpinnMeta).flags, c);
    if (c.vectorsVocab && !c.vectors) throw new UsageError('--vectors-vocab needs --vectors');
    manualSeed(c.seed); // initial weights, shuffles, dropout and sampled trees all follow from the seed
    const variant = c.model;

    const splits = await readSplits({ ...c, maxTrain: c.maxTrain });
    // With vectors, words of the evaluation splits that have one join the vocabulary too (their
    // vectors are pretrained, nothing is learned from those splits), as torchtext's build_vocab did.
    let vectors: Awaited<ReturnType<typeof readVectors>> | undefined;
    let vocab = buildVocab(splits.train, c.minFreq);
    if (c.vectors) {
      const words = new Set<string>();
      for (const p of [...splits.train, ...splits.valid, ...splits.test]) {
        for (const w of [...p.premise, ...p.hypothesis]) words.add(w);
      }
      vectors = await readVectors(c.vectors, {
        vocabFile: c.vectorsVocab,
        keep: (t) => words.has(t) || words.has(t.toLowerCase()),
      });
      const known = new Set(vectors.tokens.map((t) => (c.lowercase ? t.toLowerCase() : t)));
      const extra = [...words].filter((w) => !vocab.has(w) && known.has(w));
      vocab = buildVocab(splits.train, c.minFreq, extra);
    }
    const encode = (pairs: typeof splits.train) => encodePairs(pairs, vocab);
    const [trainPairs, validPairs, testPairs] = [
      encode(splits.train),
      encode(splits.valid),
      encode(splits.test),
    ];

    const config = modelConfig(variant, { ...c, embedDim: vectors?.dim ?? c.embedDim }, vocab.size);
    const model = new NliClassifier(config);
    if (c.forgetBias !== 0) {
      if (!(model.encoder instanceof Spinn))
        throw new UsageError('--forget-bias applies to the SPINN models');
      model.encoder.reduce.initForgetBias(c.forgetBias);
    }
    let vectorNote = 'word vectors learned from scratch';
    if (vectors) {
      const aligned = alignVectors(vocab, vectors, c.seed);
      noGrad(() => model.embed.weight.assign(aligned.weight));
      vectorNote =
        `${c.vectors}: ${aligned.found} of ${aligned.total} words (${pct(aligned.coverage)}), ` +
        (c.freezeEmbeddings ? 'frozen' : 'fine-tuned');
    }
    const baseline =
      variant === 'spinn-rl' && c.baseline === 'moving-average'
        ? new MovingAverageBaseline({ momentum: c.baselineMomentum })
        : null;
    if (variant === 'spinn-rl') model.rewardBaseline = (baseline ?? new MovingAverageBaseline()).state;
    const optimizer = new Adam(
      model.parameters().filter((p) => p.requiresGrad),
      { lr: c.lr, weightDecay: c.weightDecay },
    );
    const scheduler = new ReduceLROnPlateau(optimizer, { mode: 'max', factor: 0.5, patience: 1 });
    const loader = trainLoader(trainPairs, c.batchSize);
    const meta: SpinnMeta = {
      variant,
      model: config,
      vocab: [...vocab.itos],
      lowercase: c.lowercase,
      data: c.data,
      flags: { ...c },
    };
    const checkpoints = new CheckpointManager(dir.checkpoints, { keepLast: c.keepLast, meta });
    const metrics = new MetricsLog(dir.metrics);
    const interrupt = interruptSignal();
    const setup = {
      variant,
      transitionLoss: c.transitionLoss,
      rlWeight: c.rlWeight,
      baseline: baseline ?? (c.baseline === 'self-critical' ? ('self-critical' as const) : ('none' as const)),
      normalizeAdvantages: c.normalizeAdvantages,
      entropyCoef: c.entropyCoef,
    };
    const evalMetrics = (e: Evaluation) => ({
      accuracy: e.accuracy,
      loss: e.loss,
      ...(e.trees
        ? {
            freeReduceFraction: e.trees.freeReduceFraction,
            meanDepth: e.trees.meanDepth,
            spanF1: e.trees.spanF1,
          }
        : {}),
    });

    log(
      `spinn: ${VARIANT_NAMES[variant]} | ${model.numParameters({ trainableOnly: true })} trainable parameters | ${backend.description}`,
    );
    for (const line of splits.description) log(`  ${line}`);
    log(`  vocabulary ${vocab.size} words; ${vectorNote}${c.resume ? ` | resuming ${last}` : ''}`);
    const result = await fit({
      epochs: c.epochs,
      data: loader,
      model,
      optimizer,
      scheduler,
      unit: 'pairs',
      trainStep: async (batch) => {
        const { loss, classification } = batchLoss(model, batch, setup);
        const out = await backwardStep(loss, optimizer, { maxGradNorm: c.maxGradNorm });
        const logged = classification === loss ? out.loss : await classification.item();
        batch.ids.dispose();
        batch.labels?.dispose();
        return { loss: logged, size: batch.size };
      },
      evaluate: async () =>
        evalMetrics(await evaluatePairs(model, validPairs, { variant, batchSize: c.evalBatchSize })),
      evalEvery: c.evalEvery > 0 ? c.evalEvery : undefined,
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
      log(`stopped; continue with: spinn train --out ${c.out} --resume (and the same flags)`);
      return signalExitCode(result.reason);
    }

    // Test the best checkpoint; record the run.
    await loadModelFromCheckpoint(checkpoints.bestPath, model);
    const test = await evaluatePairs(model, testPairs, { variant, batchSize: c.evalBatchSize });
    const best = result.best!;
    log(
      `${result.status === 'early-stopped' ? 'stopped early' : 'done'} after ${result.progress.epoch} epochs; ` +
        `best valid accuracy ${pct(best.value)} at epoch ${best.epoch}; test accuracy ${pct(test.accuracy)}`,
    );
    const validRecord = [...result.progress.history]
      .reverse()
      .find((r) => r.split === 'valid' && r.epoch === best.epoch);
    const testMetrics: Record<string, number> = { ...evalMetrics(test), macroF1: test.confusion.macroF1() };
    const extra: Record<string, unknown> = {
      variant,
      status: result.status,
      epochs: result.progress.epoch,
      steps: result.progress.step,
      bestEpoch: best.epoch,
      data: splits.description,
      trainPairs: trainPairs.length,
      vocabulary: vocab.size,
      vectors: vectorNote,
      trainableParameters: model.numParameters({ trainableOnly: true }),
    };
    if (test.trees) {
      log(`  test trees: ${treeLine(test.trees)}`);
      const rand = seededUniform(c.seed); // random trees: each SHIFT/REDUCE choice a coin flip
      const reference = {
        parser: referenceTreeStats(testPairs, () => null),
        leftBranching: referenceTreeStats(testPairs, leftBranching),
        rightBranching: referenceTreeStats(testPairs, rightBranching),
        random: referenceTreeStats(testPairs, (n) => randomTransitions(rand, n)),
      };
      log(`  reference, left-branching: ${treeLine(reference.leftBranching)}`);
      log(`  reference, right-branching: ${treeLine(reference.rightBranching)}`);
      log(`  reference, random trees: ${treeLine(reference.random)}`);
      extra.testTrees = test.trees;
      extra.referenceTrees = reference;
    }
    const finalMetrics = { valid: validRecord?.metrics ?? {}, test: testMetrics };
    const report = await writeReport(dir.report, {
      title: `spinn: ${VARIANT_NAMES[variant]} (${c.out})`,
      notes: [
        `${VARIANT_NAMES[variant]}, ${backend.description}`,
        ...splits.description,
        vectorNote,
        `${result.status} after ${result.progress.epoch} epochs, ${result.progress.step} steps; best checkpoint: epoch ${best.epoch}`,
      ],
      runs: [{ name: variant, records: await readMetrics(dir.metrics) }],
      curves: { metrics: ['loss', 'accuracy'] },
      confusion: test.confusion,
      finalMetrics,
      config: { ...c },
    });
    const summary = {
      app: 'spinn',
      config: { ...c },
      backend: backend.description,
      wallTime: (performance.now() - started) / 1000,
      metrics: finalMetrics,
      extra,
    };
    await writeRunSummary(dir.summary, summary);
    if (c.summary) await writeRunSummary(c.summary, summary);
    log('wrote:');
    for (const f of [dir.metrics, checkpoints.bestPath, checkpoints.lastPath, ...report.files, dir.summary]) {
      log(`  ${f}`);
    }
    if (c.summary) log(`  ${c.summary}`);
    return 0;
  },
});

export const evalCommand = defineCommand({
  description: 'Evaluate a checkpoint on SNLI test (--data, or the data it was trained on, or the sample).',
  flags: checkpointFlags(),
  examples: ['spinn eval --checkpoint runs/spinn/checkpoints/best.safetensors --data /work/shared/data'],
  async run(c) {
    const backend = await setupBackend(c.backend);
    const { model, meta, vocab } = await loadModel(c.checkpoint);
    const splits = await readSplits({ data: c.data ?? meta.data, devTrain: 0, lowercase: meta.lowercase });
    const test = await evaluatePairs(model, encodePairs(splits.test, vocab), {
      variant: meta.variant,
      batchSize: 256,
    });
    log(
      `${c.checkpoint} (${VARIANT_NAMES[meta.variant]}) on ${backend.description}: test accuracy ${pct(test.accuracy)}, ` +
        `loss ${test.loss.toFixed(4)} (${splits.files.test})`,
    );
    for (const s of test.confusion.perClass()) {
      log(
        `  ${s.label.padEnd(13)} precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)} (${s.support})`,
      );
    }
    if (test.trees) log(`  trees: ${treeLine(test.trees)}`);
    if (c.out) {
      const report = await writeReport(c.out, {
        title: `spinn eval: ${c.checkpoint}`,
        runs: [],
        confusion: test.confusion,
        finalMetrics: {
          test: { accuracy: test.accuracy, loss: test.loss, macroF1: test.confusion.macroF1() },
        },
      });
      log(`wrote ${report.html}`);
    }
    return 0;
  },
});

/** All of standard input, as UTF-8 text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

export const predict = defineCommand({
  description:
    'Classify premise<TAB>hypothesis lines (from FILE, or standard input): prints the label, the three\n' +
    "probabilities and each sentence's tree in brackets. Sentences are plain text (tokenized here) or\n" +
    "binary parses in SNLI's bracket format. Trees come from the model's tracker when it learned to\n" +
    'choose transitions (spinn-rl, or spinn-pi with --transition-loss), else from the given parse, else\n' +
    'a right-branching tree.',
  flags: { checkpoint: checkpointFlags().checkpoint, backend: checkpointFlags().backend },
  positionals: { name: 'FILE', help: 'lines of premise<TAB>hypothesis (default: standard input)', max: 1 },
  examples: [
    'printf "A man plays a guitar.\\tA person makes music.\\n" | spinn predict --checkpoint runs/spinn/checkpoints/best.safetensors',
  ],
  async run(c, { positionals }) {
    await setupBackend(c.backend);
    const { model, meta, vocab } = await loadModel(c.checkpoint);
    const file = positionals[0];
    const text = file ? await readFile(file, 'utf8') : await readStdin();
    const where = file ?? '<stdin>';
    const lines = text
      .split(/\r?\n/)
      .map((l, i) => ({ l, n: i + 1 }))
      .filter(({ l }) => l.trim() !== '');
    if (lines.length === 0)
      throw new UsageError(`spinn predict: no premise<TAB>hypothesis lines in ${where}`);
    const head = model.config.transitionHead;
    const pairs: EncodedPair[] = [];
    const tokens: string[][][] = [];
    for (const { l, n } of lines) {
      const fields = l.split('\t');
      if (fields.length !== 2 || fields.some((f) => f.trim() === '')) {
        throw new UsageError(
          `${where}:${n}: expected premise<TAB>hypothesis, got ${JSON.stringify(l.slice(0, 80))}`,
        );
      }
      const [premise, hypothesis] = fields.map((f) => readSentence(f, meta.lowercase));
      const sentence = (s: typeof premise) => ({
        ids: vocab.encode(s.tokens),
        transitions: s.transitions ?? rightBranching(s.tokens.length),
      });
      pairs.push({ premise: sentence(premise), hypothesis: sentence(hypothesis), label: 0, pairId: `${n}` });
      tokens.push([premise.tokens, hypothesis.tokens]);
    }
    model.eval();
    const batch = collatePairs(pairs);
    const out = noGrad(() => model.forward(batch, { policy: head ? 'greedy' : 'given' }));
    const probs = out.logits.softmax(1).arraySync() as number[][];
    const tree = (words: string[], transitions: number[] | undefined) =>
      transitions && transitions.length > 0 ? formatBinaryBracketing(words, transitions) : words.join(' ');
    probs.forEach((p, i) => {
      const k = p.indexOf(Math.max(...p));
      const spinnTrees = out.spinn?.transitions;
      log(
        [
          LABELS[k],
          LABELS.map((label, j) => `${label}=${p[j].toFixed(3)}`).join(' '),
          tree(tokens[i][0], spinnTrees?.[i]),
          tree(tokens[i][1], spinnTrees?.[pairs.length + i]),
        ].join('\t'),
      );
    });
    return 0;
  },
});

export const bench = defineCommand({
  description:
    'Training throughput (pairs/s) of a model on SNLI pairs, batched against one pair at a time\n' +
    '(the same model, forward + backward + Adam step), and the ratio.',
  flags: {
    data: trainFlags({ out: '' }).data,
    backend: trainFlags({ out: '' }).backend,
    model: flags.choice(VARIANTS, { help: 'what to train', default: 'spinn-pi' }),
    batchSize: flags.int({ help: 'pairs per batch on the batched side', default: 32, min: 2 }),
    batches: flags.int({ help: 'batches timed (after one warm-up batch)', default: 8, min: 1 }),
    singles: flags.int({ help: 'single pairs timed (after one warm-up pair)', default: 64, min: 1 }),
    hidden: flags.int({ help: 'tree node width', default: 128, min: 1 }),
    tracker: flags.int({ help: 'tracker width', default: 64, min: 1 }),
    embedDim: flags.int({ help: 'word vector width', default: 100, min: 1 }),
    seed: flags.int({ help: 'random seed', default: 0, min: 0 }),
    out: flags.path({ help: 'write the result as JSON here', valueName: 'FILE' }),
  },
  examples: ['spinn bench --data /work/shared/data --batch-size 32 --out apps/spinn/results/bench.json'],
  async run(c) {
    const backend = await setupBackend(c.backend);
    manualSeed(c.seed);
    const splits = await readSplits({ data: c.data, devTrain: 0, lowercase: true });
    const vocab = buildVocab(splits.train, 1);
    const pairs = encodePairs(splits.train, vocab);
    const config = modelConfig(
      c.model,
      {
        ...c,
        mlpLayers: 1,
        mlpDim: 256,
        dropout: 0.1,
        batchNorm: false, // BatchNorm cannot train on one pair; both sides are the same model
        freezeEmbeddings: false,
        transitionLoss: 0,
      },
      vocab.size,
    );
    log(`spinn bench: ${VARIANT_NAMES[c.model]}, hidden ${c.hidden}, on ${backend.description}`);
    const r = await benchThroughput({ pairs, config, variant: c.model, ...c, log });
    log(
      `batched (${c.batchSize} pairs per step): ${r.batched.pairsPerSecond.toFixed(1)} pairs/s | ` +
        `one at a time: ${r.single.pairsPerSecond.toFixed(1)} pairs/s | ratio ${r.ratio.toFixed(1)}×`,
    );
    if (c.out) {
      await writeFile(
        c.out,
        `${JSON.stringify({ ...r, backend: backend.description, config: { ...c } }, null, 2)}\n`,
      );
      log(`wrote ${c.out}`);
    }
    return 0;
  },
});

export const summarize = defineCommand({
  description:
    'Tables of several runs from their summary.json files (or run folders): test accuracy per model as\n' +
    'mean ± standard deviation over seeds (min–max), and the REINFORCE runs’ tree statistics.',
  flags: {},
  positionals: { name: 'SUMMARY', help: 'summary .json files or run folders', min: 1 },
  examples: ['spinn summarize apps/spinn/results/*.json'],
  async run(_c, { positionals }) {
    const files = positionals.map((p) => (p.endsWith('.json') ? p : runDirPaths(p).summary));
    log(await summarizeRuns(files));
    return 0;
  },
});

export const compare = defineCommand({
  description: 'Draw the learning curves of several runs side by side.',
  flags: {
    out: flags.path({
      help: 'folder for the comparison report',
      default: 'runs/spinn-compare',
      valueName: 'DIR',
    }),
  },
  positionals: { name: 'RUN_DIR', help: 'a --out folder of spinn train', min: 1 },
  examples: ['spinn compare runs/spinn-pi runs/bow runs/lstm --out runs/compare'],
  async run(c, { positionals }) {
    const runs = [];
    for (const d of positionals) runs.push({ name: d, records: await readMetrics(runDirPaths(d).metrics) });
    const report = await writeReport(c.out, {
      title: `spinn: ${positionals.join(' vs ')}`,
      runs,
      curves: { metrics: ['loss', 'accuracy'] },
    });
    log('wrote:');
    for (const f of report.files) log(`  ${f}`);
    return 0;
  },
});
