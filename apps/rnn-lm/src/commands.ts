import { join } from 'node:path';
import { Vocab } from '@rnn/data';
import { Adam, SGD } from '@rnn/nn';
import { manualSeed } from '@rnn/tensor';
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
  setupBackend,
  signalExitCode,
  trainFlags,
  writeReport,
  writeRunSummary,
} from '@rnn/train/node';
import { type EncodedText, loadCorpus, ptbFiles, readEncoded } from './data';
import { type LmConfig, RNNLM } from './model';
import { PRESETS, type Preset, QUICK_RUN } from './presets';
import { encodePrompt, writeSample } from './sample';
import { Annealing } from './schedule';
import { CarriedWindows, evaluatePerplexity, windowLoss } from './training';

/** What a checkpoint's `meta` holds: enough for `eval` and `sample` to rebuild the model and its words. */
interface LmMeta {
  model: LmConfig;
  /** The vocabulary, id order (`Vocab.itos`). */
  vocab: string[];
  /** The hyper-parameters after the preset was applied. */
  hyper: Preset;
  /** Every flag of the `train` that made it, to check a `--resume`. */
  flags: Record<string, unknown>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (x: number, digits = 2) => x.toFixed(digits);
const presetDefault = '(default: the preset)';

/** `12,345`. */
const count = (n: number) => n.toLocaleString('en-US');

function describeUnknown(t: EncodedText): string {
  if (t.unknown === 0) return 'no unknown words';
  const share = (100 * t.unknown) / t.ids.length;
  const examples = t.unknownExamples.map(([w, n]) => `${JSON.stringify(w)} ×${n}`).join(', ');
  return `${count(t.unknown)} unknown words read as <unk> (${share.toFixed(2)}%; e.g. ${examples})`;
}

export const train = defineCommand({
  description:
    'Train the LSTM language model on the Penn Treebank (--data DIR with ptb/ptb.{train,valid,test}.txt;\n' +
    "default: the repo's sample: a quick run of about a minute, batch 5 and 40 epochs unless given):\n" +
    'validation perplexity every epoch, the learning rate annealed when it stops improving, the best\n' +
    'checkpoint tested at the end, and a few sampled sentences.',
  flags: {
    ...trainFlags({ out: 'runs/rnn-lm' }),
    preset: flags.choice(['tutorial', 'small', 'medium'] as const, {
      help: 'tutorial: the seed tutorial exactly; small: 2 CPU cores, ~90 min; medium: Zaremba medium, a GPU',
      default: 'small',
    }),
    embed: flags.int({ help: `embedding width ${presetDefault}`, min: 1 }),
    hidden: flags.int({ help: `LSTM hidden units per layer ${presetDefault}`, min: 1 }),
    layers: flags.int({ help: `LSTM layers ${presetDefault}`, min: 1 }),
    dropout: flags.number({
      help: `dropout on embeddings, between layers, on outputs ${presetDefault}`,
      min: 0,
      max: 0.9,
    }),
    tied: flags.choice(['yes', 'no'] as const, { help: `tie input and output embeddings ${presetDefault}` }),
    optimizer: flags.choice(['sgd', 'adam'] as const, { help: `optimizer ${presetDefault}` }),
    lr: flags.number({ help: `learning rate ${presetDefault}`, above: 0 }),
    anneal: flags.number({
      help: `multiply the learning rate by this when validation perplexity does not improve; 1: never ${presetDefault}`,
      above: 0,
      max: 1,
    }),
    decayAfter: flags.int({
      help: `after this epoch and every later one, also multiply the learning rate by --decay; 0: never ${presetDefault}`,
      min: 0,
    }),
    decay: flags.number({ help: `the per-epoch factor of --decay-after ${presetDefault}`, above: 0, max: 1 }),
    clip: flags.number({ help: `clip the gradient norm to this ${presetDefault}`, above: 0 }),
    epochs: flags.int({ help: `epochs ${presetDefault}`, min: 1 }),
    batchSize: flags.int({ help: `parallel streams per batch ${presetDefault}`, min: 1 }),
    bptt: flags.int({ help: `steps of back-propagation through time per window ${presetDefault}`, min: 1 }),
    evalBatchSize: flags.int({ help: 'streams when evaluating valid and test', default: 10, min: 1 }),
    trainTokens: flags.int({ help: 'train on the first N tokens only (quick trials)', min: 2 }),
    keepLast: flags.int({ help: 'epoch checkpoints kept', default: 2, min: 1 }),
    logEvery: flags.int({ help: 'log a metrics record every N steps', default: 100, min: 1 }),
  },
  examples: [
    'rnn-lm train                                       # quick run on the sample (about a minute): runs/rnn-lm',
    'rnn-lm train --data ../shared/data --out runs/small --overwrite        # the small preset on the full PTB',
    'rnn-lm train --data ../shared/data --preset tutorial --out runs/tutorial',
    'rnn-lm train --data ../shared/data --out runs/small --resume           # continue a run, exactly',
  ],
  async run(c) {
    const started = performance.now();
    const backend = await setupBackend(c.backend);
    const dir = await openRunDir(c.out, c);
    const last = join(dir.checkpoints, 'last.safetensors');
    if (c.resume) checkResumeConfig(last, ((await readCheckpointMeta(last)).meta as LmMeta).flags, c);
    const p = c.data === undefined ? { ...PRESETS[c.preset], ...QUICK_RUN } : PRESETS[c.preset];
    const hyper: Preset = {
      embed: c.embed ?? p.embed,
      hidden: c.hidden ?? p.hidden,
      layers: c.layers ?? p.layers,
      dropout: c.dropout ?? p.dropout,
      tied: c.tied === undefined ? p.tied : c.tied === 'yes',
      initRange: p.initRange,
      optimizer: c.optimizer ?? p.optimizer,
      lr: c.lr ?? p.lr,
      anneal: c.anneal ?? p.anneal,
      decayAfter: c.decayAfter ?? p.decayAfter,
      decay: c.decay ?? p.decay,
      clip: c.clip ?? p.clip,
      epochs: c.epochs ?? p.epochs,
      batchSize: c.batchSize ?? p.batchSize,
      bptt: c.bptt ?? p.bptt,
    };

    const corpus = await loadCorpus(c.data);
    const trainIds = c.trainTokens ? corpus.train.ids.subarray(0, c.trainTokens) : corpus.train.ids;
    manualSeed(c.seed); // initial weights and dropout masks follow from the seed
    const config: LmConfig = {
      vocabSize: corpus.vocab.size,
      embedSize: hyper.embed,
      hiddenSize: hyper.hidden,
      layers: hyper.layers,
      dropout: hyper.dropout,
      tied: hyper.tied,
      ...(hyper.initRange === null ? {} : { initRange: hyper.initRange }),
    };
    const model = new RNNLM(config);
    const optimizer =
      hyper.optimizer === 'adam'
        ? new Adam(model.parameters(), { lr: hyper.lr })
        : new SGD(model.parameters(), { lr: hyper.lr });
    // As PyTorch's example: no improvement of the validation loss in an epoch → lr × anneal (and the decay).
    const scheduler =
      hyper.anneal < 1
        ? new Annealing(optimizer, { factor: hyper.anneal, decayAfter: hyper.decayAfter, decay: hyper.decay })
        : undefined;
    const windows = new CarriedWindows(trainIds, hyper.batchSize, hyper.bptt);
    const evalOptions = { batchSize: c.evalBatchSize, bptt: hyper.bptt };
    const meta: LmMeta = { model: config, vocab: [...corpus.vocab.itos], hyper, flags: { ...c } };
    const checkpoints = new CheckpointManager(dir.checkpoints, { keepLast: c.keepLast, meta });
    const metrics = new MetricsLog(dir.metrics);
    const interrupt = interruptSignal();

    log(
      `rnn-lm: ${c.data === undefined ? 'PTB sample' : corpus.dir}: ${count(trainIds.length)} training tokens, ` +
        `vocabulary ${count(corpus.vocab.size)} | preset ${c.preset}: ${hyper.layers}×${hyper.hidden} LSTM, ` +
        `embedding ${hyper.embed}${hyper.tied ? ' tied' : ''}, dropout ${hyper.dropout}, ` +
        `${count(model.numParameters())} weights | ${hyper.optimizer} lr ${hyper.lr}` +
        `${scheduler ? ` (× ${hyper.anneal} on a plateau${hyper.decayAfter > 0 ? `, × ${hyper.decay} per epoch after epoch ${hyper.decayAfter}` : ''})` : ''}` +
        `, clip ${hyper.clip}, ` +
        `batch ${hyper.batchSize} × BPTT ${hyper.bptt} (${count(windows.length)} steps/epoch) | ${backend.description}` +
        `${c.resume ? ` | resuming ${last}` : ''}`,
    );
    for (const split of [corpus.valid, corpus.test]) {
      if (split.unknown > 0) log(`  ${split.file}: ${describeUnknown(split)}`);
    }

    let stepSeconds = 0;
    let stepTokens = 0;
    const result = await fit({
      epochs: hyper.epochs,
      data: windows,
      model,
      optimizer,
      scheduler,
      unit: 'tokens',
      trainStep: async (w) => {
        const t0 = performance.now();
        const [logits, state] = model.forward(w.input, windows.state);
        const out = await backwardStep(windowLoss(logits, w.target), optimizer, { maxGradNorm: hyper.clip });
        await windows.carry(state);
        stepSeconds += (performance.now() - t0) / 1000;
        stepTokens += w.tokens;
        return { loss: out.loss, size: w.tokens };
      },
      evaluate: () => evaluatePerplexity(model, corpus.valid.ids, evalOptions).then(pick),
      monitor: { metric: 'loss', mode: 'min' },
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
      log(`stopped; continue with: rnn-lm train --out ${c.out} --resume (and the same flags)`);
      return signalExitCode(result.reason);
    }

    // Test the best checkpoint (by validation perplexity), then draw the curves and record the run.
    await loadModelFromCheckpoint(checkpoints.bestPath, model);
    const valid = await evaluatePerplexity(model, corpus.valid.ids, evalOptions);
    const test = await evaluatePerplexity(model, corpus.test.ids, evalOptions);
    const best = result.best!;
    const tokensPerSecond = stepSeconds > 0 ? stepTokens / stepSeconds : 0;
    log(
      `done after ${result.progress.epoch} epochs (${count(result.progress.step)} steps); best checkpoint: epoch ${best.epoch}; ` +
        `valid perplexity ${fmt(valid.perplexity)}, test perplexity ${fmt(test.perplexity)} ` +
        `(${count(test.tokens)} test tokens, <eos> counted) | ${count(Math.round(tokensPerSecond))} training tokens/s`,
    );
    log(
      `a sample from the best checkpoint (rnn-lm sample --checkpoint ${checkpoints.bestPath} --seed ${c.seed}):`,
    );
    await writeSample(model, corpus.vocab, { words: 40, seed: c.seed }, (chunk) =>
      process.stdout.write(chunk),
    );
    const finalMetrics = { valid: pick(valid), test: pick(test) };
    const wallTime = (performance.now() - started) / 1000;
    await writeRunSummary(dir.summary, {
      app: 'rnn-lm',
      config: { ...c, hyper },
      backend: backend.description,
      wallTime,
      metrics: finalMetrics,
      extra: {
        status: result.status,
        epochs: result.progress.epoch,
        steps: result.progress.step,
        bestEpoch: best.epoch,
        trainingSeconds: Math.round(result.progress.elapsed),
        trainTokensPerSecond: Math.round(tokensPerSecond),
        parameters: model.numParameters(),
        vocabulary: corpus.vocab.size,
        trainTokens: trainIds.length,
        history: result.progress.history
          .filter((r) => r.split === 'valid')
          .map((r) => ({ epoch: r.epoch, perplexity: r.metrics.perplexity })),
      },
    });
    const runName = `${c.preset}: ${hyper.layers}×${hyper.hidden}`;
    const report = await writeReport(dir.report, {
      title: `rnn-lm: ${c.out}`,
      notes: [
        `${runName} LSTM, ${backend.description}`,
        `${result.status} after ${result.progress.epoch} epochs, ${result.progress.step} steps; best checkpoint: epoch ${best.epoch}`,
      ],
      runs: [{ name: runName, records: await readMetrics(dir.metrics) }],
      curves: { metrics: ['loss', 'perplexity', 'lr'], logScale: ['perplexity'] },
      finalMetrics,
      config: { ...c, ...hyper },
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

/** The loss and perplexity of an evaluation (the metrics fit and the summaries record). */
function pick(e: { loss: number; perplexity: number }): Record<string, number> {
  return { loss: e.loss, perplexity: e.perplexity };
}

/** Rebuilds a trained model and its vocabulary from a checkpoint. */
async function loadTrained(checkpoint: string): Promise<{ model: RNNLM; vocab: Vocab; meta: LmMeta }> {
  const meta = (await readCheckpointMeta(checkpoint)).meta as LmMeta;
  const vocab = Vocab.fromTokens(meta.vocab, { specials: ['<unk>', '<eos>'], unkToken: '<unk>' });
  const model = new RNNLM(meta.model);
  await loadModelFromCheckpoint(checkpoint, model);
  return { model, vocab, meta };
}

export const evalCommand = defineCommand({
  description:
    'Perplexity of a checkpoint on text files in the corpus format (one sentence per line; words the\n' +
    'vocabulary lacks are read as <unk> and counted). Without FILE: the test split of --data, else of the\n' +
    "data the checkpoint was trained on (the repo's sample for a quick run).",
  flags: {
    checkpoint: checkpointFlags().checkpoint,
    data: checkpointFlags().data,
    backend: checkpointFlags().backend,
    batchSize: flags.int({ help: 'parallel streams (PyTorch example: 10)', default: 10, min: 1 }),
    bptt: flags.int({ help: 'steps per window (the state is carried across windows)', default: 35, min: 1 }),
  },
  positionals: { name: 'FILE', help: 'a text file in the corpus format', min: 0 },
  examples: [
    'rnn-lm eval --checkpoint runs/small/checkpoints/best.safetensors --data ../shared/data',
    'rnn-lm eval --checkpoint runs/small/checkpoints/best.safetensors my-text.txt',
  ],
  async run(c, { positionals }) {
    const backend = await setupBackend(c.backend);
    const { model, vocab, meta } = await loadTrained(c.checkpoint);
    const data = c.data ?? (meta.flags.data as string | undefined);
    const files = positionals.length > 0 ? positionals : [ptbFiles(data).test];
    log(`${c.checkpoint} on ${backend.description}:`);
    for (const file of files) {
      const text = await readEncoded(file, vocab);
      const e = await evaluatePerplexity(model, text.ids, { batchSize: c.batchSize, bptt: c.bptt });
      log(
        `${file}: ${count(text.lines)} lines, ${count(e.tokens)} tokens scored (<eos> counted, ` +
          `${e.batchSize} stream${e.batchSize > 1 ? 's' : ''}) | ` +
          `${describeUnknown(text)} | loss ${fmt(e.loss, 4)} | perplexity ${fmt(e.perplexity)}`,
      );
    }
    return 0;
  },
});

export const sample = defineCommand({
  description:
    'Generate text from a checkpoint, word by word as it is drawn (<eos> starts a new line). The same\n' +
    '--seed (and checkpoint and flags) gives the same text.',
  flags: {
    checkpoint: checkpointFlags().checkpoint,
    backend: checkpointFlags().backend,
    prompt: flags.string({ help: 'words to start from (default: the start of a sentence)' }),
    words: flags.int({ help: 'words to generate', default: 100, min: 1 }),
    temperature: flags.number({
      help: 'below 1: safer words; above 1: more surprising',
      default: 1,
      above: 0,
    }),
    topK: flags.int({ help: 'draw among the K most likely words only (0: all)', default: 0, min: 0 }),
    seed: flags.int({ help: 'random seed of the sampling', default: 0, min: 0 }),
  },
  examples: [
    'rnn-lm sample --checkpoint runs/small/checkpoints/best.safetensors --prompt "the company said" --words 50',
    'rnn-lm sample --checkpoint runs/small/checkpoints/best.safetensors --temperature 0.8 --top-k 40 --seed 7',
  ],
  async run(c) {
    await setupBackend(c.backend);
    const { model, vocab } = await loadTrained(c.checkpoint);
    const prompt = c.prompt?.trim() ?? '';
    const { unknown } = encodePrompt(prompt, vocab);
    if (unknown.length > 0) {
      process.stderr.write(`rnn-lm sample: read as <unk> (not in the vocabulary): ${unknown.join(' ')}\n`);
    }
    await writeSample(model, vocab, { ...c, prompt }, (chunk) => process.stdout.write(chunk));
    return 0;
  },
});
