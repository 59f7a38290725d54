/**
 * At most one run per animation frame: frames may arrive at any rate, React sees one snapshot per
 * paint. A hidden tab (or no `requestAnimationFrame`: SSR, tests) runs rarely instead — nothing is
 * painted there anyway.
 */

/** Schedules `run` for the next animation frame; repeated requests before it fires are one run. */
export interface PaintScheduler {
  /** Ask for a run at the next paint (no-op while one is pending). */
  request(): void;
  /** Drop a pending run. */
  cancel(): void;
}

/** Delay in a hidden tab, and without `requestAnimationFrame`. */
export const HIDDEN_TAB_MS = 1000;
export const NO_RAF_MS = 16;

export function createPaintScheduler(run: () => void): PaintScheduler {
  let pending: { cancel(): void } | null = null;
  const hidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';
  const fire = () => {
    pending = null;
    run();
  };
  return {
    request() {
      if (pending) return;
      if (typeof requestAnimationFrame === 'function' && !hidden()) {
        const id = requestAnimationFrame(fire);
        pending = { cancel: () => cancelAnimationFrame(id) };
      } else {
        const id = setTimeout(fire, hidden() ? HIDDEN_TAB_MS : NO_RAF_MS);
        pending = { cancel: () => clearTimeout(id) };
      }
    },
    cancel() {
      pending?.cancel();
      pending = null;
    },
  };
}
