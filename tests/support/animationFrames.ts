/** Animation frames that run only when the test says a paint happened (for the vanilla store, no React). */
import { vi } from 'vitest';

/** Stubs `requestAnimationFrame`; undo with `vi.unstubAllGlobals()`. */
export function manualAnimationFrames() {
  const queue = new Map<number, FrameRequestCallback>();
  let next = 1;
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => {
    queue.set(next, cb);
    return next++;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => queue.delete(id));
  return {
    pending: () => queue.size,
    paint() {
      const due = [...queue.values()];
      queue.clear();
      due.forEach((cb) => cb(performance.now()));
    },
  };
}
