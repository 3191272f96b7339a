/** Types of kernel-sources.mjs (used by the tests). */
export interface KernelSources {
  modules: Record<string, string>;
  hash: string;
}
export function buildSources(dir: string): KernelSources;
export function renderSourcesModule(sources: KernelSources): string;
