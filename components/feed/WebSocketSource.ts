import { estimateClockOffset, timeUrlFor, type ClockOffset } from './clockOffset.js';
import type { ConnectionState, FrameSource, FrameSourceEvents } from './FrameSource.js';

/** Options for {@link WebSocketSource}. */
export interface WebSocketSourceOptions {
  /**
   * Server URL, e.g. `ws://127.0.0.1:9001/ws`, or several edges of one cluster
   * (`['wss://edge-a…/ws', 'wss://edge-b…/ws']`): a connection that closes or fails moves on to the
   * next, so a browser whose edge dies continues on another (they relay the same frames).
   */
  url: string | readonly string[];
  /**
   * The market to receive, e.g. `'BTC-USD'`: asked of every URL that does not name one (`?symbol=`),
   * and the market a store on this pipeline shows — frames of another are dropped and counted, so a
   * move to another edge can never switch the market. Default: the server's default market.
   */
  symbol?: string;
  /** First reconnect delay in ms (doubles per failed attempt). Default 250. */
  initialBackoffMs?: number;
  /** Cap on the reconnect delay in ms. Default 10 000. */
  maxBackoffMs?: number;
  /** WebSocket constructor to use (tests, Node < 22). Default `globalThis.WebSocket`, looked up at start. */
  WebSocketImpl?: typeof WebSocket;
  /** Random source in [0, 1) for jitter (tests). Default `Math.random`. */
  random?: () => number;
  /**
   * The server's time endpoint, for estimating this browser's clock offset after every (re)connect
   * (so server→browser latency is right on a browser whose clock is off). Default: `/time` beside
   * the socket's URL (`ws://host/ws` → `http://host/time`); `false`: no estimate (latency is then
   * measured against the browser's own clock).
   */
  clockUrl?: string | false;
  /** The browser's clock, ms since the epoch (tests skew it). Default `Date.now`. */
  now?: () => number;
}

/**
 * A live binary WebSocket feed that reconnects with exponential backoff and full jitter.
 * At most one socket exists at a time: every socket belongs to a generation, and events from a
 * socket of an older generation (a race between stop/start and a late `open`) are ignored.
 */
export class WebSocketSource implements FrameSource {
  private socket: WebSocket | null = null;
  private generation = 0;
  private attempt = 0;
  /** Which of the URLs the next connection uses. */
  private urlIndex = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private events: FrameSourceEvents | null = null;
  /** Sockets this pipeline has created (for diagnostics and tests). */
  socketsCreated = 0;
  private offset: ClockOffset | null = null;
  private estimating: AbortController | null = null;

  readonly symbol?: string;

  constructor(private readonly options: WebSocketSourceOptions) {
    this.symbol = options.symbol;
  }

  start(events: FrameSourceEvents): void {
    this.stop();
    this.events = events;
    this.connect(++this.generation);
  }

  stop(): void {
    this.generation++;
    this.estimating?.abort();
    this.estimating = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
      s.close(1000);
    }
    if (this.events) this.events.state('closed');
    this.events = null;
    this.attempt = 0;
  }

  /** Delay before reconnect attempt `n` (0-based): full jitter over an exponential ceiling. */
  backoffMs(n: number): number {
    const { initialBackoffMs = 250, maxBackoffMs = 10_000, random = Math.random } = this.options;
    return Math.round(random() * Math.min(maxBackoffMs, initialBackoffMs * 2 ** n));
  }

  private connect(gen: number): void {
    const WS = this.options.WebSocketImpl ?? globalThis.WebSocket;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: WebSocket;
    try {
      socket = new WS(this.currentUrl());
    } catch {
      this.scheduleReconnect(gen);
      return;
    }
    this.socketsCreated++;
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      if (gen !== this.generation) return socket.close();
      this.attempt = 0;
      this.setState('open');
      this.estimateClock(gen);
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (gen === this.generation && ev.data instanceof ArrayBuffer) this.events?.frame(ev.data, this.now());
    };
    socket.onclose = () => {
      if (gen !== this.generation) return;
      this.socket = null;
      this.scheduleReconnect(gen);
    };
    socket.onerror = () => {
      /* a close event follows; reconnect is handled there */
    };
  }

  /** The browser's clock that `receivedMs` is on (the option's, or `Date.now`). */
  now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The latest estimate of the server's clock minus this one (`null` before the first, or when off). */
  clockOffset(): ClockOffset | null {
    return this.offset;
  }

  /** A new connection may be another server (another edge, a restart): measure its clock anew. */
  private estimateClock(gen: number): void {
    if (this.options.clockUrl === false) return;
    const url = this.options.clockUrl ?? timeUrlFor(this.currentUrl());
    if (!url) return;
    this.estimating?.abort();
    const abort = (this.estimating = new AbortController());
    void estimateClockOffset({ url, now: () => this.now(), signal: abort.signal }).then((o) => {
      if (gen === this.generation && !abort.signal.aborted && o) this.offset = o;
    });
  }

  /** The URL the next connection goes to. */
  currentUrl(): string {
    const { url } = this.options;
    return withSymbol(typeof url === 'string' ? url : url[this.urlIndex % url.length], this.symbol);
  }

  private scheduleReconnect(gen: number): void {
    if (gen !== this.generation) return;
    this.urlIndex++; // this one failed or went away: try the next edge (the same URL if only one)
    this.setState('reconnecting');
    const delay = this.backoffMs(this.attempt++);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (gen === this.generation) this.connect(gen);
    }, delay);
  }

  private setState(state: ConnectionState): void {
    this.events?.state(state);
  }
}

/** `url` asking for `symbol`, unless it already names a market (or no symbol was given). */
export function withSymbol(url: string, symbol: string | undefined): string {
  if (!symbol || /[?&]symbol=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}symbol=${encodeURIComponent(symbol)}`;
}
