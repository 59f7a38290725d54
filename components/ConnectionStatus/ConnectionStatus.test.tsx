import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';

import { buildFrameTs, loadEngine, recordedFrames, recordingBytes } from '../../tests/support/engineFixtures';
import { startStore } from '../../tests/support/manualSource';
import { advance, advanceUntil, installPaintClock } from '../../tests/support/paintClock';
import { ReplaySource } from '../feed/ReplaySource';
import { createMarketStore } from '../store/createMarketStore';
import { ConnectionStatus } from './ConnectionStatus';

loadEngine();
installPaintClock();
afterEach(cleanup);

it('goes live with frames, counts gaps, then reconnecting and down', async () => {
  const { store, source, push } = await startStore();
  render(<ConnectionStatus store={store} />);
  const status = () => screen.getByRole('status').getAttribute('data-health');
  const frames = recordedFrames();
  await push(frames[0], frames[2]); // frame 1 missed: a gap
  advance(600); // the stale check runs
  expect(status()).toBe('live');
  expect(screen.getByRole('status').textContent).toContain('1 gaps');
  await act(async () => source.events!.state('reconnecting'));
  expect(status()).toBe('reconnecting');
  await act(async () => store.dispose());
  expect(status()).toBe('down');
});

it('an open feed that goes silent is stale', async () => {
  const { store, push } = await startStore({ staleAfterMs: 200 });
  render(<ConnectionStatus store={store} />);
  await push(recordedFrames()[0]);
  advance(400);
  expect(screen.getByRole('status').getAttribute('data-health')).toBe('stale');
  // And says since when: the time the last frame arrived.
  expect(screen.getByTestId('last-update').textContent).toMatch(/^last update \d{1,2}:\d{2}:\d{2}/);
  store.dispose();
});

it('a replay shows replay time (speed or paused, each frame age as recorded), never wall clock minus an old timestamp', async () => {
  // Recorded long before this test ran: wall-clock latency would be days.
  const source = new ReplaySource({ recording: recordingBytes(), speed: 4 });
  const store = createMarketStore({ source, staleAfterMs: 200 });
  render(<ConnectionStatus store={store} />);
  const status = () => screen.getByRole('status');
  await act(async () => {
    await vi.advanceTimersByTimeAsync(0); // the recording loads
  });
  advanceUntil(() => /replay 4×.*age \d+ ms/.test(status().textContent ?? ''));
  const age = Number(/age (\d+) ms/.exec(status().textContent!)?.[1]);
  expect(age).toBeLessThan(1000);
  expect(status().getAttribute('data-health')).toBe('live');
  act(() => source.pause());
  advanceUntil(() => /replay paused/.test(status().textContent ?? ''));
  // Paused is not stale: replay time stands still.
  advance(500);
  expect(status().getAttribute('data-health')).toBe('live');
  expect(status().getAttribute('data-replay')).toBe('paused');
  store.dispose();
});

it('says so when another market’s frames are dropped for the expected symbol', async () => {
  const { store, push } = await startStore({ symbol: 'SIM-USD' });
  render(<ConnectionStatus store={store} />);
  const frames = recordedFrames(); // SIM-USD
  const warn = console.warn;
  console.warn = () => {};
  try {
    await push(frames[0], buildFrameTs({ sequence: 99, symbol: 'BTC-USD', bids: [[50_000, 1]], asks: [[50_001, 1]] }));
  } finally {
    console.warn = warn;
  }
  expect(screen.getByTestId('other-symbol').textContent).toBe('1 frames of another market dropped');
  expect(screen.getByRole('status').textContent).not.toContain('bad frames');
  store.dispose();
});
