/**
 * Without NVRTC (RNN_CUDA_NVRTC=off here; on a user's machine: not installed) the backend loads the
 * PTX built into the addon, which the driver compiles on first use; without cuBLAS
 * (RNN_CUDA_CUBLAS=off) matmul launches the built-in GEMM kernel. Checked against the fake driver.
 */
import { expect, it } from 'vitest';
import { useFakeCuda } from './fake-cuda/setup';

useFakeCuda({ nvrtc: false });
process.env.RNN_CUDA_CUBLAS = 'off';
const { createCudaBackend, probeCuda } = await import('../src/index');

it('the prebuilt PTX and the built-in GEMM, each with a note saying why', async () => {
  const p = probeCuda();
  expect(p.available).toBe(true);
  expect(p.kernels).toEqual({ compiler: 'ptx', target: 'compute_75' });
  expect(p.matmul).toBe('kernel');
  expect(p.notes).toEqual([
    'NVRTC was not found (tried nothing: it is turned off): using the prebuilt PTX (compute_75), compiled by the driver on first use',
    'cuBLAS was not found (tried nothing: it is turned off): matmul uses the built-in kernel, which is slower; pip install nvidia-cublas-cu12 (or -cu13), or install the CUDA toolkit',
  ]);
  const b = await createCudaBackend();
  const a = b.fromArray(new Float32Array(6), 'float32');
  const launches = b.stats().launches;
  b.release(
    b.matmul(
      { storage: a, shape: [1, 2, 3], dtype: 'float32' },
      { storage: a, shape: [1, 3, 2], dtype: 'float32' },
      false,
      false,
    ),
  );
  expect(b.stats().launches, 'one launch of gemm_f32').toBe(launches + 1);
  b.release(a);
  b.destroy();
  expect(() => b.fromArray(new Float32Array(1), 'float32')).toThrow(/the backend was destroyed/);
});
