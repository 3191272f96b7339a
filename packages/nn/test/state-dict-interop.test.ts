// State dicts move both ways between PyTorch and @rnn, on a whole model (names, shapes, values):
// fixtures/state_dict_interop.py writes pytorch_model.* and checks rnn_model_written.* in PyTorch
// with load_state_dict(strict=True). Keep the model in sync with the script's.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tensor, tensor, tidy } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  Embedding,
  GRU,
  LayerNorm,
  Linear,
  LSTM,
  loadSafetensors,
  Module,
  saveSafetensors,
  skipInit,
} from '../src/index';

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

class Model extends Module {
  embedding = new Embedding(12, 6, { paddingIdx: 0 });
  lstm = new LSTM(6, 5, { numLayers: 2, bidirectional: true, batchFirst: true });
  norm = new LayerNorm(10);
  head = new Linear(10, 3);
  gru = new GRU(6, 4);

  forward(ids: Tensor): Record<string, Tensor> {
    const e = this.embedding.forward(ids); // [B, T, 6]
    const [out, [h, c]] = this.lstm.forward(e); // [B, T, 10]
    const logits = this.head.forward(this.norm.forward(out.select(1, -1)));
    const [g] = this.gru.forward(e.transpose(0, 1));
    return { logits, h, c, gru: g };
  }
}

interface Outputs {
  ids: number[][];
  outputs: Record<string, { shape: number[]; data: number[] }>;
}

function expectOutputs(got: Record<string, Tensor>, want: Outputs['outputs'], rtol: number): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [k, t] of Object.entries(got)) {
    expect(t.shape, k).toEqual(want[k].shape);
    const data = t.dataSync();
    want[k].data.forEach((w, i) => {
      expect(Math.abs(data[i] - w), `${k}[${i}]: got ${data[i]}, PyTorch ${w}`).toBeLessThanOrEqual(
        1e-6 + rtol * Math.abs(w),
      );
    });
  }
}

describe('state dicts between PyTorch and @rnn (whole model)', () => {
  it('loads a PyTorch-written state dict strictly and reproduces its outputs', () =>
    tidy(() => {
      const want = JSON.parse(readFileSync(join(fixturesDir, 'pytorch_model.json'), 'utf8')) as Outputs;
      const state = loadSafetensors(readFileSync(join(fixturesDir, 'pytorch_model.safetensors')));
      const model = skipInit(() => new Model());
      model.loadStateDict(state, { strict: true });
      model.eval();
      expectOutputs(model.forward(tensor(want.ids, { dtype: 'int32' })), want.outputs, 1e-5);
    }));

  it('writes a state dict that PyTorch loads strictly (checked by state_dict_interop.py)', () =>
    tidy(() => {
      // Deterministic weights from a formula, so the file does not depend on the initialisers.
      const model = skipInit(() => new Model());
      const named = Object.entries(model.stateDict());
      model.loadStateDict(
        Object.fromEntries(
          named.map(([name, t], k) => [
            name,
            tensor(
              Float32Array.from({ length: t.size }, (_, i) => 0.5 * Math.sin(0.37 * (k + 1) + 0.11 * i)),
              { shape: t.shape },
            ),
          ]),
        ),
      );
      model.eval();
      const ids = [
        [4, 0, 2, 11, 7],
        [1, 9, 9, 3, 6],
        [10, 8, 5, 2, 0],
      ];
      const outs = model.forward(tensor(ids, { dtype: 'int32' }));
      const bytes = saveSafetensors(model.stateDict(), { format: 'pt' });
      const record: Outputs = {
        ids,
        outputs: Object.fromEntries(
          Object.entries(outs).map(([k, t]) => [k, { shape: [...t.shape], data: [...t.dataSync()] }]),
        ),
      };
      const stPath = join(fixturesDir, 'rnn_model_written.safetensors');
      const jsPath = join(fixturesDir, 'rnn_model_written.json');
      if (process.env.UPDATE_FIXTURES) {
        writeFileSync(stPath, bytes);
        writeFileSync(jsPath, `${JSON.stringify(record)}\n`);
      }
      expect(existsSync(stPath) && existsSync(jsPath), 'run with UPDATE_FIXTURES=1 to write them').toBe(true);
      // The committed file is what PyTorch checked: @rnn must still write exactly it, with these outputs.
      expect(Buffer.from(bytes).equals(readFileSync(stPath))).toBe(true);
      const committed = JSON.parse(readFileSync(jsPath, 'utf8')) as Outputs;
      expect(committed.ids).toEqual(ids);
      expectOutputs(outs, committed.outputs, 1e-6);
    }));
});
