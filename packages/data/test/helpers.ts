import { expect } from 'vitest';
import { DataFormatError } from '../src';

/** Runs `fn` and returns the DataFormatError it throws (failing the test otherwise). */
export function formatError(fn: () => unknown): DataFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFormatError);
    return e as DataFormatError;
  }
  throw new Error('expected a DataFormatError, got none');
}

/** Returns whether `fn` either succeeds or throws a DataFormatError; rethrows anything else. */
export function onlyFormatErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof DataFormatError) {
      expect(e.message.startsWith(`${e.file}`)).toBe(true);
      return false;
    }
    throw e;
  }
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
