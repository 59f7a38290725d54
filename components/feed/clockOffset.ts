/**
 * The browser's clock against the server's, estimated NTP's way: the browser notes when it sends a
 * request (t0) and when the answer arrives (t3); the server says when it received it (t1) and when
 * it answered (t2). Then, whatever the browser's clock says,
 *
 *   offset = ((t1 − t0) + (t2 − t3)) / 2      (server clock − browser clock)
 *   delay  = (t3 − t0) − (t2 − t1)            (the round trip's network part)
 *
 * and the true offset lies within ± delay / 2 of the estimate (the request and the answer may have
 * taken any split of the delay). Several exchanges are made and the one of least delay kept: its
 * bound is the tightest. Framework-free: no React, no store.
 */

/** An estimate of how far the server's clock is ahead of this one. */
export interface ClockOffset {
  /** Server clock − browser clock, in ms: add it to a browser time to get the server's. */
  offsetMs: number;
  /** The true offset is within ± this of `offsetMs` (half the best exchange's network delay), ms. */
  errorMs: number;
  /** Exchanges that answered (of those tried). */
  samples: number;
  /** When it was measured, on the browser's clock (ms since the epoch). */
  measuredAtMs: number;
}

/** One exchange's four timestamps (ms; t0 and t3 on the browser's clock, t1 and t2 on the server's). */
export interface ClockSample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

/** NTP's offset and delay of one exchange. A negative delay (a clock stepped meanwhile) is unusable. */
export function ntpOffset({ t0, t1, t2, t3 }: ClockSample): { offsetMs: number; delayMs: number } {
  return { offsetMs: (t1 - t0 + (t2 - t3)) / 2, delayMs: t3 - t0 - (t2 - t1) };
}

/** The estimate from several exchanges: the least-delay one's offset, ± half its delay. `null` if none is usable. */
export function bestOffset(samples: readonly ClockSample[], measuredAtMs: number): ClockOffset | null {
  let best: { offsetMs: number; delayMs: number } | null = null;
  for (const s of samples) {
    const o = ntpOffset(s);
    if (!Number.isFinite(o.offsetMs) || !(o.delayMs >= 0)) continue;
    if (!best || o.delayMs < best.delayMs) best = o;
  }
  return best && { offsetMs: best.offsetMs, errorMs: best.delayMs / 2, samples: samples.length, measuredAtMs };
}

/** Options for {@link estimateClockOffset}. */
export interface EstimateClockOffsetOptions {
  /** The server's time endpoint, e.g. `http://127.0.0.1:9001/time` (answers `{"t1": µs, "t2": µs}`). */
  url: string;
  /** Exchanges to make, one after another. Default 5. */
  samples?: number;
  /** Give up on one exchange after this long, ms. Default 2000. */
  timeoutMs?: number;
  /** The browser's clock (tests skew it). Default `Date.now`. */
  now?: () => number;
  /** `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Stop early (a source that stopped or reconnected). */
  signal?: AbortSignal;
}

/** Make the exchanges and return the estimate, or `null` when no exchange answered. Never throws. */
export async function estimateClockOffset(options: EstimateClockOffsetOptions): Promise<ClockOffset | null> {
  const { url, samples = 5, timeoutMs = 2000, now = Date.now, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') return null;
  const got: ClockSample[] = [];
  for (let i = 0; i < samples && !signal?.aborted; i++) {
    const sample = await exchange(doFetch, url, timeoutMs, now, signal);
    if (sample) got.push(sample);
  }
  return bestOffset(got, now());
}

/** One request and its four timestamps, or `null` (failed, timed out, or not the server's answer). */
async function exchange(doFetch: typeof fetch, url: string, timeoutMs: number, now: () => number, signal?: AbortSignal): Promise<ClockSample | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const onAbort = () => abort.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    const t0 = now();
    const res = await doFetch(url, { cache: 'no-store', signal: abort.signal });
    const body: unknown = await res.json();
    const t3 = now();
    if (!res.ok || typeof body !== 'object' || body === null) return null;
    const { t1, t2 } = body as { t1?: unknown; t2?: unknown };
    if (typeof t1 !== 'number' || typeof t2 !== 'number' || !(t2 >= t1)) return null;
    return { t0, t1: t1 / 1000, t2: t2 / 1000, t3 };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The time endpoint beside a WebSocket URL: `ws://host:9001/ws?symbol=X` → `http://host:9001/time`. */
export function timeUrlFor(wsUrl: string): string | null {
  try {
    const u = new URL(wsUrl);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return null;
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    u.pathname = u.pathname.replace(/\/ws\/?$/, '') + '/time';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return null;
  }
}
