/** Which levels an imbalance counts: the top N of each side, or those within X basis points of mid. */
export type ImbalanceWindow = { levels: number } | { bps: number };

/** A stable name for a window (`levels:10`, `bps:25`): the key of `BookPicture.imbalances`. */
export function imbalanceKey(w: ImbalanceWindow): string {
  return 'levels' in w ? `levels:${Math.max(1, Math.floor(w.levels))}` : `bps:${w.bps}`;
}

/** The engine's arguments for a window: (levels, bps), levels 0 meaning "by bps". */
export function engineWindow(w: ImbalanceWindow): [number, number] {
  return 'levels' in w ? [Math.max(1, Math.floor(w.levels)), 0] : [0, w.bps];
}

/**
 * The windows views asked to have measured besides the configured one, with how many asked: the one
 * registry, made by the store (so views may ask before the engine has loaded) and read by its engine
 * session on every picture.
 */
export class ImbalanceWindows {
  private readonly byKey = new Map<string, { window: ImbalanceWindow; users: number }>();

  /** Measure `window` until the returned function is called (once per caller). */
  add(window: ImbalanceWindow): () => void {
    const key = imbalanceKey(window);
    const entry = this.byKey.get(key) ?? { window, users: 0 };
    entry.users += 1;
    this.byKey.set(key, entry);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--entry.users === 0) this.byKey.delete(key);
    };
  }

  /** (key, window) for every window someone is measuring. */
  *[Symbol.iterator](): IterableIterator<[string, ImbalanceWindow]> {
    for (const [key, { window }] of this.byKey) yield [key, window];
  }
}
