import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SGD } from '@rnn/nn';
import { manualSeed, tensor } from '@rnn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVocab, loadCorpus, readEncoded } from './data';
import { RNNLM } from './model';
import { Annealing } from './schedule';
import { CarriedWindows, evaluatePerplexity } from './training';

const dir = mkdtempSync(join(tmpdir(), 'rnn-lm-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny = (vocabSize: number, tied = true) =>
  new RNNLM({ vocabSize, embedSize: 12, hiddenSize: 12, layers: 2, dropout: 0.2, tied, initRange: 0.1 });

describe('data', () => {
  it('reads the PTB sample: <unk> and <eos> first, unknown words of valid/test counted', async () => {
    const corpus = await loadCorpus();
    expect(corpus.vocab.itos.slice(0, 2)).toEqual(['<unk>', '<eos>']);
    expect(corpus.train.unknown).toBe(0);
    expect(corpus.train.ids.length).toBe(1050 + 50); // words + one <eos> per line
    expect(corpus.valid.unknown).toBeGreaterThan(0);
    expect(corpus.valid.ids.length).toBe(367 + 16);
  });

  it('maps words outside the vocabulary to <unk> and counts them; a literal <unk> is not counted', async () => {
    const vocab = buildVocab('the cat sat <unk> on the mat <eos>'.split(' '));
    const file = join(dir, 'text.txt');
    writeFileSync(file, ' the dog sat on the mat \n the dog and the <unk> \n');
    const t = await readEncoded(file, vocab);
    expect(t.lines).toBe(2);
    expect(t.unknown).toBe(3);
    expect(t.unknownExamples).toEqual([
      ['dog', 2],
      ['and', 1],
    ]);
    expect(Array.from(t.ids.slice(0, 7)).map((id) => vocab.token(id))).toEqual([
      'the',
      '<unk>',
      'sat',
      'on',
      'the',
      'mat',
      '<eos>',
    ]);
    await expect(readEncoded(join(dir, 'missing.txt'), vocab)).rejects.toThrow(
      /missing\.txt: expected a text file in the corpus format, got no such file/,
    );
  });
});

describe('RNNLM', () => {
  it("has PyTorch word_language_model's names; tied weights are one parameter under both names", () => {
    manualSeed(0);
    const m = tiny(30);
    expect(Object.keys(m.stateDict())).toEqual([
      'encoder.weight',
      'rnn.weight_ih_l0',
      'rnn.weight_hh_l0',
      'rnn.bias_ih_l0',
      'rnn.bias_hh_l0',
      'rnn.weight_ih_l1',
      'rnn.weight_hh_l1',
      'rnn.bias_ih_l1',
      'rnn.bias_hh_l1',
      'decoder.weight',
      'decoder.bias',
    ]);
    expect(m.decoder.weight).toBe(m.encoder.weight);
    expect(m.parameters()).toHaveLength(10); // the tied matrix once: the optimizer updates it once
    expect(tiny(30, false).parameters()).toHaveLength(11);
    expect(() => new RNNLM({ ...m.config, embedSize: 8 })).toThrow(
      /tied weights need embedSize === hiddenSize/,
    );
  });

  it('gives logits [T·B, V] and a state [layers, B, H]', () => {
    manualSeed(0);
    const m = tiny(30);
    const [logits, [h, c]] = m.forward(
      tensor(
        Int32Array.from({ length: 12 }, (_, i) => i),
        { shape: [4, 3] },
      ),
    );
    expect(logits.shape).toEqual([12, 30]);
    expect(h.shape).toEqual([2, 3, 12]);
    expect(c.shape).toEqual([2, 3, 12]);
  });
});

describe('CarriedWindows', () => {
  const ids = Int32Array.from({ length: 61 }, (_, i) => i % 17);

  it('walks the windows in order, resumes mid-epoch from its state dict with the carried state', () => {
    const a = new CarriedWindows(ids, 3, 4); // 20 steps per stream → windows of 4, 4, 4, 4, 3
    expect(a.length).toBe(5);
    const starts: number[][] = [];
    let n = 0;
    for (const w of a) {
      starts.push(Array.from(w.input.dataSync().slice(0, 3)));
      a.state = [tensor([n, 1, 2]).reshape([1, 1, 3]), tensor([3, 4, n]).reshape([1, 1, 3])];
      if (++n === 2) break; // interrupted after two steps
    }
    const saved = JSON.parse(JSON.stringify(a.stateDict()));
    expect(saved.position).toBe(2);

    const b = new CarriedWindows(ids, 3, 4);
    b.loadStateDict(saved);
    expect(Array.from(b.state![1].dataSync())).toEqual([3, 4, 1]);
    const rest: number[][] = [];
    for (const w of b) rest.push(Array.from(w.input.dataSync().slice(0, 3)));
    expect(rest).toHaveLength(3); // windows 3 to 5 only
    const all: number[][] = [];
    for (const w of new CarriedWindows(ids, 3, 4)) all.push(Array.from(w.input.dataSync().slice(0, 3)));
    expect([...starts, ...rest]).toEqual(all);
    // The epoch ran to its end: the next one starts at window 1, from a zero state.
    expect(b.stateDict()).toEqual({ position: 0, state: null });
    for (const _ of b) {
      expect(b.state).toBeUndefined();
      break;
    }
  });
});

describe('evaluatePerplexity', () => {
  it('carries the state across windows: any BPTT length gives the perplexity of one pass', async () => {
    manualSeed(1);
    const m = tiny(17);
    const ids = Int32Array.from({ length: 80 }, (_, i) => (i * 7) % 17);
    const whole = await evaluatePerplexity(m, ids, { batchSize: 2, bptt: 39 }); // one window
    const windowed = await evaluatePerplexity(m, ids, { batchSize: 2, bptt: 7 });
    expect(whole.tokens).toBe(78); // 2 streams of 40, each predicting 39 next words
    expect(windowed.tokens).toBe(78);
    expect(windowed.perplexity).toBeCloseTo(whole.perplexity, 4);
    expect(whole.perplexity).toBeCloseTo(Math.exp(whole.loss), 8);
    expect(m.training).toBe(true); // evaluation mode only while evaluating
  });
});

describe('Annealing', () => {
  it('divides the rate on a plateau (PyTorch example) and decays it after epoch N (Zaremba)', () => {
    manualSeed(0);
    const optimizer = new SGD(tiny(10).parameters(), { lr: 20 });
    const s = new Annealing(optimizer, { factor: 0.25, decayAfter: 3, decay: 0.5 });
    const lrs = [5.0, 4.8, 4.9, 4.7, 4.6].map((validLoss) => {
      s.step(validLoss);
      return optimizer.paramGroups[0].lr;
    });
    // epoch 3 is no better than epoch 2 → × 0.25; after epoch 3 and every later one → × 0.5 as well.
    expect(lrs).toEqual([20, 20, 2.5, 1.25, 0.625]);
    const restored = new Annealing(optimizer, { factor: 0.25, decayAfter: 0, decay: 1 });
    restored.loadStateDict(JSON.parse(JSON.stringify(s.stateDict())));
    expect(restored).toMatchObject({ decayAfter: 3, decay: 0.5, best: 4.6, lastEpoch: 5 });
  });
});
