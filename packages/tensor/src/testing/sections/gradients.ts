import { describe, it } from 'vitest';
import { isFloat } from '../../dtype';
import { scope } from '../../memory/scope';
import { caseInputs, OP_CASES } from '../cases';
import type { SuiteContext } from '../context';
import { gradcheck } from '../gradcheck';
import { makeTensor } from '../host';

/**
 * Registers the gradient check of every differentiable public op: autograd on the backend under test
 * against central finite differences in float64 (on the backend itself, or on the CPU backend when
 * the backend has no float64; the analytic gradient is then float32).
 */
export function describeGradients(ctx: SuiteContext): void {
  describe('public ops: backward against finite differences (gradcheck)', () => {
    for (const c of OP_CASES) {
      if (!c.grad) continue;
      // Cases that only make sense in float64 are not applicable to a float32-only backend.
      if (c.needsFloat64 && !ctx.float64) continue;
      it(c.name, async () => {
        const tol = ctx.float64 ? ctx.tol.gradFloat64 : ctx.tol.gradFloat32;
        const o = c.grad === true ? {} : (c.grad ?? {});
        // float64 inputs live where float64 exists; gradcheck computes the analytic pass on the backend.
        const home = ctx.float64 ? ctx.backend : ctx.cpu;
        await scope(async () => {
          const xs = caseInputs(c).map((s) => makeTensor(s, home, 'float64'));
          await gradcheck(
            (...ys) => {
              const first = ys.find((y) => isFloat(y.dtype));
              return c.fn(ys, { backend: ys[0].backend, float: first?.dtype ?? 'float64' });
            },
            xs,
            {
              backend: ctx.backend,
              numericBackend: home,
              eps: o.eps ?? 1e-6,
              atol: Math.max(o.atol ?? 0, tol.atol),
              rtol: Math.max(o.rtol ?? 0, tol.rtol),
              name: c.name,
            },
          );
        });
      });
    }
  });
}
