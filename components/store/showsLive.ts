import type { MarketState } from './createMarketStore.js';

/**
 * Whether a view may show the book as live: the feed is fresh (the store's `stale` is false) and the
 * server says the book is live (not resyncing or stale at its source). Every component dims by this
 * one rule, so a ladder and a depth chart side by side never disagree.
 */
export function showsLive(s: Pick<MarketState, 'stale' | 'book'>): boolean {
  return !s.stale && s.book !== null && s.book.status === 'live';
}
