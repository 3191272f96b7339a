import { memory, randint, type Tensor } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { Adam, clipGradNorm, crossEntropy, Embedding, Linear, LSTM, Module } from '../src/index';

/**
 * The PTB tutorial's training loop written as in PyTorch (no tidy, no dispose, no await): Embedding →
 * LSTM → Linear, Adam, gradient clipping, the hidden state carried and detached between windows. At
 * small sizes here; `pnpm --filter @rnn/bench soak --loop lm` runs it at the tutorial's sizes.
 */
class LanguageModel extends Module {
  embed = new Embedding(200, 16);
  lstm = new LSTM(16, 64);
  out = new Linear(64, 200);

  forward(tokens: Tensor, hidden: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [h, state] = this.lstm.forward(this.embed.forward(tokens), hidden);
    return [this.out.forward(h.reshape([-1, 64])), state];
  }
}

const gc = (globalThis as { gc?: () => void }).gc!;

describe('a plain PyTorch-style LM loop', () => {
  it('keeps memory bounded with no tidy, no dispose and no await', async () => {
    const model = new LanguageModel();
    const opt = new Adam(model.parameters(), { lr: 0.002 });
    let hidden: [Tensor, Tensor] | null = null;
    const step = () => {
      const x = randint(0, 200, [8, 4]);
      const y = randint(0, 200, [32]);
      const [logits, [h, c]] = model.forward(x, hidden);
      hidden = [h.detach(), c.detach()];
      const loss = crossEntropy(logits, y);
      opt.zeroGrad();
      loss.backward();
      clipGradNorm(model.parameters(), 0.5);
      opt.step();
    };
    const liveBytes = () => {
      gc();
      gc();
      return process.memoryUsage().arrayBuffers;
    };
    for (let i = 0; i < 20; i++) step();
    const warm = liveBytes();
    for (let i = 0; i < 200; i++) step(); // ~150 KiB of tensors dropped per step
    expect(liveBytes()).toBeLessThan(warm * 1.5 + 2 ** 20);

    // Once the loop yields, the collector's reports bring memory() back to what the model holds.
    const params = model.parameters().reduce((n, p) => n + p.size * 4, 0);
    await new Promise((r) => setTimeout(r, 0));
    gc();
    await new Promise((r) => setTimeout(r, 0));
    // parameters, the last step's gradients, Adam's two moments, the carried state: nothing of the
    // 220 steps' activations
    expect(memory().backends.cpu.bytes).toBeLessThan(4 * params + 64 * 1024);
  });
});
