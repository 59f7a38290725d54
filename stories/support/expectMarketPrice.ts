import { expect } from 'storybook/test';

import type { StoryMarket } from './markets';

/** A price as a component shows it is the venue's own: in the recording's range, with its tick's decimals. */
export async function expectMarketPrice(text: string | null | undefined, market: StoryMarket) {
  const decimals = market.priceDecimals ? `\\.\\d{${market.priceDecimals}}` : '';
  await expect(text).toMatch(new RegExp(`^\\d{1,3}(,\\d{3})*${decimals}$`));
  const value = Number(text!.replace(/,/g, ''));
  await expect(value).toBeGreaterThanOrEqual(market.bidRange[0]);
  await expect(value).toBeLessThanOrEqual(market.bidRange[1]);
}
