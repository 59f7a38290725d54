'use client';
import { useRef, useState, type RefObject } from 'react';

/** Rows rendered beyond the viewport on each side, so fast scrolling shows no blank rows. */
export const OVERSCAN = 8;

/**
 * Fixed-height virtual rows in a scrolling `viewport` (the ladder's, the tape's): which rows exist
 * in the DOM, and scrolling that tells the view's own scrolls from the user's.
 */
export function useVirtualRows(
  viewport: RefObject<HTMLDivElement | null>,
  { totalRows, rowHeight, height }: { totalRows: number; rowHeight: number; height: number },
) {
  const [scrollTop, setScrollTop] = useState(0);
  // Where the view itself last scrolled to: a scroll event elsewhere is the user's.
  const programmaticTop = useRef<number | null>(null);

  const scrollTo = (top: number) => {
    const max = Math.max(0, totalRows * rowHeight - height);
    const clamped = Math.max(0, Math.min(max, top));
    programmaticTop.current = clamped;
    const el = viewport.current;
    // Scrolling the DOM node is what this is for (called from effects and handlers, never in render).
    // eslint-disable-next-line react-hooks/immutability
    if (el && el.scrollTop !== clamped) el.scrollTop = clamped;
    setScrollTop(clamped);
  };

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(totalRows - 1, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);

  return {
    scrollTop,
    scrollTo,
    /** The first and last row index within the viewport plus overscan (what `isRendered` admits). */
    first,
    last,
    /** Whether list row `index` is within the viewport plus overscan. */
    isRendered: (index: number) => index >= first && index <= last,
    /** Whether list row `index` is wholly in view. */
    inView: (index: number) => index * rowHeight >= scrollTop && (index + 1) * rowHeight <= scrollTop + height,
    /** The viewport's scroll handler; `onUserScroll` runs when the scroll was not the view's own. */
    onScroll(onUserScroll: () => void) {
      const el = viewport.current;
      if (!el) return;
      const ours = programmaticTop.current !== null && Math.abs(el.scrollTop - programmaticTop.current) < 1;
      if (!ours) onUserScroll();
      setScrollTop(el.scrollTop);
    },
  };
}
