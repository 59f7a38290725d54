'use client';

export interface SpreadRowProps {
  /** The row's list position (for `aria-rowindex`) and its top in px. */
  listIndex: number;
  top: number;
  /** "Spread 0.01", or a dash for a one-sided book. */
  spreadText: string;
  /** "Mid 100.005", or empty. */
  midText: string;
}

/** The row between asks and bids: the spread and the mid price. */
export function SpreadRow({ listIndex, top, spreadText, midText }: SpreadRowProps) {
  return (
    <div
      role="row"
      aria-rowindex={listIndex + 2}
      className="tf-ladder__spread"
      data-testid="spread-row"
      style={{ position: 'absolute', top, left: 0, right: 0 }}
    >
      <span role="gridcell">{spreadText}</span>
      <span role="gridcell" className="tf-ladder__mid">
        {midText}
      </span>
    </div>
  );
}
