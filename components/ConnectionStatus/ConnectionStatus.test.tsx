import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';

import { loadEngine, ManualSource, recordedFrames } from '../../tests/unit/engineFixtures';
import { createMarketStore } from '../store/createMarketStore';
import { ConnectionStatus } from './ConnectionStatus';

loadEngine();
afterEach(cleanup);

it('goes live with frames, counts gaps, then reconnecting and down', async () => {
  const source = new ManualSource();
  const store = createMarketStore({ source });
  await store.ready;
  render(<ConnectionStatus store={store} />);
  const status = () => screen.getByRole('status').getAttribute('data-health');
  const frames = recordedFrames();
  await act(async () => {
    source.push(frames[0]);
    source.push(frames[2]); // frame 1 missed: a gap
    await new Promise((r) => setTimeout(r, 40));
  });
  await act(async () => {
    await new Promise((r) => setTimeout(r, 600)); // the stale check runs
  });
  expect(status()).toBe('live');
  expect(screen.getByRole('status').textContent).toContain('1 gaps');
  await act(async () => source.events!.state('reconnecting'));
  expect(status()).toBe('reconnecting');
  await act(async () => store.dispose());
  expect(status()).toBe('down');
});

it('an open feed that goes silent is stale', async () => {
  const source = new ManualSource();
  const store = createMarketStore({ source, staleAfterMs: 200 });
  await store.ready;
  render(<ConnectionStatus store={store} />);
  await act(async () => {
    source.push(recordedFrames()[0]);
    await new Promise((r) => setTimeout(r, 400));
  });
  expect(screen.getByRole('status').getAttribute('data-health')).toBe('stale');
  store.dispose();
});
