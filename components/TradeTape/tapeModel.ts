/**
 * The tape's model: which rows it draws, where each sits and how long its notional bar is — from
 * one tape picture and the rows in view. Pure; the components in this folder only draw it.
 */
import { ROW, ROW_STRIDE } from '../engine/engineMemory.js';
import { tradeRow, type TapePicture, type TradeRow } from '../store/tapePicture.js';

/** One drawn row: the trade row, its place and its bar. */
export interface TapeRowModel extends TradeRow {
  /** Stable while the row exists (its first print's number). */
  key: string;
  /** Position in the tape (0 = newest) and its top in px. */
  index: number;
  top: number;
  /** Notional bar length in % of the row: linear, the largest notional in the tape is 100 %. */
  bar: number;
}

export interface TapeModel {
  rows: TapeRowModel[];
  totalRows: number;
  /** The notional a full bar stands for (the tape's largest), quote currency. */
  barFull: number;
}

/**
 * The rows `first..=last` of `tape` (clamped), plus row `keep` wherever it is (the focused row stays
 * in the DOM while scrolled away), and the bar scale over the whole tape.
 */
export function tapeModel(
  tape: TapePicture | null,
  { first, last, rowHeight, keep }: { first: number; last: number; rowHeight: number; keep?: number },
): TapeModel {
  if (!tape || tape.count === 0) return { rows: [], totalRows: 0, barFull: 0 };
  let barFull = 0;
  for (let i = 0, o = ROW.NOTIONAL; i < tape.count; i++, o += ROW_STRIDE) barFull = Math.max(barFull, tape.data[o]);
  const rows: TapeRowModel[] = [];
  const add = (i: number) => {
    const r = tradeRow(tape, i);
    rows.push({ ...r, key: String(r.firstSeq), index: i, top: i * rowHeight, bar: barFull > 0 ? (r.notional / barFull) * 100 : 0 });
  };
  const from = Math.max(0, first);
  const to = Math.min(tape.count - 1, last);
  if (keep !== undefined && keep >= 0 && keep < tape.count && keep < from) add(keep);
  for (let i = from; i <= to; i++) add(i);
  if (keep !== undefined && keep >= 0 && keep < tape.count && keep > to) add(keep);
  return { rows, totalRows: tape.count, barFull };
}

/** The index of the row whose first print is `firstSeq`, or −1 (rows are newest first: seq descending). */
export function rowIndexOf(tape: TapePicture, firstSeq: number): number {
  let lo = 0;
  let hi = tape.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const seq = tape.data[mid * ROW_STRIDE + ROW.FIRST_SEQ];
    if (seq === firstSeq) return mid;
    if (seq > firstSeq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
