import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildFrameTs, loadEngine, recordedFrames } from '../../tests/support/engineFixtures';
import { startStore } from '../../tests/support/manualSource';
import { advance, nextPaint, installPaintClock } from '../../tests/support/paintClock';
import { OrderbookLadder } from './OrderbookLadder';

loadEngine();
installPaintClock();
afterEach(cleanup);

async function setup(depth = 5) {
  const started = await startStore();
  const onLevelClick = vi.fn();
  render(<OrderbookLadder store={started.store} depth={depth} onLevelClick={onLevelClick} />);
  return { ...started, onLevelClick };
}

const price = (row: HTMLElement) => row.querySelector('.tf-ladder__price')!.textContent;

describe('OrderbookLadder with the real WASM engine', () => {
  it('shows bids, asks and the spread from a server frame', async () => {
    const { push, store } = await setup();
    const frame = recordedFrames()[0];
    await push(frame);
    const book = store.getState().book!;
    expect(price(screen.getByTestId('best-bid'))).toBe(book.bestBid.toLocaleString(undefined, { minimumFractionDigits: 2 }));
    expect(price(screen.getByTestId('best-ask'))).toBe(book.bestAsk.toLocaleString(undefined, { minimumFractionDigits: 2 }));
    expect(screen.getByTestId('spread-row').textContent).toContain(`Spread ${book.spread.toFixed(2)}`);
    expect(screen.getAllByRole('row').filter((r) => r.classList.contains('tf-ladder__row'))).toHaveLength(10);
    store.dispose();
  });

  it('never renders two distinct tiny prices as the same text', async () => {
    const { push, store } = await setup();
    await push(
      buildFrameTs({
        sequence: 1,
        tickSize: 1e-8,
        bids: [
          [0.00001234, 5],
          [0.00001233, 1],
        ],
        asks: [[0.00001235, 2]],
      }),
    );
    const texts = screen
      .getAllByRole('row')
      .filter((r) => r.classList.contains('tf-ladder__row'))
      .map(price);
    expect(texts).toEqual(['0.00001235', '0.00001234', '0.00001233']);
    store.dispose();
  });

  it('keyboard: arrows move focus, Enter reports the level', async () => {
    const { push, store, onLevelClick } = await setup(3);
    await push(
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
    const rows = screen.getAllByRole('row').filter((r) => r.classList.contains('tf-ladder__row'));
    expect(rows.map((r) => r.tabIndex)).toEqual([0, -1, -1, -1]);
    rows[0].focus();
    fireEvent.keyDown(rows[0], { key: 'ArrowDown' });
    fireEvent.keyDown(rows[1], { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows[2]);
    fireEvent.keyDown(rows[2], { key: 'Enter' });
    expect(onLevelClick).toHaveBeenCalledWith({ side: 'bid', price: 10, size: 1, cumulative: 1 });
    fireEvent.click(rows[3]);
    expect(onLevelClick).toHaveBeenLastCalledWith({ side: 'bid', price: 9.99, size: 2, cumulative: 3 });
    store.dispose();
  });

  it('a malformed frame leaves the last good picture and counts an error', async () => {
    const { push, store } = await setup();
    await push(recordedFrames()[0]);
    const before = price(screen.getByTestId('best-bid'));
    const bad = recordedFrames()[1].slice();
    bad.fill(0x7f, 12);
    await push(bad);
    expect(price(screen.getByTestId('best-bid'))).toBe(before);
    expect(store.getState().rejected).toBe(1);
    store.dispose();
  });

  it('dims a disconnected book and disables clicks', async () => {
    const { push, store, source, onLevelClick } = await setup();
    await push(recordedFrames()[0]);
    await act(async () => source.events!.state('reconnecting'));
    const ladder = document.querySelector('.tf-ladder')!;
    expect(ladder.getAttribute('data-stale')).toBe('true');
    fireEvent.click(screen.getByTestId('best-bid'));
    expect(onLevelClick).not.toHaveBeenCalled();
    store.dispose();
  });
});

describe('OrderbookLadder grouping', () => {
  it('groups exactly in ticks (bids floor, asks ceil) and formats with the grouping decimals', async () => {
    const { push, store } = await setup(5);
    await push(
      buildFrameTs({
        sequence: 1,
        bids: [
          [100.09, 1],
          [100.05, 0.5],
          [99.99, 2],
        ],
        asks: [
          [100.11, 1],
          [100.2, 0.25],
        ],
      }),
    );
    act(() => store.setGrouping(10));
    nextPaint();
    const rows = screen.getAllByRole('row').filter((r) => r.classList.contains('tf-ladder__row'));
    expect(rows.map(price)).toEqual(['100.2', '100.0', '99.9']);
    expect(rows.map((r) => r.querySelector('.tf-ladder__size')!.textContent)).toEqual(['1.250', '1.500', '2.000']);
    expect((screen.getByRole('combobox') as HTMLSelectElement).value).toBe('10');
    store.dispose();
  });
});

describe('OrderbookLadder at depth', () => {
  const deep = (seq: number, n: number, shift = 0) =>
    buildFrameTs({
      sequence: seq,
      bids: Array.from({ length: n }, (_, i) => [100 - (i + shift) * 0.01, 1 + i] as [number, number]),
      asks: Array.from({ length: n }, (_, i) => [100.01 + i * 0.01, 1 + i] as [number, number]),
    });

  it('500 levels a side: only the rows in view are in the DOM, centred on the spread', async () => {
    const { store, push } = await startStore();
    render(<OrderbookLadder store={store} depth={500} height={400} rowHeight={20} groupings={[]} />);
    await push(deep(1, 500));
    const rows = screen.getAllByRole('row').filter((r) => r.classList.contains('tf-ladder__row'));
    expect(rows.length).toBeLessThan(60); // 20 visible + overscan, not 1000
    expect(screen.getByTestId('best-bid')).toBeTruthy();
    expect(screen.getByTestId('best-ask')).toBeTruthy();
    expect(screen.getByRole('grid').getAttribute('aria-rowcount')).toBe('1002');
    store.dispose();
  });

  it('stops auto-centring when the user scrolls, and re-centres on request', async () => {
    const { store, push } = await startStore();
    render(<OrderbookLadder store={store} depth={100} height={200} rowHeight={20} />);
    await push(deep(1, 100));
    const viewport = document.querySelector('.tf-ladder__viewport') as HTMLDivElement;
    expect(viewport.scrollTop).toBe(100 * 20 + 10 - 100);
    expect(screen.queryByRole('button', { name: 'Re-centre' })).toBeNull();
    await act(async () => {
      viewport.scrollTop = 0; // the user scrolls to the top of the asks
      fireEvent.scroll(viewport);
    });
    await push(deep(2, 100, 1));
    expect(viewport.scrollTop).toBe(0); // left where the user put it
    fireEvent.click(screen.getByRole('button', { name: 'Re-centre' }));
    nextPaint();
    expect(viewport.scrollTop).toBe(100 * 20 + 10 - 100);
    store.dispose();
  });

  it("draws bars on one scale for both sides (the engine's), by size or cumulative, for the depth shown", async () => {
    const { store, push } = await startStore();
    const frame = buildFrameTs({
      sequence: 1,
      bids: [
        [10, 1],
        [9.99, 4],
        [9.98, 100],
      ],
      asks: [
        [10.01, 2],
        [10.02, 1],
        [10.03, 50],
      ],
    });
    const bars = () =>
      screen
        .getAllByRole('row')
        .filter((r) => r.classList.contains('tf-ladder__row'))
        .map((r) => r.style.getPropertyValue('--tf-bar'));
    const { rerender } = render(<OrderbookLadder store={store} depth={2} barMode="size" />);
    await push(frame);
    // Rows: asks 10.02, 10.01, then bids 10, 9.99. Within 2 levels the biggest is the 4-lot bid:
    // the deeper 100 and 50 do not shrink what is shown.
    expect(bars()).toEqual(['25.00%', '50.00%', '25.00%', '100.00%']);
    rerender(<OrderbookLadder store={store} depth={2} barMode="cumulative" />);
    // Cumulative within 2 levels: asks 2, 3; bids 1, 5 → the bid side's 5 is full length.
    expect(bars()).toEqual(['60.00%', '40.00%', '20.00%', '100.00%']);
    store.dispose();
  });

  it('announces the touch politely, at most once per announceEveryMs, and the last one when the feed pauses', async () => {
    const { store, push } = await startStore();
    render(<OrderbookLadder store={store} depth={3} announceEveryMs={1000} />);
    const live = () => document.querySelector('[aria-live="polite"]')!.textContent;
    await push(buildFrameTs({ sequence: 1, bids: [[10, 1]], asks: [[10.01, 1]] }));
    expect(live()).toBe('Best bid 10.00, best ask 10.01, spread 0.01'); // the first book at once
    await push(buildFrameTs({ sequence: 2, bids: [[10.5, 1]], asks: [[10.52, 1]] }));
    await push(buildFrameTs({ sequence: 3, bids: [[11, 1]], asks: [[11.03, 1]] }));
    expect(live()).toBe('Best bid 10.00, best ask 10.01, spread 0.01'); // two paints later: held back
    advance(1500);
    expect(live()).toBe('Best bid 11.00, best ask 11.03, spread 0.03'); // quiet feed: the latest, not an old one
    store.dispose();
  });

  it('flags changed levels for the flash, and not when flash is off', async () => {
    const { push, store } = await setup(3);
    await push(
      buildFrameTs({
        sequence: 1,
        bids: [
          [10, 1],
          [9.99, 2],
        ],
        asks: [[10.01, 3]],
      }),
    );
    await push(
      buildFrameTs({
        sequence: 2,
        bids: [
          [10, 2],
          [9.99, 2],
        ],
        asks: [[10.01, 1]],
      }),
    );
    expect(screen.getByTestId('best-bid').getAttribute('data-change')).toBe('up');
    expect(screen.getByTestId('best-ask').getAttribute('data-change')).toBe('down');
    const rows = screen.getAllByRole('row').filter((r) => r.classList.contains('tf-ladder__row'));
    expect(rows[2].getAttribute('data-change')).toBeNull();
    cleanup();
    render(<OrderbookLadder store={store} flash={false} />);
    await push(buildFrameTs({ sequence: 3, bids: [[10, 5]], asks: [[10.01, 1]] }));
    expect(screen.getByTestId('best-bid').getAttribute('data-change')).toBeNull();
    store.dispose();
  });
});
