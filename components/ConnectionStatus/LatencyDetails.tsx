'use client';
import type { Latency, LatencySegment } from '../store/latency.js';

/** `12 ms`, `1.4 ms`, `2.3 s`; `clock uncertain` for a segment whose clocks disagree; `—` unmeasured. */
export function formatSegment(s: LatencySegment, which: 'now' | 'p99' = 'now'): string {
  if (which === 'now' && s.clockUncertain) return 'clock uncertain';
  const ms = which === 'now' ? s.nowMs : s.p99Ms;
  if (ms === null) return '—';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return Math.abs(ms) < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const ROWS: { key: 'exchangeToServer' | 'serverToBrowser' | 'receivedToPainted'; label: string }[] = [
  { key: 'exchangeToServer', label: 'exchange → server' },
  { key: 'serverToBrowser', label: 'server → browser' },
  { key: 'receivedToPainted', label: 'received → painted' },
];

/** The three segments, now and p99 over the last 10 s, and the clock they were measured with. */
export function LatencyDetails({ latency, id }: { latency: Latency; id: string }) {
  const { clock } = latency;
  return (
    // Numbers that change every frame are not announced (the status's words are).
    <div className="tf-conn__details" id={id} data-testid="latency-details" aria-live="off">
      <table className="tf-conn__latency">
        <caption className="tf-conn__caption">Latency{latency.recorded ? ' (as recorded)' : ''}</caption>
        <thead>
          <tr>
            <th scope="col">segment</th>
            <th scope="col">now</th>
            <th scope="col">p99 10 s</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map(({ key, label }) => {
            const s = latency[key];
            return (
              <tr key={key} data-segment={key} data-uncertain={s.clockUncertain || undefined}>
                <th scope="row">{label}</th>
                <td>{formatSegment(s)}</td>
                <td>{formatSegment(s, 'p99')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="tf-conn__clock" data-testid="clock-offset">
        {latency.recorded
          ? 'replay: server → browser was not measured here'
          : clock
            ? `browser clock ${clock.offsetMs >= 0 ? 'behind' : 'ahead of'} the server by ${Math.abs(Math.round(clock.offsetMs))} ± ${Math.max(1, Math.round(clock.errorMs))} ms`
            : 'browser clock not estimated'}
      </div>
    </div>
  );
}
