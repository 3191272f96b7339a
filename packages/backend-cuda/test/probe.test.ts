/**
 * Every way the backend can be unavailable, decided from facts built by hand (`decide` is pure), and
 * the real thing on this machine: importing never throws, the probe names what is missing, and
 * `setBackend('cuda')` rejects with that reason (CI has no GPU; a GPU machine runs scripts/gpu-run.sh).
 */
import { BackendError, getBackend, setBackend, tensor, useBestBackend } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../src/runtime/addon';
import {
  decide,
  driverForPtxIsa,
  MIN_DRIVER_VERSION,
  type ProbeFacts,
  probeCuda,
  ptxIsaVersion,
} from '../src/runtime/probe';

const H200: DeviceInfo = {
  name: 'NVIDIA H200',
  major: 9,
  minor: 0,
  multiprocessors: 132,
  maxThreadsPerBlock: 1024,
  maxSharedOptin: 232448,
  pciBus: 25,
  totalMemory: 150e9,
};
const lib = (path?: string) => ({
  loaded: !!path,
  path,
  tried: path ? [path] : ['libx.so.1', '/opt/x/libx.so.1'],
  errors: [],
});

/** A machine where everything works: driver 13.0, an H200, NVRTC 13.0, cuBLAS, the prebuilt PTX. */
function good(): ProbeFacts {
  return {
    ordinal: 0,
    driver: lib('/usr/lib/x86_64-linux-gnu/libcuda.so.1'),
    init: { status: 0, name: 'CUDA_SUCCESS', version: 13000, devices: 1 },
    device: H200,
    nvrtc: {
      ...lib('/usr/local/cuda/lib64/libnvrtc.so.13'),
      version: [13, 0],
      archs: [75, 80, 86, 87, 89, 90, 100, 120],
    },
    cublas: lib('/usr/local/cuda/lib64/libcublas.so.13'),
    fallback: { arch: 75, isa: [9, 0] },
  };
}

describe('decide (every path, from facts)', () => {
  it('everything there: NVRTC compiles cubins for this GPU, cuBLAS multiplies', () => {
    const p = decide(good());
    expect(p.available).toBe(true);
    expect(p.code).toBe('available');
    expect(p.kernels).toEqual({ compiler: 'nvrtc', target: 'sm_90' });
    expect(p.matmul).toBe('cublas');
    expect(p.notes).toEqual([]);
    expect(p.reason).toBe(
      'NVIDIA H200 (compute capability 9.0), driver CUDA 13.0, kernels: NVRTC 13.0 (sm_90), matmul: cuBLAS',
    );
    expect(p.device).toMatchObject({ name: 'NVIDIA H200', computeCapability: [9, 0], multiprocessors: 132 });
  });

  it('no addon for this platform', () => {
    const p = decide({
      ...good(),
      addonError: 'no prebuilt addon for darwin-arm64 (@rnn/backend-cuda ships linux-x64 only)',
    });
    expect(p).toMatchObject({ available: false, code: 'no-addon' });
    expect(p.reason).toMatch(/linux-x64 only/);
  });

  it('no driver library: names what was tried and how to fix it', () => {
    const p = decide({ ...good(), driver: lib() });
    expect(p).toMatchObject({ available: false, code: 'no-driver' });
    expect(p.reason).toMatch(/libcuda\.so\.1 was not found \(tried libx\.so\.1, \/opt\/x\/libx\.so\.1\)/);
    expect(p.reason).toMatch(/Install the NVIDIA driver, or set RNN_CUDA_DRIVER/);
  });

  it("the toolkit's stub libcuda is not a driver", () => {
    const p = decide({
      ...good(),
      init: { status: 34, name: 'CUDA_ERROR_STUB_LIBRARY', version: 13000, devices: 0 },
    });
    expect(p.code).toBe('no-driver');
    expect(p.reason).toMatch(/stub library, not a driver/);
  });

  it('a driver older than CUDA 11 (or one that says it is insufficient)', () => {
    const old = decide({ ...good(), init: { status: 0, name: 'CUDA_SUCCESS', version: 10020, devices: 1 } });
    expect(old.code).toBe('driver-too-old');
    expect(old.reason).toMatch(
      /supports CUDA 10\.2, @rnn\/backend-cuda needs CUDA 11\.0 or newer: update the NVIDIA driver/,
    );
    const insufficient = decide({
      ...good(),
      init: { status: 35, name: 'CUDA_ERROR_INSUFFICIENT_DRIVER', version: 12000, devices: 0 },
    });
    expect(insufficient.code).toBe('driver-too-old');
    expect(MIN_DRIVER_VERSION).toBe(11000);
  });

  it('no GPU: cuInit says so, or it counts none', () => {
    for (const init of [
      { status: 100, name: 'CUDA_ERROR_NO_DEVICE', version: 13000, devices: 0 },
      { status: 0, name: 'CUDA_SUCCESS', version: 13000, devices: 0 },
    ]) {
      const p = decide({ ...good(), init, device: undefined });
      expect(p.code).toBe('no-device');
      expect(p.reason).toMatch(/found no GPU.*nvidia-smi.*--gpus all/);
    }
  });

  it('another driver error at cuInit', () => {
    const p = decide({
      ...good(),
      init: { status: 999, name: 'CUDA_ERROR_UNKNOWN', version: 13000, devices: 0 },
    });
    expect(p.code).toBe('driver-error');
    expect(p.reason).toMatch(/failed to initialize \(cuInit: CUDA_ERROR_UNKNOWN\)/);
  });

  it('a GPU ordinal past the last device', () => {
    const p = decide({ ...good(), ordinal: 2, device: undefined });
    expect(p.code).toBe('no-device');
    expect(p.reason).toBe('GPU 2 was requested but the driver sees 1 (ordinals 0 to 0)');
  });

  it('a GPU older than Volta', () => {
    const p = decide({ ...good(), device: { ...H200, name: 'Tesla P100', major: 6, minor: 0 } });
    expect(p.code).toBe('unsupported-arch');
    expect(p.reason).toMatch(/Tesla P100 has compute capability 6\.0; .* needs 7\.0 or newer/);
  });

  it('NVRTC missing: the prebuilt PTX, with a note saying so', () => {
    const p = decide({ ...good(), nvrtc: lib() });
    expect(p.available).toBe(true);
    expect(p.kernels).toEqual({ compiler: 'ptx', target: 'compute_75' });
    expect(p.notes[0]).toMatch(/NVRTC was not found \(tried .*\): using the prebuilt PTX \(compute_75\)/);
  });

  it('cuBLAS missing: the built-in GEMM, with a note saying so', () => {
    const p = decide({ ...good(), cublas: lib() });
    expect(p.available).toBe(true);
    expect(p.matmul).toBe('kernel');
    expect(p.reason).toMatch(/matmul: built-in kernel$/);
    expect(p.notes[0]).toMatch(
      /cuBLAS was not found .* matmul uses the built-in kernel, which is slower; pip install nvidia-cublas-cu12/,
    );
  });

  it('NVRTC missing and a driver too old for the prebuilt PTX', () => {
    const p = decide({
      ...good(),
      nvrtc: lib(),
      init: { status: 0, name: 'CUDA_SUCCESS', version: 12040, devices: 1 },
    });
    expect(p.code).toBe('driver-too-old');
    expect(p.reason).toMatch(
      /driver supports CUDA 12\.4 but the prebuilt kernels need CUDA 13\.0, and NVRTC was not found: update the NVIDIA driver, or install NVRTC for CUDA 12 \(pip install nvidia-cuda-nvrtc-cu12\)/,
    );
  });

  it('NVRTC newer than the driver is not used; the prebuilt PTX takes over when the driver can load it', () => {
    const facts = { ...good(), nvrtc: { ...good().nvrtc, version: [14, 0] as [number, number] } };
    const p = decide(facts);
    expect(p.kernels).toEqual({ compiler: 'ptx', target: 'compute_75' });
    expect(p.notes[0]).toMatch(/NVRTC 14\.0 is newer than the driver \(CUDA 13\.0\)/);
    const older = decide({ ...facts, init: { status: 0, name: 'CUDA_SUCCESS', version: 12080, devices: 1 } });
    expect(older.code).toBe('driver-too-old');
    expect(older.reason).toMatch(/NVRTC 14\.0 is newer than the driver \(CUDA 12\.8\)/);
  });

  it('a GPU newer than NVRTC knows: PTX for the newest arch it has, JIT-compiled by the driver', () => {
    const p = decide({
      ...good(),
      nvrtc: { ...good().nvrtc, archs: [75, 80, 86, 89, 90] },
      device: { ...H200, name: 'B200', major: 10, minor: 0 },
    });
    expect(p.kernels).toEqual({ compiler: 'nvrtc', target: 'compute_90' });
  });

  it('Volta with NVRTC 13 (which dropped it) and no other compiler: unsupported, with the fix', () => {
    const p = decide({ ...good(), device: { ...H200, name: 'Tesla V100', major: 7, minor: 0 } });
    expect(p.code).toBe('unsupported-arch');
    expect(p.reason).toMatch(
      /Tesla V100 \(compute capability 7\.0\) is older than the prebuilt kernels \(compute_75\) and NVRTC 13\.0 cannot compile for sm_70.*install NVRTC from CUDA 12/,
    );
    // with NVRTC 12, which still targets sm_70, it works
    const v12 = decide({
      ...good(),
      device: { ...H200, name: 'Tesla V100', major: 7, minor: 0 },
      nvrtc: { ...good().nvrtc, version: [12, 4], archs: [50, 52, 60, 61, 70, 75, 80, 90] },
    });
    expect(v12.kernels).toEqual({ compiler: 'nvrtc', target: 'sm_70' });
  });

  it('no NVRTC and an addon without prebuilt kernels', () => {
    const p = decide({ ...good(), nvrtc: lib(), fallback: undefined });
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/no prebuilt kernels: pip install nvidia-cuda-nvrtc-cu12/);
  });
});

describe('PTX ISA versions', () => {
  it('maps the ISA of a PTX module to the CUDA version whose driver loads it', () => {
    expect(ptxIsaVersion('//\n// Generated\n.version 9.0\n.target sm_75\n')).toEqual([9, 0]);
    expect(ptxIsaVersion('.target sm_75')).toBeUndefined();
    expect(driverForPtxIsa([9, 0])).toBe(13000);
    expect(driverForPtxIsa([8, 4])).toBe(12040);
    expect(driverForPtxIsa([7, 8])).toBe(11080);
  });
});

describe('on this machine (no GPU in CI)', () => {
  it('importing the package never throws, and the probe gives one reason', async () => {
    const mod = await import('../src/index');
    const p = mod.probeCuda();
    expect(typeof p.available).toBe('boolean');
    expect(p.reason.length).toBeGreaterThan(20);
    if (!p.available) expect(p.code).not.toBe('available');
  });

  it("setBackend('cuda') rejects with the probe's reason where CUDA is unavailable; useBestBackend falls back", async () => {
    const { registerCudaBackend } = await import('../src/index');
    registerCudaBackend();
    const p = probeCuda();
    if (p.available) return; // a GPU machine: scripts/gpu-run.sh tests it there
    const err = await setBackend('cuda').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toBe(`cuda: ${p.reason}`);
    const best = await useBestBackend();
    expect(best.name).not.toBe('cuda');
    expect(getBackend().name).toBe(best.name);
    expect(tensor([1, 2]).backend.name).toBe(best.name);
  });
});
