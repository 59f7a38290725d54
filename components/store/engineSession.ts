/**
 * One market's engine: loaded, configured (staleness threshold, grouping, imbalance window) and fed
 * through a `FramingCheck`. Freed by `free()`; everything the store reads from the engine goes
 * through here.
 */
import { Engine, initEngine, type EngineSource } from '../engine/initEngine.js';
import { FramingCheck } from '../engine/FramingCheck.js';
import { heatInfo, SUMMARY as S, summaryView } from '../engine/engineMemory.js';
import { readBook, readEngineStale, readStats, stillEasing, type BookPicture, type FeedStats } from './bookPicture.js';

import { engineWindow, type ImbalanceWindow, type ImbalanceWindows } from './imbalanceWindow.js';
import { DEFAULT_TAPE_CAPACITY, readTape, type TapePicture, type TapeView } from './tapePicture.js';
import { paintHeat, readHeatReadout, readHeatState, type HeatPaint, type HeatReadout, type HeatState, type HeatViewport } from './heatPicture.js';

export type { ImbalanceWindow };

export interface EngineSettings {
  staleAfterMs: number;
  grouping: number;
  imbalanceWindow: ImbalanceWindow;
  /** Only this market's frames are shown (see `MarketStoreOptions.symbol`); absent: any. */
  symbol?: string;
  /** The windows measured in every picture besides the configured one (the store's registry). */
  windows: ImbalanceWindows;
  /** How the tape is aggregated, filtered and flagged. */
  tapeView: TapeView;
}

/** What one read of the engine gives the store. */
export interface EngineRead {
  /** Null before the first frame, and when nothing changed and nothing is easing (nothing new to paint). */
  book: BookPicture | null;
  stats: FeedStats;
  /** No verified frame within the threshold (at the last tick). */
  engineStale: boolean;
  /** Eased values still moving: keep painting. */
  easing: boolean;
  /** The tape: the same object as the last read while it has not changed (null before any frame). */
  tape: TapePicture | null;
}

export class EngineSession {
  readonly framing: FramingCheck;
  private readonly windows: ImbalanceWindows;
  private symbol = '';
  /** The engine's restart count when `symbol` was read: a restart may be a new market, so read it again. */
  private symbolAtRestarts = -1;
  /** Null once freed. */
  private engine: Engine | null;
  /** The last tape read, and what it was read at: the engine's layout version of its rows and the
   * server's print count (its totals). */
  private tape: TapePicture | null = null;
  private tapeVersion = -1;
  private tapeCount = -1;

  private constructor(
    engine: Engine,
    private readonly memory: WebAssembly.Memory,
    settings: EngineSettings,
  ) {
    this.windows = settings.windows;
    this.engine = engine;
    engine.set_stale_after_ms(settings.staleAfterMs);
    engine.set_expected_symbol(settings.symbol ?? '');
    engine.set_grouping(settings.grouping);
    this.setImbalanceWindow(settings.imbalanceWindow);
    this.setTapeView(settings.tapeView);
    this.framing = new FramingCheck(engine, memory);
  }

  /** Load the engine (once per page) and make one configured for a market. */
  static async open(source: EngineSource | undefined, settings: EngineSettings): Promise<EngineSession> {
    const memory = await initEngine(source);
    return new EngineSession(new Engine(), memory, settings);
  }

  /** Hand one message to the engine (framing checks first). */
  ingest(data: unknown, receivedMs: number) {
    if (this.engine) this.framing.ingest(data, receivedMs);
  }

  /** A new connection: the server may have restarted, so sequences start over (and the symbol). */
  connectionOpened() {
    this.engine?.reset_sequence();
    this.symbol = '';
  }

  /** The stream jumped (a replay seek): forget the prints kept, the next frames rebuild the tape. */
  resetTape() {
    this.engine?.reset_tape();
  }

  /**
   * The stream jumped: forget the heat history and rebuild it from `before`, the frames leading up
   * to the jump point (their heat columns and prints only; the book is the next frame's).
   */
  rebuildHeat(before: readonly Uint8Array[]) {
    if (!this.engine) return;
    this.engine.reset_heat();
    for (const f of before) this.framing.ingestHeat(f);
  }

  /** Keep the last `n` heat columns (forgets the history). */
  setHeatCapacity(n: number) {
    this.engine?.set_heat_capacity(Math.max(1, Math.floor(n) || 1));
  }

  /** The heatmap's colours: `PALETTE_LEN` RGBA entries then the hatching's. */
  setHeatPalette(rgba: Uint8Array) {
    this.engine?.set_heat_palette(rgba);
  }

  /** Paint the heatmap (see `HeatViewport`); null once freed. */
  paintHeat(v: HeatViewport): HeatPaint | null {
    return this.engine ? paintHeat(this.engine, this.memory, v) : null;
  }

  /** The heat history as the last frame left it (no paint). */
  heatState(): HeatState | null {
    return this.engine ? readHeatState(heatInfo(this.engine, this.memory)) : null;
  }

  /** What is under (x, y) of the last paint. */
  heatReadout(x: number, y: number): HeatReadout | null {
    return this.engine ? readHeatReadout(this.engine, this.memory, x, y) : null;
  }

  setGrouping(multiple: number) {
    this.engine?.set_grouping(multiple);
  }

  setImbalanceWindow(w: ImbalanceWindow) {
    this.engine?.set_imbalance_window(...engineWindow(w));
  }

  /** Aggregation window, minimum notional, large-print threshold and ring length of the tape. */
  setTapeView(v: TapeView) {
    const num = (x: number | undefined) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);
    this.engine?.set_tape_capacity(Math.max(1, Math.floor(v.capacity ?? DEFAULT_TAPE_CAPACITY)));
    this.engine?.set_tape_view(num(v.windowMs), num(v.minNotional), num(v.largeNotional));
  }

  /** Advance the engine's clock (easing, staleness) to `now` on the source's clock. */
  tick(now: number) {
    this.engine?.tick(now);
  }

  /** Only the staleness verdict (cheap: no snapshot). */
  engineStale(): boolean {
    return this.engine ? readEngineStale(summaryView(this.engine, this.memory)) : true;
  }

  /**
   * Read the picture once: counters and verdicts always; the book (a snapshot allocates) only when
   * `changed` or while eased values are still moving — otherwise there is nothing new to paint.
   */
  read(changed: boolean): EngineRead | null {
    const engine = this.engine;
    if (!engine) return null;
    // The symbol is read whenever it is unknown (also on a paint for easing only, after a reconnect
    // cleared it: a book is never labelled with no name), and again after a restart, which may be a
    // new market. symbol() returns a string and may grow memory: the view is made again after it.
    let summary = summaryView(engine, this.memory);
    if (!this.symbol || summary[S.RESTARTS] !== this.symbolAtRestarts) {
      this.symbolAtRestarts = summary[S.RESTARTS];
      this.symbol = engine.symbol();
      summary = summaryView(engine, this.memory);
    }
    const easing = stillEasing(summary);
    const book = changed || easing ? readBook(engine, this.memory, this.symbol, summary) : null;
    if (book) {
      // Measured by the engine on the same picture, in exact lots.
      for (const [key, window] of this.windows) book.imbalances[key] = engine.imbalance_over(...engineWindow(window));
    }
    // The tape is copied only when it changed: its rows keep their identity for views otherwise.
    // (readBook may have grown memory: the summary view is made again.)
    summary = summaryView(engine, this.memory);
    if (summary[S.FRAMES] > 0 && (summary[S.TAPE_VERSION] !== this.tapeVersion || summary[S.TRADE_COUNT] !== this.tapeCount)) {
      this.tapeVersion = summary[S.TAPE_VERSION];
      this.tapeCount = summary[S.TRADE_COUNT];
      this.tape = readTape(engine, this.memory, summary);
    }
    return {
      book,
      stats: readStats(summary),
      engineStale: readEngineStale(summary),
      easing,
      tape: this.tape,
    };
  }

  /** Release the engine's memory; later calls do nothing. */
  free() {
    this.engine?.free();
    this.engine = null;
  }
}
