'use client';
import { decimalsOf, fixedFormatter } from '../format/priceFormat.js';

export interface GroupingSelectProps {
  /** The grouping in effect, in multiples of the tick. */
  value: number;
  /** The multiples offered. */
  choices: number[];
  tickSize: number;
  locale?: string;
  onChange: (multiple: number) => void;
}

/** Price grouping: each choice shown as the price step it makes (0.01 × 10 → "0.1"). */
export function GroupingSelect({ value, choices, tickSize, locale, onChange }: GroupingSelectProps) {
  return (
    <label className="tf-ladder__grouping">
      Group
      <select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {choices.map((g) => (
          <option key={g} value={g}>
            {fixedFormatter(decimalsOf(tickSize * g), locale).format(tickSize * g)}
          </option>
        ))}
      </select>
    </label>
  );
}
