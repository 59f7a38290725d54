import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';

import { loadEngine, recordedFrames, startStore } from '../../tests/unit/engineFixtures';
import { ConnectionStatus } from './ConnectionStatus';

loadEngine();
afterEach(cleanup);

it('goes live with frames, counts gaps, then reconnecting and down', async () => {
  const { store, source, push } = await startStore();
  render(<ConnectionStatus store={store} />);
  const status = () => screen.getByRole('status').getAttribute('data-health');
  const frames = recordedFrames();
  await push(frames[0], frames[2]); // frame 1 missed: a gap
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
  const { store, push } = await startStore({ staleAfterMs: 200 });
  render(<ConnectionStatus store={store} />);
  await push(recordedFrames()[0]);
  await act(async () => new Promise((r) => setTimeout(r, 400)));
  expect(screen.getByRole('status').getAttribute('data-health')).toBe('stale');
  store.dispose();
});
