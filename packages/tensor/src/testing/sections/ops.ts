import { describe, expect, it } from 'vitest';
import type { Backend } from '../../backend/backend';
import type { DType } from '../../dtype';
import { DTypeError } from '../../errors';
import { scope } from '../../memory/scope';
import { tensor, zeros } from '../../ops/creation';
import { rand } from '../../ops/random';
import type { Tensor } from '../../tensor';
import { caseInputs, OP_CASES, type OpCase } from '../cases';
import type { SuiteContext } from '../context';
import { expectClose } from '../expect-close';
import { makeTensor } from '../host';
import { toleranceFor } from '../tolerance';

/** @internal Runs a case's function on `backend` in float `dtype` and reads every output back. */
export async function runCase(
  c: OpCase,
  backend: Backend,
  float: DType,
): Promise<{ dtype: DType; shape: number[]; data: number[] }[]> {
  return scope(async () => {
    const xs = caseInputs(c).map((s) => makeTensor(s, backend, float));
    const out = c.fn(xs, { backend, float });
    const list: Tensor[] = Array.isArray(out) ? [...out] : [out as Tensor];
    const results = [];
    for (const t of list) {
      if (t.backend !== backend)
        throw new Error(`${c.name}: an output is on "${t.backend.name}", not "${backend.name}"`);
      results.push({ dtype: t.dtype, shape: [...t.shape], data: Array.from(await t.data()) });
    }
    return results;
  });
}

/** Registers the forward check of every public op: the backend under test against the CPU backend. */
export function describeOpForward(ctx: SuiteContext): void {
  describe('public ops: forward against the CPU backend', () => {
    for (const c of OP_CASES) {
      ctx.itEach(
        c.name,
        ['float32', 'float64'],
        async (float) => {
          const got = await runCase(c, ctx.backend, float);
          const want = await runCase(c, ctx.cpu, float);
          expect(got.length, 'number of outputs').toBe(want.length);
          got.forEach((g, i) => {
            const w = want[i];
            const label = `${c.name}: output ${i}`;
            expect(g.dtype, `${label} dtype`).toBe(w.dtype);
            expect(g.shape, `${label} shape`).toEqual(w.shape);
            const tol =
              c.normal && g.dtype !== 'int32' && g.dtype !== 'bool'
                ? ctx.tol.randomNormal
                : toleranceFor(g.dtype, ctx.tol);
            expectClose(g.data, w.data, { ...tol, label });
          });
        },
        { needsFloat64: c.needsFloat64 },
      );
    }

    // A float32-only backend must refuse float64 up front, wherever it could enter.
    if (!ctx.float64) {
      it('float64 is refused with a DTypeError (tensor, full, cast, rand)', () => {
        const b = ctx.backend;
        expect(() => tensor([1, 2], { dtype: 'float64', backend: b })).toThrow(DTypeError);
        expect(() => zeros([2], { dtype: 'float64', backend: b })).toThrow(DTypeError);
        expect(() => rand([2], { dtype: 'float64', backend: b })).toThrow(DTypeError);
        const x = tensor([1, 2], { backend: b });
        expect(() => x.asType('float64')).toThrow(/float64/);
        x.dispose();
      });
    }
  });
}
