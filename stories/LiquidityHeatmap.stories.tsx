/**
 * LiquidityHeatmap on the recorded real markets (their heat columns made by tickframe-server from
 * the captures, `scripts/make-story-recordings.sh`), in a Replay player that scrubs, and its edge
 * cases (`EdgeCasesHeatmap.stories.tsx`). The play functions read the canvas's pixels in Chromium.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useMemo, type ReactNode } from 'react';
import { expect, fireEvent, waitFor, within } from 'storybook/test';

import {
  createMarketStore,
  LiquidityHeatmap,
  OrderbookLadder,
  ReplayControls,
  ReplaySource,
  TradeTape,
  type LiquidityHeatmapProps,
  type MarketStore,
  useMarketStore,
} from '../components';
import { columnsShown, paintedPixels } from './support/heatmapPixels';
import { useStoryMarket } from './support/MarketChoice';
import { MARKETS } from './support/markets';

type Args = Omit<LiquidityHeatmapProps, 'store'>;

function RecordedHeatmap(props: Args & { recording?: string }) {
  const market = useStoryMarket();
  const recording = props.recording ?? market.recording;
  const store = useMarketStore(() => new ReplaySource({ recording }), [recording]);
  if (!store) return null;
  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <LiquidityHeatmap store={store} {...props} />
      <OrderbookLadder store={store} depth={10} height={props.height ?? 320} groupings={[]} />
    </div>
  );
}

const meta = {
  title: 'Components/LiquidityHeatmap',
  component: RecordedHeatmap,
  tags: ['autodocs'],
  args: { width: 600, height: 320, columnPx: 2, binPx: 2, showTrades: true, showTouch: true, timeZone: 'UTC' },
  argTypes: {
    columnPx: { control: { type: 'range', min: 1, max: 12, step: 1 } },
    binPx: { control: { type: 'range', min: 1, max: 16, step: 1 } },
    timeZone: { control: 'select', options: ['UTC', 'America/New_York', 'Europe/London', 'Asia/Tokyo'] },
  },
} satisfies Meta<typeof RecordedHeatmap>;
export default meta;
type Story = StoryObj<typeof meta>;

/**
 * The market picked in the toolbar (Coinbase BTC-USD by default, with its prints as circles): the
 * server's heat columns, 100 ms each, a bin's colour the largest size resting there in that interval.
 * Hover for the readout; focus the picture and use the arrow keys, F to pause, + / − and [ / ] to zoom.
 */
export const RealMarket: Story = {
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(columnsShown(canvasElement)).toBeGreaterThan(20), { timeout: 20_000 });
    await waitFor(() => expect(paintedPixels(canvasElement)).toBeGreaterThan(2_000));
    // The readout under the pointer: the column's time, the bin's price and its size.
    const overlay = within(canvasElement).getByTestId('heatmap-overlay');
    const box = overlay.getBoundingClientRect();
    fireEvent.mouseMove(overlay, { clientX: box.right - 3, clientY: box.top + box.height / 2 });
    await waitFor(() => expect(within(canvasElement).getByTestId('heatmap-readout').textContent).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} · [\d,.]+ · /));
  },
};

/** Binance USD-M SUSHI/USDT perpetual (2021), with its `aggTrade` prints. */
export const BinanceUsdm: Story = {
  args: { recording: MARKETS['binance-usdm-sushi-usdt'].recording },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(columnsShown(canvasElement)).toBeGreaterThan(20), { timeout: 20_000 });
    await expect(paintedPixels(canvasElement)).toBeGreaterThan(500);
  },
};

/** Beside the ladder and the tape, one feed (the dashboard's layout). */
export const WithLadderAndTape: Story = {
  render: (args) => (
    <RecordedMarketWith>
      {(store) => (
        <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
          <LiquidityHeatmap store={store} {...args} width={480} />
          <OrderbookLadder store={store} depth={12} height={320} />
          <TradeTape store={store} height={320} minNotionals={[]} />
        </div>
      )}
    </RecordedMarketWith>
  ),
};

function RecordedMarketWith({ children }: { children: (store: MarketStore) => ReactNode }) {
  const { recording } = useStoryMarket();
  const store = useMarketStore(() => new ReplaySource({ recording }), [recording]);
  return store ? <>{children(store)}</> : null;
}

/** A Replay player: scrubbing redraws the history at the seek point (the minute of frames before it). */
function ReplayHeatmap() {
  const market = useStoryMarket();
  const source = useMemo(() => new ReplaySource({ recording: market.recording, autoplay: true }), [market.recording]);
  const store = useMemo(() => createMarketStore({ source }), [source]);
  useEffect(() => () => store.dispose(), [store]);
  return (
    <div style={{ display: 'grid', gap: 8 }}>
      <ReplayControls source={source} />
      <LiquidityHeatmap store={store} width={600} height={280} />
    </div>
  );
}

export const Replay: StoryObj<typeof ReplayHeatmap> = {
  render: () => <ReplayHeatmap />,
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(columnsShown(canvasElement)).toBeGreaterThan(20), { timeout: 20_000 });
    const canvas = within(canvasElement);
    await fireEvent.click(canvas.getByRole('button', { name: 'Pause' }));
    const slider = canvas.getByRole('slider');
    // To the start: the history before it is nothing.
    fireEvent.change(slider, { target: { value: '0' } });
    await waitFor(() => expect(columnsShown(canvasElement)).toBeLessThan(3), { timeout: 5_000 });
    // Halfway: the columns before the point are there at once (a column per 100 ms), not grown from the seek.
    const half = Math.floor(Number(slider.getAttribute('max')) / 2);
    fireEvent.change(slider, { target: { value: String(half) } });
    await waitFor(() => expect(columnsShown(canvasElement)).toBeGreaterThanOrEqual(Math.floor(half / 100) - 10), { timeout: 5_000 });
  },
};

/** Dark and light: the colour map is the theme's (`--tf-heat-0` … `--tf-heat-4`). */
export const LightTheme: Story = {
  render: (args) => (
    <div data-theme="light" style={{ background: 'var(--tf-bg)', padding: 8 }}>
      <RecordedHeatmap {...args} />
    </div>
  ),
};
