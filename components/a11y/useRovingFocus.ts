'use client';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';

/** Keys that move focus, and where to. */
const MOVES: Record<string, (i: number, last: number) => number> = {
  ArrowUp: (i) => i - 1,
  ArrowDown: (i) => i + 1,
  Home: () => 0,
  End: (_, last) => last,
  PageUp: (i) => i - 5,
  PageDown: (i) => i + 5,
};

/**
 * A roving tabindex over `count` items (WAI-ARIA grid/listbox pattern): one item is in the tab
 * order; Arrow keys, Home/End and PageUp/PageDown move focus between items.
 * @param beforeFocus Called with the index about to be focused (e.g. to scroll a virtual list so the
 *   item is rendered); the item is focused after the next render if it is not in the DOM yet.
 */
export function useRovingFocus(count: number, beforeFocus?: (index: number) => void) {
  const [focus, setFocus] = useState(0);
  const refs = useRef<(HTMLElement | null)[]>([]);
  const pending = useRef<number | null>(null);
  const focusIndex = Math.min(focus, Math.max(0, count - 1));

  const focusItem = (i: number) => {
    const next = Math.max(0, Math.min(count - 1, i));
    setFocus(next);
    beforeFocus?.(next);
    pending.current = next;
    refs.current[next]?.focus();
  };
  const register = useCallback((i: number, el: HTMLElement | null) => {
    refs.current[i] = el;
  }, []);
  useEffect(() => {
    // An item brought into the DOM by `beforeFocus` is rendered only now: focus it.
    if (pending.current !== null && document.activeElement !== refs.current[pending.current]) refs.current[pending.current]?.focus();
    pending.current = null;
  });

  return {
    /** The item in the tab order. */
    focusIndex,
    /** Make `i` the tab stop without moving focus (e.g. on click). */
    setFocus,
    /** Item `i`'s ref callback. */
    ref: (i: number) => (el: HTMLElement | null) => register(i, el),
    /** Record item `i`'s element (one stable function for all items, for memoised items). */
    register,
    /** Item `i`'s tabindex: 0 for the tab stop, -1 for the rest. */
    tabIndex: (i: number) => (i === focusIndex ? 0 : -1),
    /** Handle a navigation key on item `i`; true when it was one (and focus moved). */
    onKey(e: KeyboardEvent, i: number): boolean {
      const move = MOVES[e.key];
      if (!move) return false;
      e.preventDefault();
      focusItem(move(i, count - 1));
      return true;
    },
  };
}
