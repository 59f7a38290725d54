'use client';
import { useSyncExternalStore } from 'react';

import type { ReplaySource } from '../feed/ReplaySource.js';
import '../theme/tickframe.css';
import './ReplayControls.css';

export interface ReplayControlsProps {
  /** The replay to control (the same `ReplaySource` the store plays). */
  source: ReplaySource;
  /** Speeds offered. Default 0.25× to 16× and max. */
  speeds?: (number | 'max')[];
  /** Locale for dates and times. Default: the user's. */
  locale?: string;
}

const DEFAULT_SPEEDS: (number | 'max')[] = [0.25, 0.5, 1, 2, 4, 8, 16, 'max'];

/** Recorded time as the recording saw it: `2021-10-12 00:28:31.5`, in the user's time zone. */
function recordedTime(ms: number, locale?: string, withDate = false): string {
  const d = new Date(ms);
  const time = d.toLocaleTimeString(locale, { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const tenths = Math.floor((ms % 1000) / 100);
  const date = withDate ? `${d.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' })} ` : '';
  return `${date}${time}.${tenths}`;
}

/**
 * Controls for a recorded session, themed like the rest of the kit: play/pause, step, speed, loop and
 * a position slider, with the recording's market, its time range and the position in recorded time.
 * Every control is a native button, select, checkbox or slider, so it works from the keyboard
 * (Tab, Space/Enter, arrows on the slider).
 */
export function ReplayControls({ source, speeds = DEFAULT_SPEEDS, locale }: ReplayControlsProps) {
  // The replay's one observable progress; the server render reads the same value (nothing plays there).
  const p = useSyncExternalStore(source.subscribe, source.getProgress, source.getProgress);
  const header = source.loaded?.header;
  const end = p.startMs + p.durationMs;
  const at = p.startMs + p.positionMs;
  return (
    <div className="tf-replay" role="group" aria-label="Replay controls">
      <div className="tf-replay__market">
        <strong data-testid="replay-symbol">{header?.symbol ?? 'Loading…'}</strong>
        {p.count > 0 && (
          <span className="tf-replay__range" data-testid="replay-range">
            recorded {recordedTime(p.startMs, locale, true)} – {recordedTime(end, locale)}
          </span>
        )}
      </div>
      <div className="tf-replay__bar">
        <button type="button" className="tf-replay__button" onClick={() => (p.playing ? source.pause() : source.play())}>
          {p.playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" className="tf-replay__button" onClick={() => source.step()}>
          Step
        </button>
        <label className="tf-replay__field">
          Speed
          <select value={String(p.speed)} onChange={(e) => source.setSpeed(e.target.value === 'max' ? 'max' : Number(e.target.value))}>
            {speeds.map((s) => (
              <option key={s} value={String(s)}>
                {s === 'max' ? 'max' : `${s}×`}
              </option>
            ))}
          </select>
        </label>
        <label className="tf-replay__field">
          <input type="checkbox" checked={p.loop} onChange={(e) => source.setLoop(e.target.checked)} /> Loop
        </label>
        <label className="tf-replay__field tf-replay__position">
          Position
          <input
            type="range"
            min={0}
            max={Math.max(0, p.durationMs)}
            step={100}
            value={p.positionMs}
            onChange={(e) => source.seek(Number(e.target.value))}
            aria-valuetext={`${recordedTime(at, locale)} recorded, ${(p.positionMs / 1000).toFixed(1)} of ${(p.durationMs / 1000).toFixed(1)} seconds`}
          />
        </label>
        <span className="tf-replay__clock" data-testid="replay-position">
          {p.count > 0 ? recordedTime(at, locale) : '—'}
        </span>
        <span className="tf-replay__frames" data-testid="replay-progress">
          frame {p.index} / {p.count}
        </span>
      </div>
    </div>
  );
}
