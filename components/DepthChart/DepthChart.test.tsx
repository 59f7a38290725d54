import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';

import { buildFrameTs, loadEngine } from '../../tests/support/engineFixtures';
import { startStore } from '../../tests/support/manualSource';
import { installPaintClock } from '../../tests/support/paintClock';
import { DepthChart } from './DepthChart';

loadEngine();
installPaintClock();
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

it('has a price axis marked on whole ticks and a size axis, both within the drawn range, and marks mid and spread', async () => {
  const bids: [number, number][] = Array.from({ length: 20 }, (_, i) => [100 - i * 0.05, 1 + i]);
  const asks: [number, number][] = Array.from({ length: 20 }, (_, i) => [100.1 + i * 0.05, 2 + i]);
  const { store } = await setup(buildFrameTs({ sequence: 1, bids, asks, tickSize: 0.05 }));
  const chart = screen.getByRole('img');
  const values = (axis: string) => [...screen.getByTestId(axis).querySelectorAll('text')].map((t) => Number(t.getAttribute('data-value')));
  const prices = values('depth-price-axis');
  expect(prices.length).toBeGreaterThanOrEqual(2);
  for (const p of prices) {
    expect(p).toBeGreaterThanOrEqual(bids.at(-1)![0]);
    expect(p).toBeLessThanOrEqual(asks.at(-1)![0]);
    expect(Math.abs(p / 0.05 - Math.round(p / 0.05))).toBeLessThan(1e-6); // a price the book can hold
  }
  // Labels carry the tick's decimals at most.
  for (const t of screen.getByTestId('depth-price-axis').querySelectorAll('text')) expect(t.textContent).toMatch(/^[\d,]+(\.\d{1,2})?$/);
  const sizes = values('depth-size-axis');
  const totalBid = bids.reduce((s, l) => s + l[1], 0);
  const totalAsk = asks.reduce((s, l) => s + l[1], 0);
  expect(sizes[0]).toBe(0);
  for (const v of sizes) expect(v).toBeLessThanOrEqual(Math.max(totalBid, totalAsk));
  // The mid marker sits inside the shaded spread.
  const mid = Number(screen.getByTestId('depth-mid').getAttribute('x1'));
  const gap = screen.getByTestId('depth-spread');
  const left = Number(gap.getAttribute('x'));
  expect(mid).toBeGreaterThan(left);
  expect(mid).toBeLessThan(left + Number(gap.getAttribute('width')));
  expect(chart.getAttribute('aria-label')).toContain('mid 100.050');
  store.dispose();
});
