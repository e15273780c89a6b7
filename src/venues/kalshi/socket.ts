/**
 * Kalshi live feed: WebSocket v2 on top of the shared {@link managedSocket} (reconnect, backoff,
 * idle detection, pong answers), with Kalshi's subscription model and sequence rule.
 *
 * - Signs every handshake (`<ts>GET<path of the configured URL>`) when credentials are given.
 * - On every open: one `subscribe` for the configured channels (default orderbook_delta, ticker,
 *   trade, market_lifecycle_v2) and every wanted market, `use_yes_price: false` pinned (NO levels
 *   in NO-leg prices). New sids each time; the sequencer forgets the old ones.
 * - `subscribe()`/`unsubscribe()` while connected: `update_subscription` add/delete_markets per sid.
 * - Sequence rule (PROTOCOLS §3.6) via {@link KalshiSequencer}: a gap or a delta before its
 *   snapshot resets the affected books, counts a gap and asks for `get_snapshot` (counted resync).
 * - Error codes 10 and 25 (terminal): the channel is resubscribed.
 * - Bad frames: logged with their (truncated) raw text, counted as decodeErrors, never thrown.
 */
import { Observable, Subject, type Subscription } from 'rxjs';
import type { BookEvent } from '../../../schema/book.js';
import type { Config } from '../../config.js';
import { limitedLog, log } from '../../log.js';
import { managedSocket } from '../common/socket.js';
import type { BackoffOptions, FeedCounters, FeedStatus, ManagedSocket, ManagedSocketOptions, RawFrame } from '../common/types.js';
import { createKalshiSigner, pathOnly, type KalshiAuthConfig } from './auth.js';
import { decodeFrame, KalshiSequencer, truncateRaw, type SequencerOutput } from './normalize.js';
import {
  KALSHI_ERROR_CODES, LIFECYCLE_EVENT_TYPES, TERMINAL_ERROR_CODES,
  type EventFeeUpdateMsg, type EventLifecycleMsg, type FillMsg, type KalshiChannel, type KalshiCommand, type KalshiWsFrame,
  type MarketLifecycleMsg, type TickerMsg, type TradeMsg,
} from './wire.js';

export const KALSHI_DEFAULT_WS_URL = 'wss://api.elections.kalshi.com/trade-api/ws/v2';
export const DEFAULT_CHANNELS: readonly KalshiChannel[] = ['orderbook_delta', 'ticker', 'trade', 'market_lifecycle_v2'];

/** Non-book messages, decoded (prices in micro-dollars, counts in millionths). */
export type KalshiDataFrame = TickerMsg | TradeMsg | FillMsg | MarketLifecycleMsg | EventLifecycleMsg | EventFeeUpdateMsg;
export interface KalshiMessage {
  readonly frame: KalshiDataFrame;
  /** our receive time, unix ms */
  readonly tsReceived: number;
  readonly connId: string;
}

export interface KalshiFeedCounters extends FeedCounters {
  /** frames whose `type` we do not know (also counted in decodeErrors) */
  unknownTypes: number;
  /** market_lifecycle_v2 messages with an unknown `event_type` (ignored) */
  unknownEventTypes: number;
  /** frames with seq below the expected one (dropped) */
  droppedOld: number;
  /** error responses from the server */
  serverErrors: number;
}

export interface KalshiFeedOptions {
  /** Default: the production URL. Tests pass the simulator's `wsUrl`. */
  readonly url?: string;
  readonly auth?: KalshiAuthConfig;
  readonly markets?: readonly string[];
  readonly channels?: readonly KalshiChannel[];
  /** Silence (no frame, no pong) this long makes the connection stale. The app derives it from RISK_MAX_BOOK_AGE_MS. */
  readonly idleTimeoutMs?: number;
  /** A quiet connection is WS-pinged this often. Default idleTimeoutMs / 3. */
  readonly probeIntervalMs?: number;
  readonly backoff?: BackoffOptions;
  readonly random?: () => number;
  readonly now?: () => number;
  /**
   * A subscribe or get_snapshot left unanswered this long (e.g. sent into a stalled server) makes
   * the feed reconnect, which resubscribes everything. Default 10_000 ms.
   */
  readonly commandTimeoutMs?: number;
  /** For tests: a different ManagedSocket implementation. */
  readonly socketFactory?: (o: ManagedSocketOptions) => ManagedSocket;
}

/** Feed options from the app config (URL, credentials, idle timeout, backoff). */
export function kalshiFeedOptions(cfg: Pick<Config, 'venues'>, markets: readonly string[] = []): KalshiFeedOptions {
  const { kalshi, feed } = cfg.venues;
  return {
    url: kalshi.wsUrl,
    ...(kalshi.auth ? { auth: kalshi.auth } : {}),
    markets,
    idleTimeoutMs: feed.idleTimeoutMs,
    probeIntervalMs: feed.probeIntervalMs,
    backoff: { baseMs: feed.backoffBaseMs, maxMs: feed.backoffMaxMs, stableMs: feed.stableMs },
  };
}

type Pending =
  | { readonly cmd: 'subscribe'; readonly channels: readonly string[]; readonly markets: readonly string[]; answered?: number }
  | { readonly cmd: 'get_snapshot'; readonly sid: number; readonly markets: readonly string[] }
  | { readonly cmd: 'other' };

interface SidInfo {
  readonly channel: string;
  readonly markets: Set<string>;
}

const KNOWN_LIFECYCLE = new Set<string>(LIFECYCLE_EVENT_TYPES);

export class KalshiFeed {
  /** Book events of every subscribed market (snapshot / delta / reset). */
  readonly books$: Observable<BookEvent>;
  /** Ticker, trade, fill, lifecycle and fee-update messages. */
  readonly messages$: Observable<KalshiMessage>;
  /** Feed lifecycle (replays the current state). */
  readonly status$: Observable<FeedStatus>;
  /** Every raw frame as received (for the recorder; replay it through `kalshiBookEvents`). */
  readonly frames$: Observable<RawFrame>;

  private readonly books = new Subject<BookEvent>();
  private readonly messages = new Subject<KalshiMessage>();
  private readonly sock: ManagedSocket;
  private readonly seq = new KalshiSequencer();
  private readonly wanted = new Set<string>();
  private readonly channels: readonly KalshiChannel[];
  private readonly sids = new Map<number, SidInfo>();
  private readonly pending = new Map<number, Pending>();
  private readonly extra = { unknownTypes: 0, unknownEventTypes: 0, droppedOld: 0, serverErrors: 0 };
  private readonly now: () => number;
  private readonly subs: Subscription[] = [];
  private readonly commandTimeoutMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private connId: string | undefined;
  private closed = false;

  constructor(opts: KalshiFeedOptions = {}) {
    const url = opts.url ?? KALSHI_DEFAULT_WS_URL;
    this.now = opts.now ?? Date.now;
    this.channels = opts.channels ?? DEFAULT_CHANNELS;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 10_000;
    for (const m of opts.markets ?? []) this.wanted.add(m);
    const signer = opts.auth ? createKalshiSigner(opts.auth, this.now) : undefined;
    const wsPath = pathOnly(url);
    this.books$ = this.books.asObservable();
    this.messages$ = this.messages.asObservable();
    const factory = opts.socketFactory ?? managedSocket;
    this.sock = factory({
      venue: 'kalshi',
      url,
      ...(signer ? { headers: () => signer.headers('GET', wsPath) } : {}),
      onOpen: (send, connId) => this.onOpen(send, connId),
      ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }),
      ...(opts.probeIntervalMs === undefined ? {} : { probeIntervalMs: opts.probeIntervalMs }),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      ...(opts.random ? { random: opts.random } : {}),
      now: this.now,
    });
    this.status$ = this.sock.status$;
    this.frames$ = this.sock.frames$;
    this.subs.push(this.sock.frames$.subscribe({ next: (f) => this.onFrame(f) }));
    this.subs.push(
      this.sock.status$.subscribe((s) => {
        if (s.state === 'stale' || s.state === 'reconnecting' || s.state === 'closed') this.connectionLost(`${s.state}${s.reason ? `: ${s.reason}` : ''}`);
      }),
    );
  }

  get counters(): Readonly<KalshiFeedCounters> {
    return { ...this.sock.counters, ...this.extra };
  }

  /** Markets currently wanted. */
  get markets(): readonly string[] {
    return [...this.wanted];
  }

  /** Adds markets; while connected they are added to the live subscriptions. */
  subscribe(tickers: readonly string[]): void {
    const fresh = tickers.filter((t) => !this.wanted.has(t));
    for (const t of fresh) this.wanted.add(t);
    if (!fresh.length || !this.connId) return;
    const live = [...this.sids.entries()].filter(([, s]) => this.channels.includes(s.channel as KalshiChannel));
    const subscribing = [...this.pending.values()].some((p) => p.cmd === 'subscribe');
    if (!live.length || subscribing) {
      this.command('subscribe', { channels: [...this.channels], market_tickers: fresh, use_yes_price: false }, { cmd: 'subscribe', channels: this.channels, markets: fresh });
      return;
    }
    for (const [sid, s] of live) {
      for (const t of fresh) s.markets.add(t);
      this.command('update_subscription', { sid, market_tickers: fresh, action: 'add_markets' });
    }
  }

  /** Removes markets: their books are reset and no longer maintained. */
  unsubscribe(tickers: readonly string[]): void {
    const gone = tickers.filter((t) => this.wanted.delete(t));
    if (!gone.length) return;
    const ts = this.now();
    for (const [sid, s] of this.sids) {
      const here = gone.filter((t) => s.markets.has(t));
      if (!here.length) continue;
      for (const t of here) s.markets.delete(t);
      this.emitBooks(this.seq.removeMarkets(sid, here, 'unsubscribed', ts));
      if (s.markets.size === 0) this.command('unsubscribe', { sids: [sid] });
      else this.command('update_subscription', { sid, market_tickers: here, action: 'delete_markets' });
    }
  }

  /** Closes for good: resets every book, completes books$, messages$ and status$. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connectionLost('closed');
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.sock.close();
    for (const s of this.subs) s.unsubscribe();
    this.books.complete();
    this.messages.complete();
  }

  // ------------------------------------------------------------------ internals

  private command(cmd: KalshiCommand['cmd'], params: Record<string, unknown>, pending: Pending = { cmd: 'other' }): number {
    const id = this.nextId++;
    this.pending.set(id, pending);
    if (!this.sock.send(JSON.stringify({ id, cmd, params }))) this.pending.delete(id);
    else if (pending.cmd !== 'other') this.watch(id);
    return id;
  }

  /** Reconnects when command `id` of the current connection is still unanswered after the timeout. */
  private watch(id: number): void {
    const connId = this.connId;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const p = this.pending.get(id);
      if (this.closed || !p || this.connId !== connId) return;
      log.warn({ venue: 'kalshi', id, cmd: p.cmd, timeoutMs: this.commandTimeoutMs }, 'command unanswered; reconnecting');
      this.sock.reconnect(`no answer to ${p.cmd} id=${id} in ${this.commandTimeoutMs} ms`);
    }, this.commandTimeoutMs);
    t.unref?.();
    this.timers.add(t);
  }

  private onOpen(send: (data: string) => void, connId: string): void {
    this.connectionLost('reconnect');
    this.connId = connId;
    if (!this.wanted.size) return;
    const id = this.nextId++;
    const markets = [...this.wanted];
    this.pending.set(id, { cmd: 'subscribe', channels: this.channels, markets });
    send(JSON.stringify({ id, cmd: 'subscribe', params: { channels: [...this.channels], market_tickers: markets, use_yes_price: false } }));
    this.watch(id);
  }

  /** The connection's sids are void: reset every live book, forget sids and pending commands. */
  private connectionLost(reason: string): void {
    this.connId = undefined;
    this.sids.clear();
    this.pending.clear();
    this.emitBooks(this.seq.connectionLost(reason, this.now()));
  }

  private emitBooks(events: readonly BookEvent[]): void {
    for (const e of events) this.books.next(e);
  }

  /**
   * One frame, inside a guard: whatever happens while decoding or acting on it (a bug, a subscriber
   * that throws), the frame is counted as a decode error and dropped; nothing reaches the socket.
   */
  private onFrame(raw: RawFrame): void {
    try {
      this.handleFrame(raw);
    } catch (err) {
      this.sock.count('decodeErrors');
      limitedLog.log('error', 'kalshi frame handler failed', { err, venue: 'kalshi', connId: raw.connId, raw: truncateRaw(raw.data) }, 'frame handler failed; frame dropped');
    }
  }

  private handleFrame(raw: RawFrame): void {
    if (this.closed || raw.connId !== this.connId) return;
    const res = decodeFrame(raw);
    if (!res.ok) {
      this.sock.count('decodeErrors');
      if (res.kind === 'unknown-type') this.extra.unknownTypes++;
      const what = res.kind === 'unknown-type' ? 'unknown frame type' : 'frame rejected';
      limitedLog.warn(`kalshi ${what}`, { err: res.error, venue: 'kalshi', connId: raw.connId, raw: truncateRaw(raw.data) }, what);
      return;
    }
    const f = res.frame;
    if (f.type === 'subscribed') this.onSubscribed(f.id, f.msg.channel, f.msg.sid);
    const out = this.seq.push(f, raw.tsReceived);
    this.applySequencer(out, raw);
    switch (f.type) {
      case 'error':
        this.onError(f);
        break;
      case 'ok':
      case 'unsubscribed':
        if (f.type === 'unsubscribed') this.sids.delete(f.sid);
        if (f.id !== undefined) this.pending.delete(f.id);
        break;
      case 'ticker':
      case 'trade':
      case 'fill':
      case 'event_lifecycle':
      case 'event_fee_update':
        if (!out.dropped) this.messages.next({ frame: f, tsReceived: raw.tsReceived, connId: raw.connId });
        break;
      case 'market_lifecycle_v2':
        if (out.dropped) break;
        if (!KNOWN_LIFECYCLE.has(f.msg.event_type)) {
          this.extra.unknownEventTypes++;
          limitedLog.log('info', 'kalshi unknown lifecycle event_type', { venue: 'kalshi', eventType: f.msg.event_type.slice(0, 64), raw: truncateRaw(raw.data) }, 'unknown lifecycle event_type ignored');
          break;
        }
        this.messages.next({ frame: f, tsReceived: raw.tsReceived, connId: raw.connId });
        break;
      case 'orderbook_snapshot':
        if (f.id !== undefined) this.pending.delete(f.id);
        break;
      case 'subscribed':
      case 'orderbook_delta':
        break;
      default: {
        const never: never = f;
        return never;
      }
    }
  }

  private onSubscribed(id: number | undefined, channel: string, sid: number): void {
    const p = id === undefined ? undefined : this.pending.get(id);
    const markets = p?.cmd === 'subscribe' ? p.markets : [];
    const keep = markets.filter((t) => this.wanted.has(t));
    this.sids.set(sid, { channel, markets: new Set(keep) });
    // unsubscribed while the subscribe was in flight: take them off the new sid
    const dropped = markets.filter((t) => !this.wanted.has(t));
    if (dropped.length) {
      if (keep.length) this.command('update_subscription', { sid, market_tickers: dropped, action: 'delete_markets' });
      else this.command('unsubscribe', { sids: [sid] });
    }
    if (p?.cmd === 'subscribe' && id !== undefined) {
      p.answered = (p.answered ?? 0) + 1;
      if (p.answered >= p.channels.length) this.pending.delete(id);
    }
  }

  private applySequencer(out: SequencerOutput, raw: RawFrame): void {
    if (out.dropped) {
      this.extra.droppedOld++;
      return;
    }
    // books of markets no longer wanted (unsubscribed while frames were in flight) are not emitted; resets always are
    this.emitBooks(out.events.filter((e) => e.kind === 'reset' || this.wanted.has(e.marketId)));
    if (out.gap || out.deltaBeforeSnapshot) {
      this.sock.count('gaps');
      limitedLog.warn(out.gap ? 'kalshi seq gap' : 'kalshi delta before snapshot', { venue: 'kalshi', connId: raw.connId, gap: out.gap, deltaBeforeSnapshot: out.deltaBeforeSnapshot }, out.gap ? 'seq gap' : 'delta before snapshot');
    }
    if (out.resync) this.resync(out.resync.sid, out.resync.markets);
  }

  /** Asks for fresh snapshots of the markets of a sid (`get_snapshot`). */
  private resync(sid: number, markets: readonly string[]): void {
    if (!markets.length || !this.sids.has(sid)) return;
    this.sock.count('resyncs');
    limitedLog.log('info', 'kalshi resync', { venue: 'kalshi', sid, markets: markets.length }, 'resync: get_snapshot');
    this.command('update_subscription', { sid, market_tickers: [...markets], action: 'get_snapshot' }, { cmd: 'get_snapshot', sid, markets });
  }

  private onError(f: Extract<KalshiWsFrame, { type: 'error' }>): void {
    this.extra.serverErrors++;
    const { code, msg } = f.msg;
    const p = f.id === undefined ? undefined : this.pending.get(f.id);
    if (f.id !== undefined) this.pending.delete(f.id);
    limitedLog.warn('kalshi server error', { venue: 'kalshi', id: f.id, sid: f.sid, code, meaning: KALSHI_ERROR_CODES[code], msg }, 'server error');
    if (f.sid !== undefined && TERMINAL_ERROR_CODES.has(code)) {
      // terminal for that subscription: subscribe again to the same channel and markets
      const s = this.sids.get(f.sid);
      this.sids.delete(f.sid);
      const markets = s ? [...s.markets].filter((t) => this.wanted.has(t)) : [...this.wanted];
      if (s && markets.length) {
        this.sock.count('resyncs');
        this.command('subscribe', { channels: [s.channel], market_tickers: markets, use_yes_price: false }, { cmd: 'subscribe', channels: [s.channel], markets });
      }
      return;
    }
    if (p?.cmd === 'get_snapshot') {
      // get_snapshot not supported (older server): unsubscribe and subscribe again
      const s = this.sids.get(p.sid);
      if (!s) return;
      this.sids.delete(p.sid);
      this.seq.forgetSid(p.sid);
      this.command('unsubscribe', { sids: [p.sid] });
      const markets = [...s.markets].filter((t) => this.wanted.has(t));
      if (markets.length) this.command('subscribe', { channels: [s.channel], market_tickers: markets, use_yes_price: false }, { cmd: 'subscribe', channels: [s.channel], markets });
    }
  }
}
