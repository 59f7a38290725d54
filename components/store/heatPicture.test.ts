/**
 * The store's heatmap access over the real engine: heat columns from frames painted as RGBA (a known
 * bin's pixel has its palette colour), the history rebuilt after a replay's jump from the frames
 * before it, and nothing painted before the engine has columns.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createMarketStore } from './createMarketStore';
import { buildFrameTs, loadEngine } from '../../tests/support/engineFixtures';
import { ClockedSource } from '../../tests/support/manualSource';
import { buildPalette } from '../LiquidityHeatmap/heatPalette';
import type { TestHeatColumn } from '../../tests/support/buildFrame';

loadEngine();

const BINS = 8;
const column = (seq: number, lots: number[], status?: number): TestHeatColumn => ({
  seq,
  endMs: 1_000 + seq * 100,
  lowPrice: 99.96,
  binSize: 0.01,
  bestBid: 100,
  bestAsk: 100.01,
  status,
  lots,
});
const frame = (sequence: number, heat: TestHeatColumn[]) => buildFrameTs({ sequence, bids: [[100, 1]], asks: [[100.01, 1]], heat });
// Palette entry i = (i, 0, 255 − i, 255): the red channel says the index.
const palette = buildPalette(
  [
    [0, 0, 255, 255],
    [255, 0, 0, 255],
  ],
  [9, 9, 9, 99],
);
const view = { width: 4, height: BINS, columnPx: 1, priceTop: 99.96 + 0.075, priceBottom: 99.96 - 0.005 };

describe('store.heatmap', () => {
  afterEach(() => vi.restoreAllMocks());

  it('paints the columns the frames carried: the largest bin at the palette top, the smallest at its foot', async () => {
    const source = new ClockedSource();
    const store = createMarketStore({ source });
    await store.ready;
    store.heatmap.setPalette(palette);
    expect(store.heatmap.paint(view)?.changed).toBe(false); // no columns yet: nothing painted
    const ramp = [1, 3, 10, 30, 100, 300, 1000, 3000];
    for (let s = 1; s <= 4; s++) source.at(frame(s, [column(s, ramp)]));
    const p = store.heatmap.paint(view)!;
    expect(p.changed).toBe(true);
    expect(p.state).toMatchObject({ newestSeq: 4, columns: 4, bins: BINS, intervalMs: 100 });
    const red = (x: number, y: number) => p.pixels[(y * view.width + x) * 4];
    expect(red(3, 0)).toBeGreaterThan(245); // top row: 3000 lots
    expect(red(3, BINS - 1)).toBeLessThan(10); // bottom row: 1 lot
    expect(red(3, 3)).toBeLessThan(red(3, 2)); // monotonic in size
    store.dispose();
  });

  it('rebuilds the history from the frames before a jump', async () => {
    const source = new ClockedSource();
    const store = createMarketStore({ source });
    await store.ready;
    store.heatmap.setPalette(palette);
    const frames = Array.from({ length: 6 }, (_, i) => frame(i + 1, [column(i + 1, [1, 2, 3, 4, 5, 6, 7, 8], i === 2 ? 1 : 0)]));
    frames.forEach((f) => source.at(f));
    const live = store.heatmap.paint(view)!;
    const livePixels = live.pixels.slice();
    expect(live.state.notLive).toBe(1);
    // A seek: the source says it jumped and hands the frames before the point; then the frame at it.
    source.events?.jumped?.(frames.slice(0, 5));
    source.events?.state('open');
    source.at(frames[5]);
    const rebuilt = store.heatmap.paint(view)!;
    expect(rebuilt.state).toMatchObject({ columns: 6, notLive: 1, newestSeq: 6 });
    expect([...rebuilt.pixels]).toEqual([...livePixels]);
    // And what is under a pixel.
    const r = store.heatmap.readout(3.5, 0.5)!;
    expect(r).toMatchObject({ seq: 6, status: 'live' });
    expect(r.price).toBeCloseTo(100.03, 9);
    expect(r.size).toBeCloseTo(8 * 0.001, 6);
    store.dispose();
    expect(store.heatmap.paint(view)).toBeNull();
  });
});
