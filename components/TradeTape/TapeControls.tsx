'use client';
import { useId } from 'react';

import { compactFormatter } from '../format/priceFormat.js';

export interface TapeControlsProps {
  windowMs: number;
  minNotional: number;
  /** Aggregation windows offered, in ms (0 = raw). */
  windows: number[];
  /** Minimum notionals offered, in quote currency (0 = all). */
  minNotionals: number[];
  locale?: string;
  onChange: (view: { windowMs?: number; minNotional?: number }) => void;
}

/** `0` → `Raw`, `10` → `10 ms`, `1000` → `1 s`. */
export function windowLabel(ms: number): string {
  if (ms <= 0) return 'Raw';
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The tape's two choices: how prints are aggregated, and the smallest notional shown. */
export function TapeControls({ windowMs, minNotional, windows, minNotionals, locale, onChange }: TapeControlsProps) {
  const id = useId();
  const compact = compactFormatter(locale);
  // A value set in code but not offered still shows as selected.
  const windowChoices = windows.includes(windowMs) ? windows : [...windows, windowMs].sort((a, b) => a - b);
  const notionalChoices = minNotionals.includes(minNotional) ? minNotionals : [...minNotionals, minNotional].sort((a, b) => a - b);
  return (
    <div className="tf-tape__controls">
      {windows.length > 0 && (
        <>
          <label htmlFor={`${id}-w`}>Aggregate</label>
          <select id={`${id}-w`} value={windowMs} onChange={(e) => onChange({ windowMs: Number(e.target.value) })}>
            {windowChoices.map((w) => (
              <option key={w} value={w}>
                {windowLabel(w)}
              </option>
            ))}
          </select>
        </>
      )}
      {minNotionals.length > 0 && (
        <>
          <label htmlFor={`${id}-n`}>Min notional</label>
          <select id={`${id}-n`} value={minNotional} onChange={(e) => onChange({ minNotional: Number(e.target.value) })}>
            {notionalChoices.map((n) => (
              <option key={n} value={n}>
                {n > 0 ? `≥ ${compact.format(n)}` : 'All'}
              </option>
            ))}
          </select>
        </>
      )}
    </div>
  );
}
