/** The framing check alone: what it rejects is counted in full, and a flood is logged a few lines per window. */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FramingCheck, WARNING_BURST, WARNING_WINDOW_MS, WarningThrottle } from './FramingCheck';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('warnings', () => {
  it('a flood of rejected frames is counted in full but logged a few lines per window', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let t = 0;
    const throttle = new WarningThrottle(() => t);
    for (let i = 0; i < 55_000; i++) {
      t = i / 55; // 55 000 a second
      throttle.warn('garbage');
    }
    const windows = Math.ceil(1000 / WARNING_WINDOW_MS);
    expect(warn.mock.calls.length).toBeLessThanOrEqual((WARNING_BURST + 1) * windows + 1);
    t += WARNING_WINDOW_MS;
    throttle.warn('garbage');
    expect(warn.mock.calls.some((c) => String(c[0]).includes('more frames rejected'))).toBe(true);
  });

  it('the framing check counts every rejection whatever it logs', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const framing = new FramingCheck(noEngine());
    for (let i = 0; i < 10_000; i++) framing.ingest(new Uint8Array(4), 0);
    expect(framing.rejected).toBe(10_000);
    expect(warn.mock.calls.length).toBeLessThanOrEqual(WARNING_BURST + 1);
  });
});

function noEngine() {
  // The framing check rejects these before they reach the engine: any engine will do.
  return {} as never;
}
