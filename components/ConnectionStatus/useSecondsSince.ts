'use client';
import { useEffect, useReducer } from 'react';

/**
 * Whole seconds from `since` (epoch ms) to now, re-rendering once a second while `active` — for
 * "how long since the last update" on a stale feed. Nothing runs while inactive.
 */
export function useSecondsSince(since: number | null, active: boolean): number | null {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!active) return;
    const id = setInterval(tick, 1000);
    return () => clearInterval(id);
  }, [active]);
  // eslint-disable-next-line react-hooks/purity -- the clock is the point; the interval above re-renders it
  return active && since !== null ? Math.max(0, Math.floor((Date.now() - since) / 1000)) : null;
}
