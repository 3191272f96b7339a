import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate, formatValue } from '../src';
import { ProgressBar } from '../src/node';

/** A stream that records what is written; `isTTY` as given. */
function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 120, write: (s: string) => chunks.push(s) };
}

describe('ProgressBar', () => {
  it('without a TTY writes plain lines, every plainInterval seconds and at the end of the epoch', () => {
    const out = stream(false);
    let t = 0;
    const bar = new ProgressBar({ stream: out, plainInterval: 10, now: () => t });
    bar.start({ total: 10, label: 'epoch 1/3', unit: 'tokens' });
    t = 1000;
    bar.update(1, { loss: 2.5, units: 100 });
    t = 12_000;
    bar.update(5, { loss: 1.25, units: 500 });
    t = 13_000;
    bar.update(6, { loss: 1.2, units: 600 });
    t = 20_000;
    bar.update(10, { loss: 1.0001234, units: 1000 });
    bar.stop();
    bar.print('epoch 1/3: train loss 1 | valid loss 1.1');
    expect(out.chunks.join('')).toBe(
      'epoch 1/3  50%  5/10 | loss 1.25 | 41.7 tokens/s | 0:12 < 0:12\n' +
        'epoch 1/3 100% 10/10 | loss 1 | 50.0 tokens/s | 0:20 < 0:00\n' +
        'epoch 1/3: train loss 1 | valid loss 1.1\n',
    );
    const text = out.chunks.join('');
    expect(text.includes('\r') || text.includes('\u001b')).toBe(false);
  });

  it('without a TTY, an epoch shorter than plainInterval writes no line of its own', () => {
    const out = stream(false);
    let t = 0;
    const bar = new ProgressBar({ stream: out, now: () => t });
    bar.start({ total: 3, label: 'epoch 1/1', unit: 'points' });
    for (let i = 1; i <= 3; i++) {
      t = i * 100;
      bar.update(i, { loss: 1, units: i });
    }
    bar.stop();
    expect(out.chunks).toEqual([]);
  });

  it('counts throughput and ETA from where a resumed epoch started; shows steps when the total is unknown', () => {
    const out = stream(false);
    let t = 0;
    const bar = new ProgressBar({ stream: out, plainInterval: 0, now: () => t });
    bar.start({ total: 100, done: 60, label: 'epoch 2/2', unit: 'pairs' });
    t = 4000;
    bar.update(80, { loss: Number.NaN, units: 40_000 });
    bar.start({ label: 'epoch 3', unit: 'pairs' }); // stops the previous epoch first
    t = 5000;
    bar.update(7, { loss: 0.5, units: 70 });
    bar.stop();
    expect(out.chunks).toEqual([
      'epoch 2/2  80%  80/100 | loss - | 10.0k pairs/s | 0:04 < 0:04\n',
      'epoch 2/2  80%  80/100 | loss - | 10.0k pairs/s | 0:04 < 0:04\n',
      'epoch 3 step 7 | loss 0.5 | 70.0 pairs/s | 0:01\n',
      'epoch 3 step 7 | loss 0.5 | 70.0 pairs/s | 0:01\n',
    ]);
  });

  it('on a TTY draws a cli-progress bar redrawn in place, and leaves the final state on its line', () => {
    const out = stream(true);
    let t = 0;
    const bar = new ProgressBar({ stream: out, now: () => t });
    bar.start({ total: 4, label: 'epoch 1/1', unit: 'tokens' });
    for (let i = 1; i <= 4; i++) {
      t = i * 1000;
      bar.update(i, { loss: 1 / i, units: 50 * i });
    }
    bar.stop();
    const text = out.chunks.join('');
    expect(text).toContain('\u001b['); // cursor movement / line clearing: redrawn in place
    expect(text).toContain('█');
    expect(text).toMatch(/epoch 1\/1 █+ 100% 4\/4 \| loss 0\.25 \| 50\.0 tokens\/s \| 0:04 < 0:00/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('formats durations, rates and values for people', () => {
    expect([formatDuration(5), formatDuration(65), formatDuration(3725), formatDuration(Number.NaN)]).toEqual(
      ['0:05', '1:05', '1:02:05', '--:--'],
    );
    expect([formatRate(12.34), formatRate(812.4), formatRate(12_345), formatRate(2_500_000)]).toEqual([
      '12.3',
      '812',
      '12.3k',
      '2.5M',
    ]);
    expect([formatValue(0.123456), formatValue(1234.5678), formatValue(1e-5), formatValue(0)]).toEqual([
      '0.1235',
      '1235',
      '1.00e-5',
      '0',
    ]);
  });
});
