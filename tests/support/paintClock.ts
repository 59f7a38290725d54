/**
 * One fake clock for component and store tests: `Date`, timers and animation frames all advance only
 * when the test says so, so a test waits for "the next paint" or "two seconds of silence" without
 * sleeping on the wall clock. Vitest's fake timers run `requestAnimationFrame` every 16 ms of fake time.
 */
import { act } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';

/** Everything the store, its staleness watch and the components read time from. */
const FAKED = [
  'Date',
  'performance',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'requestAnimationFrame',
  'cancelAnimationFrame',
] as const;

/** Install the fake clock for every test in this file (and restore real timers after each). */
export function installPaintClock() {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: [...FAKED] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Run the next animation frame (one paint) inside `act`, so what it published has rendered. */
export function nextPaint() {
  act(() => {
    vi.advanceTimersToNextFrame();
  });
}

/** Let `ms` of fake time pass inside `act`: intervals, timeouts and every paint in between run. */
export function advance(ms: number) {
  act(() => {
    vi.advanceTimersByTime(ms);
  });
}

/** Let fake time pass until `done()` holds, a paint at a time, for at most `maxMs`. */
export function advanceUntil(done: () => boolean, maxMs = 10_000) {
  const until = Date.now() + maxMs;
  while (!done()) {
    if (Date.now() >= until) throw new Error(`condition still false after ${maxMs} ms of fake time`);
    nextPaint();
  }
}
