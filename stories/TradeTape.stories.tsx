import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';

import { OrderbookLadder, ReplaySource, TradeTape, type TradeTapeProps, useMarketStore } from '../components';
import { useStoryMarket } from './support/MarketChoice';
import { storyMarket } from './support/markets';
import { tapeRows as rows } from './support/tapeRows';

type Args = Omit<TradeTapeProps, 'store'>;

function RecordedTape(props: Args) {
  const { recording } = useStoryMarket();
  const store = useMarketStore(() => new ReplaySource({ recording }), [recording]);
  if (!store) return null;
  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <TradeTape store={store} {...props} />
      <OrderbookLadder store={store} depth={12} height={props.height ?? 360} showTraded groupings={[]} />
    </div>
  );
}

const meta = {
  title: 'Components/TradeTape',
  component: RecordedTape,
  tags: ['autodocs'],
  args: { height: 360, timeZone: 'UTC' },
  argTypes: {
    timeZone: { control: 'select', options: ['UTC', 'America/New_York', 'Europe/London', 'Asia/Tokyo'] },
    height: { control: { type: 'range', min: 120, max: 600, step: 20 } },
  },
} satisfies Meta<typeof RecordedTape>;
export default meta;
type Story = StoryObj<typeof meta>;

/**
 * Real prints: the market picked in the toolbar (Coinbase BTC-USD by default), recorded by
 * tickframe-server from a capture (Coinbase `market_trades` beside `level2` on one connection) and
 * replayed through the real parser → WASM engine → store path. Times are the exchange's.
 */
export const RealMarket: Story = {
  play: async ({ canvasElement, globals }) => {
    const market = storyMarket(globals.market);
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(3), { timeout: 15_000 });
    const first = rows(canvasElement)[0];
    const price = Number(first.querySelector('.tf-tape__price')!.textContent!.replace(/[^\d.]/g, ''));
    if (market.printRange) {
      await expect(price).toBeGreaterThanOrEqual(market.printRange[0]);
      await expect(price).toBeLessThanOrEqual(market.printRange[1]);
    }
    // HH:MM:SS.mmm in the exchange's clock; the price in the market's decimals.
    await expect(first.querySelector('.tf-tape__time')!.textContent).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3}$/);
    await expect(first.querySelector('.tf-tape__price')!.textContent!.replace(/[▲▼]/g, '')).toMatch(new RegExp(`\\.\\d{${market.priceDecimals}}$`));
    // Aggregating by 1 s never shows more rows than prints.
    const raw = rows(canvasElement).length;
    await userEvent.selectOptions(within(canvasElement).getByLabelText('Aggregate'), '1000');
    await waitFor(() => expect(rows(canvasElement).length).toBeLessThanOrEqual(raw));
  },
};
