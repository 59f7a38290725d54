/**
 * The tape's edge cases. Frames are built here as the server sends them (the flags its window sets,
 * `server/src/engine/trade_window.rs`), then go through the real parser → WASM engine → store path.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor } from 'storybook/test';

import { ConnectionStatus, TradeTape, type FrameSource, type FrameSourceEvents, useMarketStore } from '../components';
import { buildFrameTs, printsFrom, type TestPrint } from '../tests/support/buildFrame';
import { computedColor } from './support/cssColor';
import { ScriptedSource } from './support/ScriptedSource';
import { tapeRows as rows } from './support/tapeRows';

type Book = [number, number][];
const bids: Book = [
  [100, 2],
  [99.99, 3],
  [99.98, 4],
];
const asks: Book = [
  [100.01, 2],
  [100.02, 3],
  [100.03, 4],
];
const at = printsFrom(Date.UTC(2026, 7, 9, 21, 6, 0));
/** The wire's `Trade::flags` (schema/orderbook.fbs). */
const AGGREGATED = 1;
const GAP_BEFORE = 2;

function EdgeTape({ source, staleAfterMs }: { source: () => FrameSource; staleAfterMs?: number }) {
  const store = useMarketStore(source, [], { staleAfterMs });
  if (!store) return null;
  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <TradeTape store={store} height={300} />
      <ConnectionStatus store={store} />
    </div>
  );
}

const meta = { title: 'Edge cases/Tape', component: EdgeTape } satisfies Meta<typeof EdgeTape>;
export default meta;
type EdgeStory = StoryObj<typeof EdgeTape>;

/**
 * A burst larger than the server's window (256 prints a frame): the server sums prints of one time,
 * side and price (flagged), and when even that is too many it keeps the newest and marks the gap
 * before them (the rest are only in the totals). The frame below is that window as the server sends it.
 */
export const BurstLargerThanWindow: EdgeStory = {
  render: () => (
    <EdgeTape
      source={() =>
        new ScriptedSource([
          buildFrameTs({
            sequence: 1,
            bids,
            asks,
            trades: Array.from({ length: 256 }, (_, i) =>
              at(
                1_001 + i,
                Math.floor(i / 8),
                100.01 + (i % 3) / 100,
                0.5 + (i % 5),
                true,
                (i === 0 ? GAP_BEFORE : 0) | (i % 4 === 0 ? AGGREGATED : 0),
              ),
            ),
          }),
        ])
      }
    />
  ),
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(canvasElement.querySelector('.tf-tape')!.getAttribute('data-trade-seq')).toBe('1256'));
    // The oldest row marks the prints the burst left out; aggregated rows say so.
    const tape = canvasElement.querySelector('.tf-tape__viewport')!;
    tape.scrollTop = tape.scrollHeight;
    await waitFor(() => expect(canvasElement.querySelector('[data-seq="1001"]')?.getAttribute('data-gap')).toBe('true'));
    await expect(canvasElement.querySelectorAll('[data-aggregated]').length).toBeGreaterThan(0);
  },
};

/** The venue's trade ids skipped (the server flags the print after the hole): a dashed line marks it. */
export const TradeIdGap: EdgeStory = {
  render: () => (
    <EdgeTape
      source={() =>
        new ScriptedSource([
          buildFrameTs({ sequence: 1, bids, asks, trades: [at(1, 0, 100.01, 1, true), at(2, 5, 100, 2, false)] }),
          buildFrameTs({
            sequence: 2,
            bids,
            asks,
            trades: [at(1, 0, 100.01, 1, true), at(2, 5, 100, 2, false), at(3, 900, 100.02, 0.5, true, GAP_BEFORE), at(4, 950, 100.02, 0.25, true)],
          }),
        ])
      }
    />
  ),
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(rows(canvasElement)).toHaveLength(4));
    const gap = canvasElement.querySelector('[data-seq="3"]')!;
    await expect(gap.getAttribute('data-gap')).toBe('true');
    await expect(gap.getAttribute('aria-label')).toMatch(/prints missing before it/);
    await expect(canvasElement.querySelectorAll('[data-gap]')).toHaveLength(1);
  },
};

/** A reconnect whose subscribe snapshot repeats prints already shown (and frames that repeat the window): each print once. */
class ReconnectingSource implements FrameSource {
  private timers: ReturnType<typeof setTimeout>[] = [];
  start(events: FrameSourceEvents) {
    const window = [at(1, 0, 100.01, 1, true), at(2, 10, 100.01, 2, true), at(3, 20, 100, 1, false)];
    const frame = (sequence: number, trades: TestPrint[]) => buildFrameTs({ sequence, bids, asks, trades });
    const steps: (() => void)[] = [
      () => events.state('open'),
      () => events.frame(frame(1, window).slice().buffer, Date.now()),
      () => events.frame(frame(2, window).slice().buffer, Date.now()),
      () => events.state('reconnecting'),
      () => events.state('open'), // the same server: sequences restart, print numbers go on
      () => events.frame(frame(1, [...window, at(4, 30, 100.02, 1, true)]).slice().buffer, Date.now()),
    ];
    steps.forEach((step, i) => this.timers.push(setTimeout(step, 30 * i)));
  }
  stop() {
    this.timers.forEach(clearTimeout);
  }
}

export const DuplicateSnapshot: EdgeStory = {
  render: () => <EdgeTape source={() => new ReconnectingSource()} />,
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(canvasElement.querySelector('.tf-tape')!.getAttribute('data-trade-seq')).toBe('4'));
    await expect(rows(canvasElement).map((r) => r.getAttribute('data-seq'))).toEqual(['4', '3', '2', '1']);
  },
};

/** Frames stop: the tape greys like every component, and its prints stay readable. */
export const Stale: EdgeStory = {
  render: () => (
    <EdgeTape
      staleAfterMs={1500}
      source={() => new ScriptedSource([buildFrameTs({ sequence: 1, bids, asks, trades: [at(1, 0, 100.01, 1, true)] })])}
    />
  ),
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(rows(canvasElement)).toHaveLength(1));
    await waitFor(() => expect(canvasElement.querySelector('.tf-tape')!.getAttribute('data-stale')).toBe('true'), { timeout: 5000 });
    const price = canvasElement.querySelector('.tf-tape__price')!;
    const staleFg = getComputedStyle(canvasElement.querySelector('.tf-tape')!).getPropertyValue('--tf-stale-fg').trim();
    await expect(getComputedStyle(price).color).toBe(computedColor(staleFg));
  },
};
