import { describe, expect, it } from 'vitest';

import { BIN_PX_STEPS, followWindow, heatAxes, heatSummary, panWindow, priceOfY, readoutText, yOfPrice, zoomStep } from './heatmapModel';
import type { HeatState } from '../store/heatPicture';

const state: HeatState = {
  newestSeq: 300,
  oldestSeq: 1,
  columns: 300,
  bins: 256,
  binSize: 5,
  intervalMs: 100,
  newestEndMs: 1_786_000_000_000,
  newestLowPrice: 89_360,
  newestBid: 90_000,
  newestAsk: 90_000.01,
  missed: 0,
  notLive: 2,
  scaleLow: 0.001,
  scaleHigh: 3.5,
  version: 10,
  rightSeq: 300,
};

describe('heatmapModel', () => {
  it('follows the mid with hysteresis: recentred only when it leaves the middle half, on a whole bin', () => {
    const w = followWindow(null, 90_002.4, 320, 2.5, 5);
    expect(w).toEqual({ top: 90_000 + 400, bottom: 90_000 - 400 });
    expect(followWindow(w, 90_150, 320, 2.5, 5)).toBe(w); // within the middle half: the same window
    const moved = followWindow(w, 90_250, 320, 2.5, 5);
    expect(moved).toEqual({ top: 90_250 + 400, bottom: 90_250 - 400 });
    // A zoom (another span) recentres at once.
    expect(followWindow(w, 90_150, 320, 1, 5).top - followWindow(w, 90_150, 320, 1, 5).bottom).toBe(320);
  });

  it('maps prices to rows and back, and pans', () => {
    const w = { top: 110, bottom: 90 };
    expect(yOfPrice(w, 200, 100)).toBe(100);
    expect(priceOfY(w, 200, 50)).toBe(105);
    expect(panWindow(w, 10, 0.1)).toEqual({ top: 111, bottom: 91 });
  });

  it('steps the zoom within its steps', () => {
    expect(zoomStep(BIN_PX_STEPS, 2, 1)).toBe(3);
    expect(zoomStep(BIN_PX_STEPS, 1, -1)).toBe(1);
    expect(zoomStep(BIN_PX_STEPS, 16, 1)).toBe(16);
  });

  it('says what the picture shows, and what is under the cursor', () => {
    const fmt = (n: number) => n.toFixed(2);
    const text = heatSummary(state, 'BTC-USD', { top: 90_400, bottom: 89_600 }, fmt, fmt);
    expect(text).toContain('the last 30 s in 300 columns of 100 ms');
    expect(text).toContain('prices 89600.00 to 90400.00, bins of 5.00');
    expect(text).toContain('2 intervals resyncing or stale (hatched)');
    expect(heatSummary({ ...state, columns: 0 }, 'BTC-USD', null, fmt, fmt)).toMatch(/waiting for heat columns/);
    const time = () => '12:00:00.100';
    expect(readoutText({ seq: 5, endMs: 1, status: 'stale', price: 90_000, size: 1.5 }, fmt, fmt, time)).toBe(
      '12:00:00.100 · 90000.00 · 1.50 resting (stale)',
    );
    expect(readoutText({ seq: 5, endMs: NaN, status: 'gap', price: 90_000, size: NaN }, fmt, fmt, time)).toBe('90000.00: no data for this interval');
  });

  it('puts price labels on whole bins and time labels on round seconds', () => {
    const axes = heatAxes({ top: 90_400, bottom: 89_600 }, 320, 5, Date.UTC(2026, 7, 9, 21, 6, 7, 300), 100, 600, 2);
    expect(axes.prices.length).toBeGreaterThanOrEqual(4);
    for (const p of axes.prices) {
      expect(p.value % 5).toBe(0);
      expect(p.y).toBeCloseTo(((90_400 - p.value) / 800) * 320, 9);
    }
    // 50 ms a pixel: a label every 10 s (200 px), at round times, the right edge at 21:06:07.300.
    expect(axes.times.map((t) => new Date(t.ms).toISOString().slice(11, 19))).toEqual(['21:05:40', '21:05:50', '21:06:00']);
    expect(axes.times[2].x).toBeCloseTo(600 - 7_300 / 50, 9);
  });
});
