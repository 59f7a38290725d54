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
