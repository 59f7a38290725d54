/**
 * The ladder's model: which rows it has, where each sits, how long its bar is and which rows are the
 * touch — from one book picture and the ladder's settings. Pure; the components in this folder only draw it.
 */
import { barMax, type BookPicture, type Level } from '../store/bookPicture.js';

/** One level's row: the level, its side and where the ladder draws it. */
export interface LadderRowModel {
  key: string;
  side: 'bid' | 'ask';
  price: number;
  size: number;
  cumulative: number;
  change: Level['change'];
  /** Position in the list (asks, the spread row, bids), and its top in px. */
  listIndex: number;
  top: number;
  /** Bar length in % of the row, on one scale for both sides. */
  bar: number;
  /** The best ask or the best bid. */
  touch: boolean;
  /** The session's size traded at this level's prices (taker buys + sells), book units. */
  traded: number;
  /** The last trade's price falls in this level (`lastTrade` given): its taker side, else null. */
  lastTrade: 'buy' | 'sell' | null;
}

export interface LadderModel {
  /** Asks far → near, then bids near → far (the order they are drawn, top to bottom). */
  rows: LadderRowModel[];
  asksShown: number;
  /** Rows in the list: levels plus the spread row. */
  totalRows: number;
  /** The spread row's list position and top. */
  spreadIndex: number;
  spreadTop: number;
  /** The scroll position that puts the spread row in the middle of the viewport. */
  centreTop: number;
}

export interface LadderSettings {
  /** Levels shown per side. */
  depth: number;
  rowHeight: number;
  /** The viewport's height in px. */
  height: number;
  barMode: 'size' | 'cumulative';
  /** Ticks per level (the store's grouping): a level covers that many ticks. Default 1. */
  grouping?: number;
  /** The newest print, to mark its level. */
  lastTrade?: { price: number; side: 'buy' | 'sell' } | null;
}

/** The ladder for `book` (no rows before the first picture). */
export function ladderModel(book: BookPicture | null, { depth, rowHeight, height, barMode, grouping = 1, lastTrade }: LadderSettings): LadderModel {
  const asks = book ? book.asks.slice(0, depth) : [];
  const bids = book ? book.bids.slice(0, depth) : [];
  const asksShown = asks.length;
  // One scale for both sides (the engine's, for the depth shown), so bars compare across the spread.
  const full = book ? barMax(book, depth, barMode) : 0;
  const scale = full > 0 ? 100 / full : 0;
  // In ticks (exact integers): a bid level covers [price, price + group), an ask level
  // (price − group, price], as the engine groups (bids floor, asks ceil).
  const tick = book?.tickSize || 1;
  const group = Math.max(1, Math.floor(grouping));
  const lastTicks = lastTrade ? Math.round(lastTrade.price / tick) : NaN;
  const holdsLast = (side: 'bid' | 'ask', price: number) => {
    const t = Math.round(price / tick);
    return side === 'bid' ? lastTicks >= t && lastTicks < t + group : lastTicks <= t && lastTicks > t - group;
  };
  const row = (side: 'bid' | 'ask', l: Level, listIndex: number, touch: boolean): LadderRowModel => ({
    key: `${side}${l.price}`,
    side,
    price: l.price,
    size: l.size,
    cumulative: l.cumulative,
    change: l.change,
    listIndex,
    top: listIndex * rowHeight,
    bar: (barMode === 'size' ? l.size : l.cumulative) * scale,
    touch,
    traded: l.tradedBuy + l.tradedSell,
    lastTrade: lastTrade && holdsLast(side, l.price) ? lastTrade.side : null,
  });
  const rows: LadderRowModel[] = [];
  // Asks are drawn far → near, so the best ask sits right above the spread row.
  for (let i = asksShown - 1, at = 0; i >= 0; i--, at++) rows.push(row('ask', asks[i], at, i === 0));
  bids.forEach((l, i) => rows.push(row('bid', l, asksShown + 1 + i, i === 0)));
  return {
    rows,
    asksShown,
    totalRows: rows.length + 1,
    spreadIndex: asksShown,
    spreadTop: asksShown * rowHeight,
    centreTop: asksShown * rowHeight + rowHeight / 2 - height / 2,
  };
}
