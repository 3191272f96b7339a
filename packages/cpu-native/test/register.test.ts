import { getCpuAccelerator, setCpuAccelerator } from '@rnn/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as browser from '../src/browser';
import * as browserRegister from '../src/browser-register';
import * as node from '../src/index';

// The browser builds have the Node builds' API, type for type (checked by `tsc --noEmit`).
const sameApi: [typeof node, { status: node.CpuNativeStatus }] = [browser, browserRegister];

afterEach(() => {
  vi.unstubAllEnvs();
  setCpuAccelerator(null);
});

describe("import '@rnn/cpu-native/register'", () => {
  it('the main entry plugs nothing in; the register entry plugs the kernels in where they load', async () => {
    expect(getCpuAccelerator()).toBeNull();
    const { status } = await import('../src/register');
    expect(node.cpuNativeStatus()).toEqual(status);
    if (process.env.RNN_REQUIRE_NATIVE === '1') expect(status.reason).toMatch(/^cpu-native /);
    if (status.active) {
      expect(getCpuAccelerator()?.name).toBe(status.reason);
      expect(status.reason).toMatch(/^cpu-native (avx512|avx2|neon), \d+ threads?$/);
    } else {
      expect(getCpuAccelerator()).toBeNull();
      expect(status.reason).toBe(node.nativeLoadError());
    }
  });

  it('leaves kernels already plugged in alone (a second copy of the entry, or your own)', async () => {
    const own = { name: 'mine', sgemm() {} };
    setCpuAccelerator(own);
    vi.resetModules();
    const again = await import('../src/register');
    expect(getCpuAccelerator()).toBe(own);
    expect(again.status).toEqual({ active: false, reason: 'other native kernels are plugged in: mine' });
  });

  it('with RNN_NO_NATIVE=1 plugs nothing in, and the status says so', async () => {
    vi.stubEnv('RNN_NO_NATIVE', '1');
    vi.resetModules();
    const { status } = await import('../src/register');
    expect(getCpuAccelerator()).toBeNull();
    expect(status).toEqual({ active: false, reason: 'disabled by RNN_NO_NATIVE' });
  });

  it('in browsers resolves to stubs with the same API that plug nothing in', () => {
    expect(sameApi).toHaveLength(2);
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
    const reason = 'native kernels run in Node only (this is the browser build of @rnn/cpu-native)';
    expect(browserRegister.status).toEqual({ active: false, reason });
    expect(browser.installCpuNative()).toEqual({ active: false, reason });
    expect(browser.loadCpuNative()).toBeNull();
    expect(browser.cpuNativeStatus()).toEqual({ active: false, reason });
  });
});
