import type { Meta, StoryObj } from '@storybook/react-vite';
import { within } from 'storybook/test';

import { AllComponents } from './support/AllComponents';
import { expectMarketPrice } from './support/expectMarketPrice';
import { MARKETS, type MarketId } from './support/markets';
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
  },
});

export const KrakenBtcChf = market('kraken-btc-chf');
export const BinanceNknUsdt = market('binance-nkn-usdt');
export const BinanceUsdmSushiUsdt = market('binance-usdm-sushi-usdt');
export const Simulator = market('sim');
