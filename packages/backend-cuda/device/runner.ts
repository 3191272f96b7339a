/**
 * A small stand-in for vitest's test API (describe / it / it.each / hooks / expect), so that the
 * conformance suite of `@rnn/tensor/testing` and `@rnn/nn`'s PyTorch-parity test files run from one
 * bundled file on a machine that has Node but no node_modules (the GPU machine). `bundle.mjs` aliases
 * `vitest` to this module; `expect` is vitest's own (`@vitest/expect` on chai), bundled in.
 */
import * as chai from 'rnn-device:chai';
import { JestAsymmetricMatchers, JestChaiExpect, JestExtend } from 'rnn-device:vitest-expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Fn = () => unknown;

interface Test {
  kind: 'test';
  name: string;
  fn: Fn;
}

interface Suite {
  kind: 'suite';
  name: string;
  children: (Suite | Test)[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

const newSuite = (name: string): Suite => ({
  kind: 'suite',
  name,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

let root = newSuite('');
let current = root;

/** A vitest assertion (its type is not bundled: matchers are checked at run time). */
// biome-ignore lint/suspicious/noExplicitAny: chai's dynamic assertion chain
type Assertion = any;

/** `expect` as vitest has it (the same matchers and messages). */
export const expect = (value: unknown, message?: string): Assertion => chai.expect(value, message);

export function describe(name: string, fn: Fn): void {
  const s = newSuite(name);
  current.children.push(s);
  const prev = current;
  current = s;
  try {
    fn();
  } finally {
    current = prev;
  }
}

function format(name: string, args: readonly unknown[]): string {
  let i = 0;
  return name.replace(/%[sdi]/g, () => String(args[i++]));
}

type It = ((name: string, fn: Fn, timeout?: number) => void) & {
  each: <T extends readonly unknown[]>(
    table: readonly T[],
  ) => (name: string, fn: (...args: T) => unknown) => void;
};

export const it: It = Object.assign(
  (name: string, fn: Fn) => {
    current.children.push({ kind: 'test', name, fn });
  },
  {
    each:
      <T extends readonly unknown[]>(table: readonly T[]) =>
      (name: string, fn: (...args: T) => unknown) => {
        for (const row of table)
          current.children.push({ kind: 'test', name: format(name, row), fn: () => fn(...row) });
      },
  },
);
export const test = it;
export const beforeAll = (fn: Fn) => void current.beforeAll.push(fn);
export const afterAll = (fn: Fn) => void current.afterAll.push(fn);
export const beforeEach = (fn: Fn) => void current.beforeEach.push(fn);
export const afterEach = (fn: Fn) => void current.afterEach.push(fn);

/** One test's outcome. */
export interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** Runs everything registered since the last `run` (tests in order, hooks around them). */
export async function run(
  options: { log?: (line: string) => void; filter?: RegExp } = {},
): Promise<TestResult[]> {
  const suite = root;
  root = newSuite('');
  current = root;
  const results: TestResult[] = [];
  const log = options.log ?? (() => {});
  async function visit(s: Suite, path: string[], each: { before: Fn[]; after: Fn[] }): Promise<void> {
    const where = [...path, s.name].filter(Boolean);
    const hooks = { before: [...each.before, ...s.beforeEach], after: [...s.afterEach, ...each.after] };
    let setupError: string | undefined;
    for (const h of s.beforeAll) {
      try {
        await h();
      } catch (e) {
        setupError = `beforeAll: ${message(e)}`;
        break;
      }
    }
    for (const c of s.children) {
      if (c.kind === 'suite') {
        await visit(c, where, hooks);
        continue;
      }
      const name = [...where, c.name].join(' > ');
      if (options.filter && !options.filter.test(name)) continue;
      const t0 = performance.now();
      let error = setupError;
      if (!error) {
        try {
          for (const h of hooks.before) await h();
          await c.fn();
        } catch (e) {
          error = message(e);
        }
        for (const h of hooks.after) {
          try {
            await h();
          } catch (e) {
            error ??= `afterEach: ${message(e)}`;
          }
        }
      }
      const r: TestResult = { name, ok: !error, ms: performance.now() - t0, error };
      results.push(r);
      log(
        `${r.ok ? 'ok  ' : 'FAIL'} ${name} (${r.ms.toFixed(0)} ms)${error ? `\n     ${error.split('\n').slice(0, 12).join('\n     ')}` : ''}`,
      );
    }
    for (const h of s.afterAll) {
      try {
        await h();
      } catch (e) {
        results.push({ name: [...where, 'afterAll'].join(' > '), ok: false, ms: 0, error: message(e) });
      }
    }
  }
  await visit(suite, [], { before: [], after: [] });
  return results;
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
