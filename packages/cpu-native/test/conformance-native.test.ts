/**
 * The whole `@rnn/tensor` conformance suite with the native kernels plugged into the CPU backend (they
 * replace every float32 matmul, including those inside the fused `rnnLayer` kernel, and the inner
 * loops of the fused kernels, optimizer updates included), once per machine class of the GEMM that
 * this CPU can run (avx512, avx512-256, avx2 on an AVX-512 x86-64; the classes it cannot run are
 * listed as skipped, with the reason). Where the addon cannot load, this is the pure JavaScript path
 * again, which must pass too.
 */
import { getCpuAccelerator, manualSeed, randn, rnnLayer, withoutFusedKernels } from '@rnn/tensor';
import { describeConformance, expectClose } from '@rnn/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCpuNative, loadCpuNative, uninstallCpuNative } from '../src/index';

const status = installCpuNative({ threads: 2 });

describe('native kernels', () => {
  it(`are ${status.active ? 'active' : 'not available here'}: ${status.reason}`, () => {
    expect(getCpuAccelerator() !== null).toBe(status.active);
  });

  it('the fused LSTM layer (forward and backward) agrees with the pure JavaScript kernels', () => {
    manualSeed(3);
    const [H, I, steps] = [40, 24, 5];
    const batchSizes = [6, 6, 5, 3, 1];
    const n = batchSizes.reduce((a, b) => a + b, 0);
    const make = () => ({
      x: randn([n, I], { requiresGrad: true }),
      h0: randn([6, H]),
      c0: randn([6, H]),
      wIh: randn([4 * H, I], { requiresGrad: true }),
      wHh: randn([4 * H, H], { requiresGrad: true }),
      bIh: randn([4 * H], { requiresGrad: true }),
      bHh: randn([4 * H], { requiresGrad: true }),
    });
    const inputs = make();
    const run = () => {
      for (const t of [inputs.x, inputs.wIh, inputs.wHh, inputs.bIh, inputs.bHh]) t.grad = null;
      const r = rnnLayer(inputs, { mode: 'lstm', batchSizes, reverse: false });
      r.y.sum().add(r.hN.mul(r.hN).sum()).backward();
      return [r.y, r.hN, r.cN!, inputs.x.grad!, inputs.wIh.grad!, inputs.wHh.grad!, inputs.bHh.grad!].map(
        (t) => t.dataSync(),
      );
    };
    expect(steps).toBe(batchSizes.length);
    const fast = run();
    const prev = getCpuAccelerator();
    uninstallCpuNative();
    const pure = run();
    const composite = withoutFusedKernels(run);
    if (prev) installCpuNative({ threads: 2 });
    fast.forEach((f, i) => {
      expectClose(f, pure[i], { rtol: 1e-4, atol: 1e-4, label: `output ${i} vs pure JS` });
      expectClose(f, composite[i], { rtol: 1e-4, atol: 1e-4, label: `output ${i} vs composite` });
    });
  });
});

const machine = status.active ? loadCpuNative({ threads: 2 })?.machine : undefined;
const detected = machine?.gemmConfig().machineClass;
if (!machine) describeConformance({ backend: 'cpu', float64: true });
for (const cls of machine?.gemmClasses() ?? []) {
  if (!cls.supported) {
    // This CPU cannot run the class's kernel: the conformance suite cannot run it here, and forcing
    // it must be refused (the detected class stays).
    it(`machine class ${cls.machineClass} is refused on this CPU (it cannot run its ${cls.kernel} kernel)`, () => {
      expect(machine!.setGemmClass(cls.machineClass)).toBe(false);
      expect(machine!.gemmConfig().machineClass).toBe(detected);
    });
    continue;
  }
  describe(`machine class ${cls.machineClass}${cls.machineClass === detected ? ' (detected here)' : ' (forced)'}`, () => {
    beforeAll(() => {
      expect(machine!.setGemmClass(cls.machineClass)).toBe(true);
    });
    afterAll(() => {
      machine!.setGemmClass(detected!);
    });
    it(`the GEMM runs ${cls.machineClass}`, () => {
      expect(machine!.gemmConfig().machineClass).toBe(cls.machineClass);
    });
    describeConformance({ backend: 'cpu', float64: true });
  });
}
