/**
 * One market's engine: loaded, configured (staleness threshold, grouping, imbalance window) and fed
 * through a `BinaryFrameParser`. Freed by `free()`; everything the store reads from the engine goes
 * through here.
 */
import { Engine, initEngine, type EngineSource } from '../engine/initEngine.js';
import { BinaryFrameParser } from '../feed/BinaryFrameParser.js';
import { readBook, readEngineStale, readStats, readSummary, stillEasing, type BookSnapshot, type FeedStats } from './bookSnapshot.js';

/** Which levels an imbalance counts: the top N of each side, or those within X basis points of mid. */
export type ImbalanceWindow = { levels: number } | { bps: number };

export interface EngineSettings {
  staleAfterMs: number;
  grouping: number;
  imbalanceWindow: ImbalanceWindow;
}

/** What one read of the engine gives the store. */
export interface EngineRead {
  book: BookSnapshot | null;
  stats: FeedStats;
  /** No verified frame within the threshold (at the last tick). */
  engineStale: boolean;
  /** Eased values still moving: keep painting. */
  easing: boolean;
}

export class EngineSession {
  readonly parser: BinaryFrameParser;
  private symbol = '';

  private constructor(
    private engine: Engine | null,
    private readonly memory: WebAssembly.Memory,
    settings: EngineSettings,
  ) {
    const e = engine as Engine;
    e.set_stale_after_ms(settings.staleAfterMs);
    e.set_grouping(settings.grouping);
    this.setImbalanceWindow(settings.imbalanceWindow);
    this.parser = new BinaryFrameParser(e, memory);
  }

  /** Load the engine (once per page) and make one configured for a market. */
  static async open(source: EngineSource | undefined, settings: EngineSettings): Promise<EngineSession> {
    const memory = await initEngine(source);
    return new EngineSession(new Engine(), memory, settings);
  }

  /** Hand one message to the engine (framing checks first). */
  ingest(data: unknown, receivedMs: number) {
    if (this.engine) this.parser.parse(data, receivedMs);
  }

  /** A new connection: the server may have restarted, so sequences start over (and the symbol). */
  connectionOpened() {
    this.engine?.reset_sequence();
    this.symbol = '';
  }

  setGrouping(multiple: number) {
    this.engine?.set_grouping(multiple);
  }

  setImbalanceWindow(w: ImbalanceWindow) {
    if ('levels' in w) this.engine?.set_imbalance_window(Math.max(1, Math.floor(w.levels)), 0);
    else this.engine?.set_imbalance_window(0, w.bps);
  }

  /** Advance the engine's clock (easing, staleness) to `now` on the source's clock. */
  tick(now: number) {
    this.engine?.tick(now);
  }

  /** Only the staleness verdict (cheap: no snapshot). */
  engineStale(): boolean {
    return this.engine ? readEngineStale(readSummary(this.engine, this.memory)) : true;
  }

  /** Read the picture; `book` only when `withBook` (a snapshot allocates). */
  read(withBook: boolean): EngineRead | null {
    const engine = this.engine;
    if (!engine) return null;
    // Anything that may allocate in the engine (symbol() returns a string) before any view is made.
    if (!this.symbol && withBook) this.symbol = engine.symbol();
    const summary = readSummary(engine, this.memory);
    return {
      book: withBook ? readBook(engine, this.memory, this.symbol, summary) : null,
      stats: readStats(summary),
      engineStale: readEngineStale(summary),
      easing: stillEasing(summary),
    };
  }

  /** Release the engine's memory; later calls do nothing. */
  free() {
    this.engine?.free();
    this.engine = null;
  }
}
