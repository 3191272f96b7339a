import { describe, expect, it } from 'vitest';
import { parseProbeArgs } from '../src/probe-args';

const known = (id: string) => ['A', 'B', 'C', 'D'].includes(id);

describe('probe flags', () => {
  it('has defaults and reads every flag', () => {
    expect(parseProbeArgs([], known)).toEqual({
      workload: 'D',
      steps: 4,
      warmup: 3,
      quick: false,
      shapes: false,
      shapesFile: '',
    });
    expect(
      parseProbeArgs(['--workload', 'b', '--steps', '2', '--warmup', '0', '--quick'], known),
    ).toMatchObject({
      workload: 'B',
      steps: 2,
      warmup: 0,
      quick: true,
    });
  });

  it('takes an optional file after --shapes', () => {
    expect(parseProbeArgs(['--shapes'], known)).toMatchObject({ shapes: true, shapesFile: '' });
    expect(parseProbeArgs(['--shapes', '--quick'], known)).toMatchObject({
      shapes: true,
      shapesFile: '',
      quick: true,
    });
    expect(parseProbeArgs(['--shapes', 'd.json', '--steps', '1'], known)).toMatchObject({
      shapes: true,
      shapesFile: 'd.json',
      steps: 1,
    });
  });

  it('names a typo, a bad number or an unknown workload', () => {
    expect(parseProbeArgs(['--worklaod', 'C'], known)).toEqual({ error: 'unknown argument --worklaod' });
    expect(parseProbeArgs(['--steps', 'x'], known)).toEqual({ error: '--steps needs an integer ≥ 1, got x' });
    expect(parseProbeArgs(['--steps', '0'], known)).toEqual({ error: '--steps needs an integer ≥ 1, got 0' });
    expect(parseProbeArgs(['--warmup'], known)).toEqual({
      error: '--warmup needs an integer ≥ 0, got nothing',
    });
    expect(parseProbeArgs(['--workload', 'E'], known)).toEqual({
      error: '--workload is A, B, C or D, got E',
    });
    expect(parseProbeArgs(['--help'], known)).toBe('help');
  });
});
