/** The controls read the replay's one observable progress and drive the source; no effect, no sleeps. */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';

import { loadEngine, recordingBytes } from '../../tests/support/engineFixtures';
import { advance, installPaintClock } from '../../tests/support/paintClock';
import { readRecording } from '../feed/recording';
import { ReplaySource } from '../feed/ReplaySource';
import { createMarketStore } from '../store/createMarketStore';
import { ReplayControls } from './ReplayControls';

loadEngine();
installPaintClock();
afterEach(cleanup);

const frames = readRecording(recordingBytes()).frames;

async function loaded(source: ReplaySource) {
  const store = createMarketStore({ source });
  await act(async () => {
    await store.ready;
    await vi.advanceTimersByTimeAsync(0); // the recording loads and the first frame plays
  });
  return store;
}

it('shows the recording’s market, range and position, and follows playback frame by frame', async () => {
  const source = new ReplaySource({ recording: recordingBytes() });
  render(<ReplayControls source={source} locale="en-GB" />);
  expect(screen.getByTestId('replay-symbol').textContent).toBe('Loading…');
  const store = await loaded(source);
  expect(screen.getByTestId('replay-symbol').textContent).toBe('SIM-USD');
  expect(screen.getByTestId('replay-progress').textContent).toBe(`frame 1 / ${frames.length}`);
  expect(screen.getByTestId('replay-range').textContent).toMatch(/^recorded /);
  advance(frames[2].receivedMs - frames[0].receivedMs);
  expect(screen.getByTestId('replay-progress').textContent).toBe(`frame 3 / ${frames.length}`);
  store.dispose();
});

it('pause, step, speed, loop and the position slider drive the source, and the store sees the same state', async () => {
  const source = new ReplaySource({ recording: recordingBytes() });
  render(<ReplayControls source={source} />);
  const store = await loaded(source);
  fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
  expect(source.getProgress().playing).toBe(false);
  expect(store.getState().replay).toEqual({ playing: false, speed: 1 });
  fireEvent.click(screen.getByRole('button', { name: 'Step' }));
  expect(screen.getByTestId('replay-progress').textContent).toBe(`frame 2 / ${frames.length}`);
  fireEvent.change(screen.getByRole('combobox', { name: 'Speed' }), { target: { value: '4' } });
  expect(store.getState().replay).toEqual({ playing: false, speed: 4 });
  fireEvent.click(screen.getByRole('checkbox', { name: 'Loop' }));
  expect(source.getProgress().loop).toBe(false);
  fireEvent.change(screen.getByRole('slider', { name: 'Position' }), { target: { value: '1000' } });
  expect(source.getProgress().positionMs).toBeLessThanOrEqual(1000);
  expect(source.getProgress().positionMs).toBeGreaterThan(0);
  fireEvent.click(screen.getByRole('button', { name: 'Play' }));
  expect(store.getState().replay).toEqual({ playing: true, speed: 4 });
  store.dispose();
});

it('progress is one value: the same object until playback moves', async () => {
  const source = new ReplaySource({ recording: recordingBytes(), autoplay: false });
  const store = await loaded(source);
  const before = source.getProgress();
  expect(source.getProgress()).toBe(before);
  source.step();
  expect(source.getProgress()).not.toBe(before);
  expect(source.getProgress().index).toBe(before.index + 1);
  store.dispose();
});
