'use client';
import { useEffect, useState } from 'react';

/**
 * Keeps the spread in the middle of the viewport on every new book until the user scrolls or moves
 * focus away; `resume()` (the Re-centre button) brings it back.
 * @param centreTop The scroll position that centres the spread row.
 * @param scrollTo Scroll the viewport (the ladder's own scroll, not the user's).
 */
export function useAutoCentre(centreTop: number, scrollTo: (top: number) => void, layout: readonly unknown[]) {
  const [on, setOn] = useState(true);
  useEffect(() => {
    // The scroll position follows the book (a layout sync): state set from an effect by design.
    if (on) scrollTo(centreTop);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [on, centreTop, ...layout]);
  return { on, stop: () => setOn(false), resume: () => setOn(true) };
}
