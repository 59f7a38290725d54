/**
 * A framework-free market store (zustand vanilla), one per feed, so several books can share a page.
 * Frames go to the engine as they arrive; the store publishes at most one snapshot per animation
 * frame, so numbers and bars always come from the same frame, and pauses painting in hidden tabs.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';

import { Engine, initEngine, type EngineSource } from '../engine/initEngine.js';
import { BinaryFrameParser } from '../feed/BinaryFrameParser.js';
import type { ConnectionState, FrameSource, ReplayState } from '../feed/FrameSource.js';
import { readBook, readEngineStale, readStats, readSummary, stillEasing, type BookSnapshot, type FeedStats } from './bookSnapshot.js';

/** Which levels an imbalance counts: the top N of each side, or those within X basis points of mid. */
export type ImbalanceWindow = { levels: number } | { bps: number };

export interface MarketState {
  /** Transport state of the source. */
  connection: ConnectionState;
  /** The newest coherent book, or null before the first frame. */
  book: BookSnapshot | null;
  /** True when no frame arrived for `staleAfterMs` while connected, or the connection is not open. */
  stale: boolean;
  stats: FeedStats;
  /** Frames rejected by the parser or engine (malformed, foreign, oversized). */
  rejected: number;
  /** Current grouping, in ticks per bucket (1 = levels as sent). */
  grouping: number;
  /** The window the engine measures `book.windowImbalance` over. */
  imbalanceWindow: ImbalanceWindow;
  lastError: string | null;
  /** What a replay source is doing (null for a live feed): views show it instead of live latency. */
  replay: ReplayState | null;
}

export interface MarketStoreOptions {
  /** Where frames come from: a `WebSocketPipeline` or a `ReplaySource`. */
  source: FrameSource;
  /** Silence (ms) after which an open feed's book counts as stale. Default 3000 (the server heartbeats every 1 s). */
  staleAfterMs?: number;
  /** Where the engine's `.wasm` is, if not beside its JS (see `initEngine`). */
  engineSource?: EngineSource;
  /** Start the source immediately. Default true. */
  autoStart?: boolean;
  /**
   * The window the engine measures the windowed imbalance over (`book.windowImbalance`, eased in
   * `book.smoothWindowImbalance`; `ImbalanceBar` shows it). Default `{ levels: 10 }`.
   */
  imbalanceWindow?: ImbalanceWindow;
}

export interface MarketStore extends StoreApi<MarketState> {
  /** Resolves once the engine is loaded and the source started. */
  ready: Promise<void>;
  /** Group levels into buckets of `multiple` ticks (bids floor, asks ceil, exact). 1 = as sent. */
  setGrouping(multiple: number): void;
  /** Stop the source, timers and animation frames and free the engine's memory. */
  dispose(): void;
}

const emptyStats: FeedStats = { frames: 0, gaps: 0, duplicates: 0, outOfOrder: 0, restarts: 0, errors: 0 };

export function createMarketStore(options: MarketStoreOptions): MarketStore {
  const staleAfterMs = options.staleAfterMs ?? 3000;
  const store = createStore<MarketState>(() => ({
    connection: 'idle',
    book: null,
    stale: true,
    stats: emptyStats,
    rejected: 0,
    grouping: 1,
    imbalanceWindow: options.imbalanceWindow ?? { levels: 10 },
    lastError: null,
    replay: null,
  }));
  // Latency and staleness are measured on the source's clock: wall clock live, recorded time in a replay.
  const now = () => options.source.now?.() ?? Date.now();
  let engine: Engine | null = null;
  let memory: WebAssembly.Memory | null = null;
  let parser: BinaryFrameParser | null = null;
  let disposed = false;
  let dirty = false;
  let scheduled: { cancel(): void } | null = null;
  let symbol = '';

  const hidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';
  const schedule = () => {
    if (scheduled || disposed) return;
    if (typeof requestAnimationFrame === 'function' && !hidden()) {
      const id = requestAnimationFrame(publish);
      scheduled = { cancel: () => cancelAnimationFrame(id) };
    } else {
      // Hidden tab or no rAF (SSR, tests): publish rarely; nothing is painted anyway.
      const id = setTimeout(publish, hidden() ? 1000 : 16);
      scheduled = { cancel: () => clearTimeout(id) };
    }
  };

  function publish() {
    scheduled = null;
    if (!engine || !memory || !parser || disposed) return;
    // The engine's clock is the frames' receive clock (the source's), for easing and staleness alike.
    engine.tick(now());
    // Anything that may allocate in the engine (symbol() returns a string) before any view is made.
    if (!symbol && dirty) symbol = engine.symbol();
    const summary = readSummary(engine, memory);
    // A quiet feed still paints until the eased values settle (one snapshot per animation frame).
    const easing = stillEasing(summary);
    if (!dirty && !easing) return;
    dirty = false;
    store.setState({
      book: readBook(engine, memory, symbol, summary),
      stats: readStats(summary),
      rejected: parser.rejected,
      lastError: parser.lastError,
      stale: store.getState().connection !== 'open' || readEngineStale(summary),
    });
    if (easing) schedule();
  }

  // Silence is noticed even when no frame arrives to trigger a publish: the engine decides.
  const staleTimer = setInterval(
    () => {
      if (!engine || !memory || disposed) return;
      engine.tick(now());
      const s = store.getState();
      const stale = s.connection !== 'open' || readEngineStale(readSummary(engine, memory));
      if (stale !== s.stale) store.setState({ stale });
    },
    Math.min(1000, staleAfterMs / 2),
  );

  const start = async () => {
    memory = await initEngine(options.engineSource);
    if (disposed) return;
    engine = new Engine();
    engine.set_stale_after_ms(staleAfterMs);
    engine.set_grouping(store.getState().grouping);
    const w = store.getState().imbalanceWindow;
    if ('levels' in w) engine.set_imbalance_window(Math.max(1, Math.floor(w.levels)), 0);
    else engine.set_imbalance_window(0, w.bps);
    parser = new BinaryFrameParser(engine, memory);
    options.source.start({
      frame(data, receivedMs) {
        if (!parser || !engine) return;
        parser.parse(data, receivedMs);
        dirty = true;
        schedule();
      },
      replay(replay) {
        store.setState({ replay });
      },
      state(connection) {
        if (connection === 'open') engine?.reset_sequence();
        if (connection === 'open') symbol = '';
        store.setState({ connection, stale: connection !== 'open' || store.getState().stale });
      },
    });
  };

  const ready = options.autoStart === false ? Promise.resolve() : start();
  ready.catch((e) => store.setState({ lastError: `engine failed to load: ${e instanceof Error ? e.message : e}` }));

  return Object.assign(store, {
    ready,
    setGrouping(multiple: number) {
      const g = Math.max(1, Math.floor(multiple) || 1);
      store.setState({ grouping: g });
      if (!engine) return;
      engine.set_grouping(g);
      dirty = true;
      schedule();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      options.source.stop();
      scheduled?.cancel();
      clearInterval(staleTimer);
      engine?.free();
      engine = null;
      store.setState({ connection: 'closed', stale: true });
    },
  });
}
