import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BackendError } from '@rnn/tensor/backend';
import { KERNEL_SOURCES, KERNEL_SOURCES_HASH } from '../kernels/sources.generated';
import type { CudaAddon } from '../runtime/addon';
import type { KernelPlan } from '../runtime/probe';

/** NVRTC options of every module: the CPU backend's rounding (no fused multiply-adds). */
export const NVRTC_OPTIONS = ['--std=c++17', '--fmad=false'];

/** Where compiled modules are kept between processes (`RNN_CUDA_CACHE_DIR`; `off` disables it). */
export function cacheDir(): string | null {
  const v = process.env.RNN_CUDA_CACHE_DIR;
  if (v === 'off') return null;
  return v || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rnn-backend-cuda');
}

/** The cache key of one module's image: sources, compiler version, target and options. */
export function cacheKey(module: string, nvrtcVersion: string, target: string): string {
  return createHash('sha256')
    .update(`${KERNEL_SOURCES_HASH}\0${module}\0${nvrtcVersion}\0${target}\0${NVRTC_OPTIONS.join(' ')}`)
    .digest('hex')
    .slice(0, 24);
}

function readCache(dir: string | null, key: string): Uint8Array | null {
  if (!dir) return null;
  try {
    return new Uint8Array(readFileSync(join(dir, `${key}.bin`)));
  } catch {
    return null;
  }
}

function writeCache(dir: string | null, key: string, image: Uint8Array): void {
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${key}.${process.pid}.tmp`);
    writeFileSync(tmp, image);
    renameSync(tmp, join(dir, `${key}.bin`));
  } catch {
    // a read-only home directory only costs a compile per process
  }
}

/** PTX text as the driver takes it (NUL-terminated bytes). */
function ptxImage(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Images compiled in this process, by cache key (another backend on a GPU of the same architecture reuses them). */
const compiled = new Map<string, Uint8Array>();

/** @internal Forgets the images compiled in this process (tests that make NVRTC fail). */
export function forgetCompiledImages(): void {
  compiled.clear();
}

/**
 * The image of every kernel module for this GPU: compiled by NVRTC (all modules at once, on worker
 * threads; cached on disk by sources, NVRTC version and target), or the PTX built into the addon.
 * Rejects with a `BackendError` carrying the compiler's log when a module does not compile.
 */
export async function moduleImages(
  addon: CudaAddon,
  plan: KernelPlan,
  nvrtcVersion: string,
): Promise<Map<string, Uint8Array>> {
  const images = new Map<string, Uint8Array>();
  if (plan.compiler === 'ptx') {
    const fb = addon.fallbackPtx();
    for (const name of Object.keys(KERNEL_SOURCES)) {
      const ptx = fb.modules[name];
      if (!ptx) throw new BackendError(`cuda: the addon's prebuilt PTX has no module "${name}"`);
      images.set(name, ptxImage(ptx));
    }
    return images;
  }
  const dir = cacheDir();
  const cubin = plan.target.startsWith('sm_');
  await Promise.all(
    Object.entries(KERNEL_SOURCES).map(async ([name, source]) => {
      const key = cacheKey(name, nvrtcVersion, plan.target);
      const hit = compiled.get(key) ?? readCache(dir, key);
      if (hit) {
        images.set(name, hit);
        compiled.set(key, hit);
        return;
      }
      const options = [...NVRTC_OPTIONS, `--gpu-architecture=${plan.target}`];
      const r = await addon.compile(source, `${name}.cu`, options, cubin);
      if (!r.ok || !r.image) {
        throw new BackendError(
          `cuda: NVRTC could not compile the "${name}" kernels for ${plan.target} (${r.error}):\n${r.log.slice(0, 4000)}`,
        );
      }
      const image = cubin
        ? r.image
        : r.image[r.image.length - 1] === 0
          ? r.image
          : ptxImage(new TextDecoder().decode(r.image));
      images.set(name, image);
      compiled.set(key, image);
      writeCache(dir, key, image);
    }),
  );
  return images;
}
