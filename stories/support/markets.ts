/**
 * The recordings the stories replay: real markets, made by the project's own pipeline from
 * third-party exchange captures (`scripts/make-story-recordings.sh`, credits in
 * `stories/fixtures/README.md`), and the simulator's deterministic sample.
 */
import binanceNknUsdt from '../fixtures/binance-nkn-usdt.tfrec?url';
import coinbaseBtcUsd from '../fixtures/coinbase-btc-usd.tfrec?url';
import coinbaseEthUsd from '../fixtures/coinbase-eth-usd.tfrec?url';
import krakenScEur from '../fixtures/kraken-sc-eur.tfrec?url';
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
  /** Prints the recording carries (each once), and the range of their prices. */
  prints: number;
  printRange?: [number, number];
}

export const MARKETS = {
  'coinbase-btc-usd': {
    title: 'Coinbase BTC-USD',
    recording: coinbaseBtcUsd,
    source: 'Coinbase Advanced Trade level2 + market_trades, August 2026 (third-party capture)',
    bidRange: [65080, 65090],
    priceDecimals: 2,
    prints: 147,
    printRange: [65000, 65200],
  },
  'coinbase-eth-usd': {
    title: 'Coinbase ETH-USD',
    recording: coinbaseEthUsd,
    source: 'Coinbase Advanced Trade level2 + market_trades, August 2026 (third-party capture)',
    bidRange: [1919, 1920],
    priceDecimals: 2,
    prints: 132,
    printRange: [1900, 1940],
  },
  'kraken-btc-chf': {
    title: 'Kraken BTC/CHF',
    recording: krakenBtcChf,
    source: 'Kraken WebSocket v1 book, April 2021 (cryptofeed capture)',
    bidRange: [56000, 56200],
    priceDecimals: 1,
    prints: 0,
  },
  'kraken-sc-eur': {
    title: 'Kraken SC/EUR',
    recording: krakenScEur,
    source: 'Kraken WebSocket v1 book + trade, April 2021 (cryptofeed capture)',
    bidRange: [0.0429, 0.0432],
    priceDecimals: 5,
    prints: 6,
    printRange: [0.042, 0.044],
  },
  'binance-nkn-usdt': {
    title: 'Binance NKN/USDT',
    recording: binanceNknUsdt,
    source: 'Binance spot depth diffs + REST snapshot, October 2021 (cryptofeed capture)',
    bidRange: [0.35, 0.353],
    priceDecimals: 5,
    prints: 1,
    printRange: [0.34, 0.36],
  },
  'binance-usdm-sushi-usdt': {
    title: 'Binance USD-M SUSHI/USDT perpetual',
    recording: binanceUsdmSushi,
    source: 'Binance USD-M futures depth diffs + REST snapshot, 2021 (cryptofeed capture)',
    bidRange: [7.6, 7.62],
    priceDecimals: 3,
    prints: 40,
    printRange: [7.5, 7.7],
  },
  sim: {
    title: 'Simulator SIM-USD',
    recording: simUsd,
    source: 'tickframe-server record-sim (deterministic)',
    bidRange: [990, 1010],
    priceDecimals: 2,
    prints: 0,
  },
} satisfies Record<string, StoryMarket>;

export type MarketId = keyof typeof MARKETS;
/** What the Storybook opens on: a real, liquid market with its tape. */
export const DEFAULT_MARKET: MarketId = 'coinbase-btc-usd';

export function storyMarket(id: unknown): StoryMarket {
  return MARKETS[(typeof id === 'string' && id in MARKETS ? id : DEFAULT_MARKET) as MarketId];
}
