/**
 * The built-in GEMM kernel (used without cuBLAS, and for int32) on the emulated GPU: every transpose,
 * batch broadcast, odd and tile-crossing sizes, against a float64 reference; and a packed
 * bidirectional LSTM through it, forward and backward, against the CPU backend.
 */
import { LSTM, packPaddedSequence, skipInit } from '@rnn/nn';
import { manualSeed, randn, registerBackend, setBackend, type Tensor } from '@rnn/tensor';
import { expectClose } from '@rnn/tensor/testing';
import { describe, expect, it } from 'vitest';
import { useFakeCuda } from './fake-cuda/setup';

useFakeCuda({ emulate: true, cublas: false });
const { createCudaBackend } = await import('../src/index');
const cuda = await createCudaBackend({ name: 'cuda', syncReads: true });
registerBackend('cuda', () => cuda, { priority: 20 });

describe('built-in GEMM kernel', () => {
  it('is what matmul uses here', () => {
    expect(cuda.probe.matmul).toBe('kernel');
  });

  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    it(`${dtype}: all transposes, batch broadcast, sizes around the 32×32 tile`, async () => {
      let seed = 7;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) % 13) - 6;
      const host = (n: number) =>
        dtype === 'float32'
          ? Float32Array.from({ length: n }, rnd)
          : dtype === 'float64'
            ? Float64Array.from({ length: n }, rnd)
            : Int32Array.from({ length: n }, rnd);
      for (const [m, n, k, ba, bb] of [
        [1, 1, 1, 1, 1],
        [33, 31, 65, 2, 1],
        [5, 40, 3, 1, 3],
        [64, 64, 64, 2, 2],
      ]) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const A = host(ba * m * k);
            const B = host(bb * k * n);
            const a = cuda.fromArray(A, dtype);
            const b = cuda.fromArray(B, dtype);
            const c = cuda.matmul(
              { storage: a, shape: ta ? [ba, k, m] : [ba, m, k], dtype },
              { storage: b, shape: tb ? [bb, n, k] : [bb, k, n], dtype },
              ta,
              tb,
            );
            const batch = Math.max(ba, bb);
            const got = await cuda.read(c, dtype, batch * m * n);
            const want: number[] = [];
            for (let t = 0; t < batch; t++) {
              const oa = (ba === 1 ? 0 : t) * m * k;
              const ob = (bb === 1 ? 0 : t) * k * n;
              for (let i = 0; i < m; i++)
                for (let j = 0; j < n; j++) {
                  let s = 0;
                  for (let p = 0; p < k; p++)
                    s += A[oa + (ta ? p * m + i : i * k + p)] * B[ob + (tb ? j * k + p : p * n + j)];
                  want.push(s);
                }
            }
            expect(Array.from(got), `${m}×${n}×${k} batch ${ba}/${bb} transA ${ta} transB ${tb}`).toEqual(
              want,
            );
            for (const s of [a, b, c]) cuda.release(s);
          }
        }
      }
    });
  }

  it('a packed bidirectional LSTM with a projection, forward and backward, matches the CPU backend (float64)', async () => {
    const run = async (backend: string) => {
      await setBackend(backend);
      manualSeed(3);
      const lstm = skipInit(() => new LSTM(5, 6, { bidirectional: true, projSize: 4, dtype: 'float64' }));
      for (const p of lstm.parameters()) p.assign(randn(p.shape, { dtype: 'float64' }).mul(0.3));
      const x = randn([4, 3, 5], { dtype: 'float64' }).requiresGrad_();
      const [out] = lstm.forward(
        packPaddedSequence(x, [4, 2, 3], { enforceSorted: false }) as never,
      ) as unknown as [{ data: Tensor }];
      out.data.mul(out.data).sum().backward();
      const values = [out.data, x.grad!, ...lstm.parameters().map((p) => p.grad!)].map((t) =>
        Array.from(t.dataSync()),
      );
      await setBackend('cpu');
      return values;
    };
    const gpu = await run('cuda');
    const cpu = await run('cpu');
    expect(gpu.length).toBe(cpu.length);
    for (const [i, v] of gpu.entries())
      expectClose(v, cpu[i], { rtol: 1e-10, atol: 1e-12, label: `value ${i}` });
  });
});
