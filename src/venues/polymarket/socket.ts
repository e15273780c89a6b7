/**
 * Live Polymarket market-channel feed on top of {@link managedSocket} (which owns reconnects,
 * backoff, idle detection and the `PING` heartbeat).
 *
 * - `subscribe(markets)` / `unsubscribe(markets)` work while connected (dynamic `operation`
 *   commands) and before; every open (first connect and each reconnect) re-sends the initial
 *   `{"assets_ids":[…all current…],"type":"market"}`, so reconnects restore every subscription.
 * - Sharding: at most `maxAssetsPerConnection` token ids per connection (default 200, the
 *   NautilusTrader default; the venue stops sending initial books somewhere past ~500). Both tokens
 *   of a market always share a connection. `status$` aggregates the shards (worst state wins).
 * - When a connection stops being live, every market on it gets a `reset` BookEvent (its book is
 *   unknown until the fresh snapshots that follow the resubscribe).
 * - Resync (tick_size_change, a malformed book-bearing message of a known market): the market is
 *   reset by the normalizer and its two tokens are RESUBSCRIBED (`unsubscribe` then `subscribe`
 *   operation) to get fresh `book` snapshots; deltas stay gated until each token's snapshot.
 *   We do not merely wait for the next `book`, which only comes after a trade.
 * - Bad frames are logged with their (truncated) raw text and counted in `counters.decodeErrors`;
 *   unknown `event_type`s are counted in `counters.unknownTypes`; nothing is thrown into the streams.
 */
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import type { BookEvent } from '../../../schema/book.js';
import { ENV, type Config } from '../../config.js';
import { capRaw, limitedLog, log } from '../../log.js';
import { managedSocket } from '../common/socket.js';
import type { BackoffOptions, FeedCounters, FeedState, FeedStatus, ManagedSocket, ManagedSocketOptions, RawFrame } from '../common/types.js';
import { addMarket, decodeFrame, SnapshotGate, type PolyMarketRef, type PolyTokenRef } from './normalize.js';
import { operationCmd, PING, subscribeCmd, type PolyWsMessage } from './wire.js';

export interface PolymarketFeedOptions {
  /** Default: the real venue (`POLYMARKET_WS_URL` default). */
  readonly url?: string;
  /** Default 200 token ids (100 markets) per connection. */
  readonly maxAssetsPerConnection?: number;
  /** Client `PING` interval, ms. Default 10_000. */
  readonly heartbeatMs?: number;
  /** Silence (no frame, no PONG) this long makes a connection stale. The app derives it from RISK_MAX_BOOK_AGE_MS. */
  readonly idleTimeoutMs?: number;
  /** A connection quiet this long is probed (`PING` text + WS ping). Default idleTimeoutMs / 3. */
  readonly probeIntervalMs?: number;
  readonly backoff?: BackoffOptions;
  readonly now?: () => number;
  readonly random?: () => number;
  /** For tests and fuzzing: a different ManagedSocket implementation (one per shard). */
  readonly socketFactory?: (o: ManagedSocketOptions) => ManagedSocket;
}

/** Feed options from the app config (URL, freshness limits, backoff). */
export function polymarketFeedOptions(cfg: Pick<Config, 'venues'>): PolymarketFeedOptions {
  const { polymarket, feed } = cfg.venues;
  return {
    url: polymarket.wsUrl,
    idleTimeoutMs: feed.idleTimeoutMs,
    probeIntervalMs: feed.probeIntervalMs,
    backoff: { baseMs: feed.backoffBaseMs, maxMs: feed.backoffMaxMs, stableMs: feed.stableMs },
  };
}

export interface PolymarketFeedCounters extends FeedCounters {
  /** messages with an event_type we do not know (ignored) */
  unknownTypes: number;
  /** price changes dropped while their token waited for a snapshot */
  gated: number;
  pongs: number;
  shards: number;
}

interface Shard {
  readonly index: number;
  readonly sock: ManagedSocket;
  readonly markets: Map<string, PolyMarketRef>;
  /** the initial `type: market` command has been sent on the current connection */
  initialSent: boolean;
  wasLive: boolean;
  readonly subs: Subscription[];
}

const SEVERITY: Record<FeedState, number> = { live: 0, connecting: 1, stale: 2, reconnecting: 3, closed: 4 };

export class PolymarketFeed {
  private readonly books = new Subject<BookEvent>();
  private readonly messages = new Subject<PolyWsMessage>();
  private readonly frames = new Subject<RawFrame>();
  private readonly status: BehaviorSubject<FeedStatus>;
  private readonly shards: Shard[] = [];
  private readonly shardStatus = new Map<number, FeedStatus>();
  private readonly ctx = { tokens: new Map<string, PolyTokenRef>(), markets: new Map<string, PolyMarketRef>(), gate: new SnapshotGate() };
  private readonly own = { unknownTypes: 0, gated: 0, pongs: 0 };
  private closed = false;
  private readonly url: string;
  private readonly maxAssets: number;
  private readonly now: () => number;

  /** Book events of all subscribed markets (snapshots, deltas, resets). */
  readonly books$: Observable<BookEvent> = this.books.asObservable();
  /** Every decoded JSON message (including last_trade_price, best_bid_ask, new_market …). */
  readonly messages$: Observable<PolyWsMessage> = this.messages.asObservable();
  /** Raw frames as received, for the recorder. */
  readonly frames$: Observable<RawFrame> = this.frames.asObservable();
  /** Aggregated feed status (worst shard wins); replays the current status. */
  readonly status$: Observable<FeedStatus>;

  constructor(private readonly opts: PolymarketFeedOptions = {}) {
    this.url = opts.url ?? ENV.POLYMARKET_WS_URL.default;
    this.maxAssets = Math.max(2, opts.maxAssetsPerConnection ?? 200);
    this.now = opts.now ?? Date.now;
    this.status = new BehaviorSubject<FeedStatus>({ venue: 'polymarket', state: 'connecting', reason: 'no subscriptions yet', ts: this.now(), attempt: 0 });
    this.status$ = this.status.asObservable();
  }

  get counters(): Readonly<PolymarketFeedCounters> {
    const c: PolymarketFeedCounters = { messages: 0, bytes: 0, decodeErrors: 0, gaps: 0, reconnects: 0, resyncs: 0, ...this.own, shards: this.shards.length };
    for (const s of this.shards) {
      const k = s.sock.counters;
      c.messages += k.messages;
      c.bytes += k.bytes;
      c.decodeErrors += k.decodeErrors;
      c.gaps += k.gaps;
      c.reconnects += k.reconnects;
      c.resyncs += k.resyncs;
    }
    return c;
  }

  /** Condition ids currently subscribed. */
  subscribed(): string[] {
    return [...this.ctx.markets.keys()];
  }

  /** Adds markets (already subscribed ones are ignored). Works while connected or not. */
  subscribe(markets: readonly PolyMarketRef[]): void {
    if (this.closed) throw new Error('PolymarketFeed is closed');
    const byShard = new Map<Shard, PolyMarketRef[]>();
    for (const m of markets) {
      if (this.ctx.markets.has(m.conditionId)) continue;
      const shard = this.shards.find((s) => (s.markets.size + 1) * 2 <= this.maxAssets) ?? this.newShard();
      shard.markets.set(m.conditionId, m);
      addMarket(this.ctx, m);
      byShard.set(shard, [...(byShard.get(shard) ?? []), m]);
    }
    for (const [shard, ms] of byShard) this.sendSubscribe(shard, ms.flatMap((m) => [m.yesTokenId, m.noTokenId]));
  }

  /** Removes markets (by ref or condition id); each gets a `reset` event. */
  unsubscribe(markets: readonly (PolyMarketRef | string)[]): void {
    for (const x of markets) {
      const cid = typeof x === 'string' ? x : x.conditionId;
      const m = this.ctx.markets.get(cid);
      if (!m) continue;
      const shard = this.shards.find((s) => s.markets.has(cid));
      shard?.markets.delete(cid);
      this.ctx.markets.delete(cid);
      this.ctx.tokens.delete(m.yesTokenId);
      this.ctx.tokens.delete(m.noTokenId);
      this.ctx.gate.resetMarket(m);
      if (shard?.initialSent) shard.sock.send(operationCmd('unsubscribe', [m.yesTokenId, m.noTokenId]));
      this.books.next({ venue: 'polymarket', kind: 'reset', marketId: cid, reason: 'unsubscribed', tsVenue: this.now(), tsReceived: this.now() });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.shards) {
      for (const sub of s.subs) sub.unsubscribe();
      s.sock.close();
    }
    this.status.next({ venue: 'polymarket', state: 'closed', reason: 'closed by caller', ts: this.now(), attempt: 0 });
    this.books.complete();
    this.messages.complete();
    this.frames.complete();
    this.status.complete();
  }

  // -------------------------------------------------------------------------------------------

  private newShard(): Shard {
    const index = this.shards.length;
    const holder: { shard?: Shard } = {};
    const sock = (this.opts.socketFactory ?? managedSocket)({
      venue: 'polymarket',
      url: this.url,
      heartbeat: { intervalMs: this.opts.heartbeatMs ?? 10_000, payload: PING },
      probePayload: PING,
      ...(this.opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.opts.idleTimeoutMs } : {}),
      ...(this.opts.probeIntervalMs !== undefined ? { probeIntervalMs: this.opts.probeIntervalMs } : {}),
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      ...(this.opts.now ? { now: this.opts.now } : {}),
      ...(this.opts.random ? { random: this.opts.random } : {}),
      onOpen: (send, connId) => {
        const shard = holder.shard;
        if (!shard) return;
        shard.initialSent = false;
        const assets = [...shard.markets.values()].flatMap((m) => [m.yesTokenId, m.noTokenId]);
        if (assets.length) {
          send(subscribeCmd(assets));
          shard.initialSent = true;
          log.info({ venue: 'polymarket', connId, shard: index, assets: assets.length }, 'subscribed');
        }
      },
    });
    const s: Shard = { index, sock, markets: new Map(), initialSent: false, wasLive: false, subs: [] };
    holder.shard = s;
    s.subs.push(sock.frames$.subscribe((f) => this.onFrame(s, f)));
    s.subs.push(sock.status$.subscribe((st) => this.onStatus(s, st)));
    this.shards.push(s);
    return s;
  }

  private sendSubscribe(shard: Shard, assets: string[]): void {
    if (!assets.length) return;
    if (shard.initialSent) {
      if (!shard.sock.send(operationCmd('subscribe', assets))) shard.initialSent = false;
      return;
    }
    // no initial command on this connection yet: send it now with everything (if not connected,
    // send fails and onOpen sends it)
    const all = [...shard.markets.values()].flatMap((m) => [m.yesTokenId, m.noTokenId]);
    shard.initialSent = shard.sock.send(subscribeCmd(all));
  }

  private onStatus(shard: Shard, st: FeedStatus): void {
    if (st.state === 'live') shard.wasLive = true;
    else if (shard.wasLive) {
      // the book of every market on this connection is unknown until fresh snapshots
      shard.wasLive = false;
      shard.initialSent = false;
      for (const m of shard.markets.values()) {
        this.ctx.gate.resetMarket(m);
        this.books.next({ venue: 'polymarket', kind: 'reset', marketId: m.conditionId, reason: `connection ${st.state}${st.reason ? `: ${st.reason}` : ''}`, tsVenue: st.ts, tsReceived: st.ts });
      }
    }
    this.shardStatus.set(shard.index, st);
    if (this.closed) return;
    let worst: FeedStatus | undefined;
    for (const s of this.shardStatus.values()) if (!worst || SEVERITY[s.state] > SEVERITY[worst.state]) worst = s;
    if (!worst) return;
    const agg: FeedStatus = this.shards.length > 1 && worst.state !== 'live' ? { ...worst, reason: `shard ${shard.index}: ${worst.reason ?? worst.state}` } : worst;
    const cur = this.status.getValue();
    if (cur.state !== agg.state || cur.reason !== agg.reason || cur.connId !== agg.connId) this.status.next(agg);
  }

  /**
   * One frame, inside a guard: whatever happens while decoding or emitting it (a bug, a subscriber
   * that throws), the frame is counted as a decode error and dropped; nothing reaches the socket.
   */
  private onFrame(shard: Shard, frame: RawFrame): void {
    try {
      this.handleFrame(shard, frame);
    } catch (err) {
      shard.sock.count('decodeErrors');
      limitedLog.log('error', 'polymarket frame handler failed', { err, venue: 'polymarket', connId: frame.connId, raw: capRaw(frame.data) }, 'frame handler failed; frame dropped');
    }
  }

  private handleFrame(shard: Shard, frame: RawFrame): void {
    this.frames.next(frame);
    const r = decodeFrame(frame, this.ctx);
    if (r.text === 'PONG') this.own.pongs++;
    else if (r.text) limitedLog.warn('polymarket venue rejected a command', { venue: 'polymarket', connId: frame.connId, raw: r.text }, 'venue rejected a command');
    for (const e of r.errors) {
      shard.sock.count('decodeErrors');
      limitedLog.warn('polymarket frame rejected', { venue: 'polymarket', connId: frame.connId, reason: e.reason, eventType: e.eventType, marketId: e.marketId, raw: e.raw }, 'frame rejected');
    }
    for (const t of r.unknownTypes) {
      this.own.unknownTypes++;
      log.debug({ venue: 'polymarket', eventType: t }, 'unknown event_type ignored');
    }
    this.own.gated += r.gated;
    for (const m of r.messages) this.messages.next(m);
    for (const e of r.events) this.books.next(e);
    for (const cid of r.resync) this.resync(cid);
  }

  /** Fresh snapshots of one market: unsubscribe + subscribe its two tokens on its connection. */
  private resync(conditionId: string): void {
    const m = this.ctx.markets.get(conditionId);
    const shard = this.shards.find((s) => s.markets.has(conditionId));
    if (!m || !shard) return;
    shard.sock.count('resyncs');
    if (!shard.initialSent) return; // the coming onOpen resubscribes everything
    const tokens = [m.yesTokenId, m.noTokenId];
    limitedLog.log('info', 'polymarket resync', { venue: 'polymarket', marketId: conditionId }, 'resync: resubscribing for fresh snapshots');
    shard.sock.send(operationCmd('unsubscribe', tokens));
    shard.sock.send(operationCmd('subscribe', tokens));
  }
}
