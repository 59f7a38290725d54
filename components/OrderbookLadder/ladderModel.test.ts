/** The ladder's model alone: rows, positions, bars and the touch from a hand-made picture. */
import { describe, expect, it } from 'vitest';

import { handMadePicture } from '../../tests/support/handMadePicture';
import { ladderModel, type LadderSettings } from './ladderModel';

const settings: LadderSettings = { depth: 2, rowHeight: 20, height: 100, barMode: 'size' };
const book = handMadePicture(
  [
    [10, 1],
    [9.99, 4],
    [9.98, 100],
  ],
  [
    [10.01, 2],
    [10.02, 1],
    [10.03, 50],
  ],
);

describe('ladderModel', () => {
  it('draws asks far → near above the spread row, bids near → far below it, depth levels a side', () => {
    const m = ladderModel(book, settings);
    expect(m.rows.map((r) => `${r.side} ${r.price}`)).toEqual(['ask 10.02', 'ask 10.01', 'bid 10', 'bid 9.99']);
    expect(m.rows.map((r) => r.listIndex)).toEqual([0, 1, 3, 4]); // 2 is the spread row
    expect(m.rows.map((r) => r.top)).toEqual([0, 20, 60, 80]);
    expect(m).toMatchObject({ asksShown: 2, totalRows: 5, spreadIndex: 2, spreadTop: 40 });
    expect(m.rows.filter((r) => r.touch).map((r) => r.price)).toEqual([10.01, 10]);
    expect(new Set(m.rows.map((r) => r.key)).size).toBe(4);
  });

  it('centres the spread row in the viewport', () => {
    const m = ladderModel(book, settings);
    expect(m.centreTop).toBe(40 + 10 - 50); // its middle at the viewport's middle
  });

  it('scales bars on one scale for both sides within the depth shown, by size or cumulative', () => {
    // Within 2 levels the biggest size is the 4-lot bid: the deeper 100 and 50 do not shrink what is shown.
    expect(ladderModel(book, settings).rows.map((r) => r.bar)).toEqual([25, 50, 25, 100]);
    // Cumulative within 2 levels: asks 2, 3; bids 1, 5.
    expect(ladderModel(book, { ...settings, barMode: 'cumulative' }).rows.map((r) => r.bar)).toEqual([60, 40, 20, 100]);
  });

  it('has no rows, only the spread row, before the first picture', () => {
    expect(ladderModel(null, settings)).toMatchObject({ rows: [], asksShown: 0, totalRows: 1 });
  });

  it('a one-sided book has its touch and nothing across the spread', () => {
    const m = ladderModel(handMadePicture([[10, 1]], []), settings);
    expect(m.rows.map((r) => [r.side, r.listIndex, r.touch])).toEqual([['bid', 1, true]]);
  });
});
