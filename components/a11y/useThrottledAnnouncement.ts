'use client';
import { useEffect, useReducer, useRef } from 'react';

/**
 * The latest text for a live region, at most once per `everyMs`, so screen readers are not flooded
 * by a feed at 50 Hz. Decided while rendering (a store already re-renders once per animation frame),
 * so it adds no commit of its own; a trailing timer, cancelled by every render, shows the last text
 * once the feed goes quiet.
 */
/* eslint-disable react-hooks/refs, react-hooks/purity -- decided during render on purpose (no commit of its own) */
export function useThrottledAnnouncement(text: string, everyMs: number): string {
  const shown = useRef({ text, at: -Infinity }); // the first change is announced at once
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const now = Date.now();
  if (text !== shown.current.text && now - shown.current.at >= everyMs) shown.current = { text, at: now };
  const pending = text !== shown.current.text;
  useEffect(() => {
    if (!pending) return;
    // A full interval, not the time left: during a live feed a render always comes first (and
    // cancels this), so the timer never adds a commit to an animation frame that already has one.
    const id = setTimeout(rerender, everyMs);
    return () => clearTimeout(id);
  });
  return shown.current.text;
}
/* eslint-enable react-hooks/refs, react-hooks/purity */
