/**
 * The heatmap's edge cases. Frames are built here as the server sends them (heat columns as
 * `server/src/engine/heat_columns.rs` makes them), then go through the real parser → WASM engine →
 * store path; the play functions read the canvas's pixels in Chromium.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';

import { LiquidityHeatmap, type FrameSource, useMarketStore } from '../components';
import { BookStatus, buildFrameTs, type TestHeatColumn } from '../tests/support/buildFrame';
import { columnsShown, near, paintedPixels, pixel, themeRgba } from './support/heatmapPixels';
import { ScriptedSource } from './support/ScriptedSource';

const BINS = 32;
const T0 = Date.UTC(2026, 7, 9, 21, 6, 0);
const book = { bids: [[100, 5]] as [number, number][], asks: [[100.01, 5]] as [number, number][] };

/** Column `seq` of 32 bins of 0.01 from 99.84, bin i holding `lots(i)` (lot 0.001). */
function column(seq: number, lots: (i: number) => number, status?: BookStatus, flags = 0): TestHeatColumn {
  return {
    seq,
    endMs: T0 + seq * 100,
    lowPrice: 99.84,
    binSize: 0.01,
    bestBid: 100,
    bestAsk: 100.01,
    status,
    flags,
    lots: Array.from({ length: BINS }, (_, i) => lots(i)),
  };
}
const ramp = (i: number) => 1 + i * 100;

/** Frames carrying `columns` (one per frame), sent 20 ms apart. */
function scripted(columns: TestHeatColumn[], then?: 'closed'): () => FrameSource {
  return () =>
    new ScriptedSource(
      columns.map((c, i) => buildFrameTs({ sequence: i + 1, ...book, status: c.status, heat: [c] })),
      then,
    );
}

function EdgeHeatmap({ source, staleAfterMs }: { source: () => FrameSource; staleAfterMs?: number }) {
  const store = useMarketStore(source, [], { staleAfterMs });
  if (!store) return null;
  // One bin a pixel row, one column 4 px: row y is bin 31 − y (the top row 100.15, the bottom 99.84).
  return <LiquidityHeatmap store={store} width={240} height={BINS} columnPx={4} priceRange={{ top: 100.155, bottom: 99.835 }} showTouch={false} />;
}
const meta = { title: 'Edge cases/Heatmap', component: EdgeHeatmap } satisfies Meta<typeof EdgeHeatmap>;
export default meta;
type EdgeStory = StoryObj<typeof EdgeHeatmap>;

/**
 * A resync in the middle of the picture: 10 intervals of the book resyncing between live ones are
 * hatched over grey; a known bin's pixel (the largest, at the top) has the theme's top colour.
 */
export const ResyncInTheMiddle: EdgeStory = {
  render: () => (
    <EdgeHeatmap
      source={scripted(Array.from({ length: 50 }, (_, i) => column(i + 1, ramp, i >= 20 && i < 30 ? BookStatus.Resyncing : BookStatus.Live)))}
    />
  ),
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(columnsShown(canvasElement)).toBe(50), { timeout: 15_000 });
    // (the summary lags the picture by at most a second; the pixels are there by then)
    await waitFor(() => expect(paintedPixels(canvasElement)).toBeGreaterThan(1000));
    // The newest column (rightmost 4 px): its largest bin, at the top row, is --tf-heat-4.
    const w = 240;
    const top = pixel(canvasElement, w - 2, 0);
    // (Within two palette entries: the scale's head is the window's p99 bucket, at or just above the largest.)
    const want = themeRgba(canvasElement, '--tf-heat-4');
    await expect({ top, near: near(top, want, 10) }).toEqual({ top, near: true });
    await expect(want).toEqual([255, 255, 255, 255]);
    // Column 25 (resyncing) sits 25 columns from the right: only hatch and grey there.
    const x = w - (50 - 25) * 4 - 2;
    const hatch = themeRgba(canvasElement, '--tf-heat-hatch');
    const marked = Array.from({ length: BINS }, (_, y) => pixel(canvasElement, x, y));
    await expect({ hatch, hatched: marked.filter((p) => near(p, hatch, 3)).length > 0 }).toEqual({ hatch, hatched: true });
    await expect(marked.filter((p) => !near(p, hatch, 3) && !(p[0] === p[1] && p[1] === p[2]))).toEqual([]);
  },
};

/** The feed goes stale (the last intervals stale, then the connection closes): marked, and the badge says so. */
export const StaleFeed: EdgeStory = {
  render: () => (
    <EdgeHeatmap
      staleAfterMs={1500}
      source={scripted(
        Array.from({ length: 30 }, (_, i) => column(i + 1, ramp, i >= 25 ? BookStatus.Stale : BookStatus.Live)),
        'closed',
      )}
    />
  ),
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(columnsShown(canvasElement)).toBeGreaterThan(0), { timeout: 15_000 });
    await waitFor(() => expect(within(canvasElement).queryByText('stale')).toBeNull());
    // The summary is refreshed once a second: within a few, it counts the stale intervals.
    await waitFor(
      () => expect(canvasElement.querySelector('.tf-heatmap__pixels')!.getAttribute('aria-label')).toMatch(/5 intervals resyncing or stale/),
      {
        timeout: 5_000,
      },
    );
    await waitFor(() => expect(within(canvasElement).getByText('stale')).toBeTruthy(), { timeout: 5_000 });
    // The stale intervals (the newest five, at the right) are hatched over grey, never the live colours.
    const hatch = themeRgba(canvasElement, '--tf-heat-hatch');
    const stale = Array.from({ length: BINS }, (_, y) => pixel(canvasElement, 240 - 2, y));
    await expect(stale.filter((p) => !near(p, hatch, 3) && !(p[0] === p[1] && p[1] === p[2]))).toEqual([]);
    await expect(stale.some((p) => near(p, hatch, 3))).toBe(true);
    // A live one before them is the palette's: its largest bin, at the top, the scale's head.
    await expect(near(pixel(canvasElement, 240 - 6 * 4 - 2, 0), themeRgba(canvasElement, '--tf-heat-4'), 10)).toBe(true);
  },
};

/** A thin book: liquidity in three bins only; the rest is empty, not painted as liquidity. */
export const ThinBook: EdgeStory = {
  render: () => <EdgeHeatmap source={scripted(Array.from({ length: 40 }, (_, i) => column(i + 1, (b) => ([15, 16, 20].includes(b) ? 3 : 0))))} />,
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(columnsShown(canvasElement)).toBe(40), { timeout: 15_000 });
    // Three rows of 40 columns × 4 px are painted; nothing else.
    await waitFor(() => expect(paintedPixels(canvasElement)).toBe(3 * 40 * 4));
  },
};

/** A 1000-level book: frames of 1000 levels a side and heat columns of 1024 bins (the server's limit). */
export const ThousandLevels: EdgeStory = {
  render: () => (
    <EdgeHeatmap
      source={() => {
        const bids = Array.from({ length: 1000 }, (_, i) => [100 - i * 0.01, 1 + (i % 7)] as [number, number]);
        const asks = Array.from({ length: 1000 }, (_, i) => [100.01 + i * 0.01, 1 + (i % 5)] as [number, number]);
        const frames = Array.from({ length: 30 }, (_, s) =>
          buildFrameTs({
            sequence: s + 1,
            bids,
            asks,
            heat: [
              {
                seq: s + 1,
                endMs: T0 + s * 100,
                lowPrice: 94.88,
                binSize: 0.01,
                bestBid: 100,
                bestAsk: 100.01,
                lots: Array.from({ length: 1024 }, (_, i) => 1 + ((i * 37) % 500)),
              },
            ],
          }),
        );
        return new ScriptedSource(frames);
      }}
    />
  ),
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(columnsShown(canvasElement)).toBe(30), { timeout: 15_000 });
    await expect(canvasElement.querySelector('.tf-heatmap__pixels')!.getAttribute('aria-label')).toMatch(/bins of 0\.01/);
  },
};
