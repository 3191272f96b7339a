// Virtual modules of the bundle (device/bundle.mjs resolves them to vitest's own chai and
// @vitest/expect); for the type checker they are opaque.
declare module 'rnn-device:chai' {
  // biome-ignore lint/suspicious/noExplicitAny: chai's plugin and assertion types are not needed here
  export function use(plugin: any): void;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  export function expect(value: unknown, message?: string): any;
}
declare module 'rnn-device:vitest-expect' {
  export const JestAsymmetricMatchers: unknown;
  export const JestChaiExpect: unknown;
  export const JestExtend: unknown;
}
