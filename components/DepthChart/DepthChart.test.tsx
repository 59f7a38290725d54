import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';

import { buildFrameTs, loadEngine, startStore } from '../../tests/unit/engineFixtures';
import { DepthChart } from './DepthChart';

loadEngine();
afterEach(cleanup);

async function setup(frame: Uint8Array) {
  const { store, push } = await startStore();
  const onHover = vi.fn();
  render(<DepthChart store={store} onHover={onHover} locale="en-US" />);
  await push(frame);
  return { store, onHover };
}

it('draws both cumulative curves and steps through levels with the keyboard', async () => {
  const { store, onHover } = await setup(
    buildFrameTs({
      sequence: 1,
      bids: [
        [10, 1],
        [9.99, 2],
      ],
      asks: [
        [10.01, 3],
        [10.02, 4],
      ],
    }),
  );
  const chart = screen.getByRole('img');
  expect(chart.querySelectorAll('path')).toHaveLength(4);
  chart.focus();
  fireEvent.keyDown(chart, { key: 'ArrowLeft' }); // from the middle to the best bid
  expect(onHover).toHaveBeenLastCalledWith({ side: 'bid', price: 10, cumulative: 1 });
  fireEvent.keyDown(chart, { key: 'ArrowLeft' });
  expect(onHover).toHaveBeenLastCalledWith({ side: 'bid', price: 9.99, cumulative: 3 });
  expect(screen.getByTestId('depth-readout').textContent).toBe('Bid 9.99 · cumulative 3.000');
  fireEvent.keyDown(chart, { key: 'Escape' });
  expect(onHover).toHaveBeenLastCalledWith(null);
  store.dispose();
});

it('refuses to draw a crossed book', async () => {
  const { store } = await setup(buildFrameTs({ sequence: 1, bids: [[10.05, 1]], asks: [[10.01, 3]] }));
  expect(screen.queryByRole('img')).toBeNull();
  expect(screen.getByRole('alert').textContent).toContain('Crossed book');
  store.dispose();
});
