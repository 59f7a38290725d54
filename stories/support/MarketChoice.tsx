/** The market the toolbar's "Market" global picked, for every recorded story. */
import { createContext, useContext } from 'react';

import { DEFAULT_MARKET, storyMarket, type MarketId, type StoryMarket } from './markets';

export const MarketChoice = createContext<MarketId>(DEFAULT_MARKET);

export function useStoryMarket(): StoryMarket {
  return storyMarket(useContext(MarketChoice));
}
