/**
 * LiquidityHeatmap over the real engine in jsdom (no canvas here: the pixels are checked in Chromium
 * by the stories' play functions): its accessible summary, the keyboard (follow / pause, the readout
 * cursor, zoom), and the stale badge.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildFrameTs, loadEngine } from '../../tests/support/engineFixtures';
import type { TestHeatColumn } from '../../tests/support/buildFrame';
import { startStore } from '../../tests/support/manualSource';
import { advance, installPaintClock } from '../../tests/support/paintClock';
import { LiquidityHeatmap } from './LiquidityHeatmap';

loadEngine();
installPaintClock();
afterEach(cleanup);

const column = (seq: number): TestHeatColumn => ({
  seq,
  endMs: Date.UTC(2026, 7, 9, 21, 6, 0) + seq * 100,
  lowPrice: 99.84,
  binSize: 0.01,
  bestBid: 100,
  bestAsk: 100.01,
  lots: Array.from({ length: 32 }, (_, i) => 1 + i * 10),
});
const frame = (sequence: number) => buildFrameTs({ sequence, bids: [[100, 5]], asks: [[100.01, 5]], heat: [column(sequence)] });

describe('LiquidityHeatmap', () => {
  it('describes the picture, moves a readout cursor by keyboard, pauses and follows', async () => {
    // jsdom has no canvas: the component must cope (a browser paints; this checks the rest).
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const { store, push } = await startStore();
    render(<LiquidityHeatmap store={store} width={64} height={32} locale="en-US" />);
    for (let s = 1; s <= 21; s++) push(frame(s));
    act(() => advance(1100)); // the summary is refreshed at most once a second, and after the last paint
    const picture = screen.getByRole('application', { name: 'Liquidity heatmap TS-USD' });
    const img = screen.getByRole('img');
    expect(img.getAttribute('aria-label')).toMatch(/Liquidity heatmap of TS-USD: the last 2 s in 21 columns of 100 ms/);
    expect(img.getAttribute('aria-label')).toMatch(/best bid 100\.00, best ask 100\.01/);
    // The cursor starts at the newest column; the readout says its time, price and size.
    act(() => {
      fireEvent.keyDown(picture, { key: 'ArrowLeft' });
    });
    act(() => advance(300));
    expect(screen.getByTestId('heatmap-readout').textContent).toMatch(/^21:06:02\.000 · 100\.\d\d · [\d.]+ resting$/);
    // F pauses (the picture stops following), Home follows again.
    const follow = screen.getByRole('button', { name: /Following/ });
    expect(follow.getAttribute('aria-pressed')).toBe('true');
    act(() => {
      fireEvent.keyDown(picture, { key: 'f' });
    });
    expect(screen.getByRole('button', { name: /Paused/ }).getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByText('paused')).toBeTruthy();
    act(() => {
      fireEvent.keyDown(picture, { key: 'Home' });
    });
    expect(screen.getByRole('button', { name: /Following/ })).toBeTruthy();
    store.dispose();
  });

  it('says stale when the feed is', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const { store, push } = await startStore({ staleAfterMs: 1000 });
    render(<LiquidityHeatmap store={store} width={64} height={32} />);
    push(frame(1));
    expect(screen.queryByText('stale')).toBeNull();
    act(() => advance(3000));
    expect(screen.getByText('stale')).toBeTruthy();
    store.dispose();
  });
});
