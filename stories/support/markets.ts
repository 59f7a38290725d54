/**
 * The recordings the stories replay: real markets, made by the project's own pipeline from
 * third-party exchange captures (`scripts/make-story-recordings.sh`, credits in
 * `stories/fixtures/README.md`), and the simulator's deterministic sample.
 */
import binanceNknUsdt from '../fixtures/binance-nkn-usdt.tfrec?url';
import binanceUsdmSushi from '../fixtures/binance-usdm-sushi-usdt.tfrec?url';
import krakenBtcChf from '../fixtures/kraken-btc-chf.tfrec?url';
import simUsd from '../fixtures/sim-usd.tfrec?url';

export interface StoryMarket {
  /** The toolbar's name for it. */
  title: string;
  recording: string;
  /** Where the recording came from. */
  source: string;
  /** Best bid range over the whole recording and the decimals its tick has: what a story test checks. */
  bidRange: [number, number];
  priceDecimals: number;
}

export const MARKETS = {
  'kraken-btc-chf': {
    title: 'Kraken BTC/CHF',
    recording: krakenBtcChf,
    source: 'Kraken WebSocket v1 book, April 2021 (cryptofeed capture)',
    bidRange: [56000, 56200],
    priceDecimals: 1,
  },
  'binance-nkn-usdt': {
    title: 'Binance NKN/USDT',
    recording: binanceNknUsdt,
    source: 'Binance spot depth diffs + REST snapshot, October 2021 (cryptofeed capture)',
    bidRange: [0.35, 0.353],
    priceDecimals: 5,
  },
  'binance-usdm-sushi-usdt': {
    title: 'Binance USD-M SUSHI/USDT perpetual',
    recording: binanceUsdmSushi,
    source: 'Binance USD-M futures depth diffs + REST snapshot, 2021 (cryptofeed capture)',
    bidRange: [7.6, 7.62],
    priceDecimals: 3,
  },
  sim: {
    title: 'Simulator SIM-USD',
    recording: simUsd,
    source: 'tickframe-server record-sim (deterministic)',
    bidRange: [990, 1010],
    priceDecimals: 2,
  },
} satisfies Record<string, StoryMarket>;

export type MarketId = keyof typeof MARKETS;
/** What the Storybook opens on: a real market. */
export const DEFAULT_MARKET: MarketId = 'kraken-btc-chf';

export function storyMarket(id: unknown): StoryMarket {
  return MARKETS[(typeof id === 'string' && id in MARKETS ? id : DEFAULT_MARKET) as MarketId];
}
