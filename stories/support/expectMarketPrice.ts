import { expect } from 'storybook/test';

import type { StoryMarket } from './markets';

/** A price as the components print it (en-US grouping) with exactly `decimals` decimals, as regex source. */
export function pricePattern(decimals: number): string {
  return `\\d{1,3}(,\\d{3})*${decimals ? `\\.\\d{${decimals}}` : ''}`;
}

/** A price text with exactly `decimals` decimals, and nothing else. */
export function priceShape(decimals: number): RegExp {
  return new RegExp(`^${pricePattern(decimals)}$`);
}

/** A price as a component shows it is the venue's own: in the recording's range, with its tick's decimals. */
export async function expectMarketPrice(text: string | null | undefined, market: StoryMarket) {
  await expect(text).toMatch(priceShape(market.priceDecimals));
  const value = Number(text!.replace(/,/g, ''));
  await expect(value).toBeGreaterThanOrEqual(market.bidRange[0]);
  await expect(value).toBeLessThanOrEqual(market.bidRange[1]);
}
