/**
 * The demos' backend: WebGPU where the browser has it (`navigator.gpu` and an adapter), the built-in
 * CPU backend otherwise. `?backend=cpu` or `?backend=webgpu` in the page's address forces one.
 */
import { getBackend, setBackend, useBestBackend } from '@rnn/tensor';

export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/** What the demo runs on, in words. */
export interface BackendInfo {
  name: string;
  description: string;
}

/** The choice in the page's address (`?backend=`), `auto` when there is none. */
export function backendFromUrl(): BackendChoice {
  const value = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('backend');
  return value === 'cpu' || value === 'webgpu' ? value : 'auto';
}

/** Selects the backend for `choice` and says what it is. */
export async function selectBackend(choice: BackendChoice): Promise<BackendInfo> {
  const hasWebGPU = typeof navigator !== 'undefined' && 'gpu' in navigator;
  if (choice !== 'cpu' && hasWebGPU) {
    await import('@rnn/backend-webgpu/register'); // registers 'webgpu' above the CPU backend
  }
  if (choice === 'webgpu') {
    if (!hasWebGPU) throw new Error('this browser has no WebGPU (navigator.gpu is missing)');
    await setBackend('webgpu');
  } else if (choice === 'cpu') {
    await setBackend('cpu');
  } else {
    await useBestBackend(); // WebGPU when an adapter is there, else the CPU
  }
  const backend = getBackend();
  if (backend.name === 'webgpu') {
    const { adapter } = backend as import('@rnn/backend-webgpu').WebGPUBackend;
    const what =
      adapter.description || [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || 'GPU';
    return { name: 'webgpu', description: `WebGPU (${what}${adapter.software ? ', software' : ''})` };
  }
  const why = hasWebGPU ? 'no WebGPU adapter' : 'no WebGPU in this browser';
  return { name: backend.name, description: choice === 'cpu' ? 'CPU (chosen)' : `CPU (${why})` };
}
