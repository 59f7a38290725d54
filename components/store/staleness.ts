/**
 * When a book is stale: the connection is not open, or the engine has had no verified frame within
 * its threshold (`staleAfterMs`, on the source's clock). Checked on a timer as well as on publish,
 * so silence is noticed even when no frame arrives to trigger anything.
 */
import type { ConnectionState } from '../feed/FrameSource.js';

/** The one staleness rule: what the socket says, and what the engine's clock says. */
export function isStale(connection: ConnectionState, engineStale: boolean): boolean {
  return connection !== 'open' || engineStale;
}

/** How often silence is checked for a threshold: twice per threshold, at least once a second. */
export function stalenessCheckMs(staleAfterMs: number): number {
  return Math.min(1000, staleAfterMs / 2);
}

/** Run `check` every `stalenessCheckMs(staleAfterMs)`; returns the stop function. */
export function watchStaleness(staleAfterMs: number, check: () => void): () => void {
  const id = setInterval(check, stalenessCheckMs(staleAfterMs));
  return () => clearInterval(id);
}
