'use client';
import { useId, useState } from 'react';

import type { ReplayState } from '../feed/FrameSource.js';
import type { MarketState, MarketStore } from '../store/createMarketStore.js';
import { useLatency } from '../store/useLatency.js';
import { useMarket } from '../store/useMarket.js';
import '../theme/tickframe.css';
import './ConnectionStatus.css';
import { formatSegment, LatencyDetails } from './LatencyDetails.js';
import { useSecondsSince } from './useSecondsSince.js';

export type FeedHealth = 'live' | 'stale' | 'resyncing' | 'reconnecting' | 'down';

/** One word for the feed's health, from transport state, silence and the server's book status. */
export function feedHealth(s: Pick<MarketState, 'connection' | 'stale' | 'book'>): FeedHealth {
  if (s.connection === 'closed' || s.connection === 'idle') return 'down';
  if (s.connection === 'connecting' || s.connection === 'reconnecting') return 'reconnecting';
  if (s.book?.status === 'resyncing') return 'resyncing';
  if (s.stale || !s.book || s.book.status === 'stale') return 'stale';
  return 'live';
}

export interface ConnectionStatusProps {
  store: MarketStore;
  /** Show the latency segments expanded at first (the reader can toggle them). Default false. */
  defaultExpanded?: boolean;
  /** A live book unchanged this long (ms, as its newest frame says) is shown as `unchanged for N s`. Default 5000. */
  unchangedAfterMs?: number;
}

/** How a replay is shown in place of the live label: `replay 4×`, `replay max`, `replay paused`. */
function replayLabel(replay: ReplayState): string {
  if (!replay.playing) return 'replay paused';
  return replay.speed === 'max' ? 'replay max' : `replay ${replay.speed}×`;
}

/**
 * Live / stale / resyncing / reconnecting / down, with latency and gap counts. Announced politely.
 * Compact: server → browser latency on the server's clock (by the estimated offset), or *clock
 * uncertain* where it comes out negative beyond the estimate's error; a button expands the three
 * segments (exchange → server, server → browser, received → painted), now and p99. A book that has
 * not changed for a while says so. A replay says so (playing at what speed, or paused) and shows
 * each frame's age as recorded, never wall-clock latency against a timestamp from the past.
 */
export function ConnectionStatus({ store, defaultExpanded = false, unchangedAfterMs = 5000 }: ConnectionStatusProps) {
  const [expanded, setExpanded] = useState(defaultExpanded);
  const detailsId = useId();
  const segments = useLatency(store);
  const health = useMarket(store, feedHealth);
  const replay = useMarket(store, (s) => s.replay);
  const latency = useMarket(store, (s) => (s.book ? Math.max(0, Math.round(s.book.latencyMs)) : null));
  // When the last update arrived (the source's clock: recorded time in a replay), shown once stale.
  const lastUpdate = useMarket(store, (s) => (s.book ? s.book.timestampMs + s.book.latencyMs : null));
  // How long it has been, on a live feed (a replay's clock is recorded time, not now).
  const staleFor = useSecondsSince(lastUpdate, health === 'stale' && !replay);
  const gaps = useMarket(store, (s) => s.stats.gaps);
  const otherSymbol = useMarket(store, (s) => s.stats.otherSymbol);
  // Frames of another market are rejected too: counted once, under their own words.
  const errors = useMarket(store, (s) => s.rejected) - otherSymbol;
  return (
    <div
      role="status"
      className={`tf-conn tf-conn--${health}`}
      data-health={health}
      data-replay={replay ? (replay.playing ? 'playing' : 'paused') : undefined}
    >
      <span className="tf-conn__dot" aria-hidden="true" />
      <span className="tf-conn__label">{replay && health !== 'down' ? replayLabel(replay) : health}</span>
      {replay && segments && segments.exchangeToServer.nowMs !== null && (
        // A recording of a capture replay has no server → browser leg: what it recorded is how old
        // the exchange's data was when the server read it.
        <span className="tf-conn__meta" data-testid="latency" aria-live="off" title="exchange → server, as recorded">
          exchange → server {formatSegment(segments.exchangeToServer)}
        </span>
      )}
      {latency !== null && (replay || !segments) && !(replay && segments && segments.exchangeToServer.nowMs !== null) && (
        <span
          className="tf-conn__meta"
          data-testid="latency"
          title={replay ? 'age of the frame when it was recorded' : 'now minus the frame’s server timestamp'}
        >
          {replay ? `age ${latency} ms` : `${latency} ms`}
        </span>
      )}
      {segments && !replay && (
        <span
          className={`tf-conn__meta${segments.serverToBrowser.clockUncertain ? ' tf-conn__meta--warn' : ''}`}
          data-testid="latency"
          aria-live="off"
          title={segments.clock ? 'server → browser, on the server’s clock (estimated offset)' : 'server → browser, on this browser’s clock'}
        >
          {formatSegment(segments.serverToBrowser)}
        </span>
      )}
      {segments && health === 'live' && segments.unchangedMs >= unchangedAfterMs && (
        <span className="tf-conn__meta tf-conn__meta--warn" data-testid="unchanged">
          unchanged for {Math.floor(segments.unchangedMs / 1000)} s
        </span>
      )}
      {health === 'stale' && lastUpdate !== null && (
        <span className="tf-conn__meta" data-testid="last-update">
          last update {new Date(lastUpdate).toLocaleTimeString([], { hour12: false })}
          {/* Ticks every second: kept out of the live region, which would read it out each time. */}
          {staleFor !== null && <span aria-hidden="true" data-testid="stale-for">{` · ${staleFor} s ago`}</span>}
        </span>
      )}
      <span className="tf-conn__meta">{gaps} gaps</span>
      {errors > 0 && <span className="tf-conn__meta">{errors} bad frames</span>}
      {segments && (
        <button type="button" className="tf-conn__more" aria-expanded={expanded} aria-controls={detailsId} onClick={() => setExpanded((e) => !e)}>
          {expanded ? 'hide latency' : 'latency'}
        </button>
      )}
      {segments && expanded && <LatencyDetails latency={segments} id={detailsId} />}
      {otherSymbol > 0 && (
        <span className="tf-conn__meta tf-conn__meta--warn" data-testid="other-symbol" title="the server sent another market’s frames: dropped">
          {otherSymbol} frames of another market dropped
        </span>
      )}
    </div>
  );
}
