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

it('shows the three latency segments on the server’s clock, and clock uncertain where clocks disagree', async () => {
  const { store, source, push } = await startStore();
  // This browser's clock is 5 s ahead of the server's, as estimated to ± 2 ms.
  Object.assign(source, { clockOffset: () => ({ offsetMs: -5000, errorMs: 2, samples: 5, measuredAtMs: Date.now() }) });
  render(<ConnectionStatus store={store} />);
  const serverNow = () => Date.now() - 5000;
  const book = { bids: [[100, 1]] as [number, number][], asks: [[101, 1]] as [number, number][] };
  // Built 30 ms before it arrived (server clock); its newest message left the exchange 20 ms before that.
  const built = serverNow() - 30;
  await push(buildFrameTs({ sequence: 1, ...book, timestampMs: built, exchangeTimeUs: (built - 20) * 1000, receivedTimeUs: (built - 5) * 1000 }));
  expect(screen.getByTestId('latency').textContent).toBe('30 ms');
  expect(screen.queryByTestId('latency-details')).toBeNull();
  const toggle = screen.getByRole('button', { name: 'latency' });
  expect(toggle.getAttribute('aria-expanded')).toBe('false');
  act(() => toggle.click());
  expect(toggle.getAttribute('aria-expanded')).toBe('true');
  const row = (key: string) => screen.getByTestId('latency-details').querySelector(`tr[data-segment=${key}]`)!;
  expect(row('exchangeToServer').textContent).toContain('15 ms');
  expect(row('serverToBrowser').textContent).toContain('30 ms');
  expect(screen.getByTestId('clock-offset').textContent).toBe('browser clock ahead of the server by 5000 ± 2 ms');
  // The server's clock behind the exchange's: the exchange stamped the message after the server read it.
  const later = serverNow() - 30;
  await push(buildFrameTs({ sequence: 2, ...book, timestampMs: later, exchangeTimeUs: (later + 40) * 1000, receivedTimeUs: later * 1000 }));
  expect(row('exchangeToServer').textContent).toContain('clock uncertain');
  expect(row('exchangeToServer').getAttribute('data-uncertain')).toBe('true');
  // A frame that claims to be from the future (beyond the offset's error): uncertain, never 0 ms.
  await push(buildFrameTs({ sequence: 3, ...book, timestampMs: serverNow() + 100 }));
  expect(screen.getByTestId('latency').textContent).toBe('clock uncertain');
  store.dispose();
});

it('says how long a live book has been unchanged', async () => {
  const { store, push } = await startStore();
  render(<ConnectionStatus store={store} />);
  const book = { bids: [[100, 1]] as [number, number][], asks: [[101, 1]] as [number, number][] };
  await push(buildFrameTs({ sequence: 1, ...book, bookUnchangedMs: 1200 }));
  expect(screen.queryByTestId('unchanged')).toBeNull();
  await push(buildFrameTs({ sequence: 2, ...book, bookUnchangedMs: 7400 }));
  expect(screen.getByTestId('unchanged').textContent).toBe('unchanged for 7 s');
  store.dispose();
});
