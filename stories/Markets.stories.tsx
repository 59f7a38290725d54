import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';

import { AllComponents } from './support/AllComponents';
import { expectMarketPrice } from './support/expectMarketPrice';
import { MARKETS, type MarketId, type StoryMarket } from './support/markets';
import { RecordedMarket } from './support/RecordedMarket';

function Market() {
  return <RecordedMarket>{(store) => <AllComponents store={store} />}</RecordedMarket>;
}

const meta = { title: 'Recorded markets', component: Market } satisfies Meta<typeof Market>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Each recording, every component, through the real parser → WASM engine → store path: the ladder's best bid is the venue's price. */
const market = (id: MarketId): Story => ({
  globals: { market: id },
  parameters: { docs: { description: { story: MARKETS[id].source } } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const bid = await canvas.findByTestId('best-bid', {}, { timeout: 15_000 });
    await expectMarketPrice(bid.querySelector('.tf-ladder__price')!.textContent, MARKETS[id]);
    const m: StoryMarket = MARKETS[id];
    if (m.printRange) {
      // The tape shows the venue's own prints, in its decimals and price range.
      const tape = canvas.getByRole('grid', { name: /^Trades/ });
      const row = await within(tape).findAllByRole('row', { name: /(buy|sell) / }, { timeout: 15_000 });
      const price = Number(row[0].querySelector('.tf-tape__price')!.textContent!.replace(/[^\d.]/g, ''));
      await expect(price).toBeGreaterThanOrEqual(m.printRange[0]);
      await expect(price).toBeLessThanOrEqual(m.printRange[1]);
    }
  },
});

export const CoinbaseBtcUsd = market('coinbase-btc-usd');
export const CoinbaseEthUsd = market('coinbase-eth-usd');
export const KrakenScEur = market('kraken-sc-eur');
export const KrakenBtcChf = market('kraken-btc-chf');
export const BinanceNknUsdt = market('binance-nkn-usdt');
export const BinanceUsdmSushiUsdt = market('binance-usdm-sushi-usdt');
export const Simulator = market('sim');
