/**
 * Kalshi normalization, pure: RawFrame → decoded {@link KalshiWsFrame} → {@link BookEvent}s.
 * The same code serves the live feed and the replay of recorded frames.
 *
 * - {@link decodeFrame}: JSON + zod; never throws, classifies failures (malformed / unknown type).
 * - {@link parseSnapshot}, {@link parseDelta}: wire → BookEvent (Kalshi books are bids only:
 *   snapshots carry `impliedAsks: true`; deltas are signed `add` changes).
 * - {@link KalshiSequencer}: the §3.6 sequence rule per sid (gaps, delta before snapshot,
 *   stale markets, what to resync). A state machine without I/O: the socket acts on its output.
 * - {@link kalshiBookEvents}: the RxJS operator RawFrame → BookEvent for replays.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { BookEvent, BookSnapshotEvent, BookDeltaEvent, BookResetEvent, Level } from '../../../schema/book.js';
import type { RawFrame } from '../common/types.js';
import { DecodeError } from '../../errors.js';
import { capRaw, limitedLog } from '../../log.js';
import { prescanJson } from '../common/frameGuard.js';
import { KalshiWsFrame, KALSHI_FRAME_TYPES, TERMINAL_ERROR_CODES, type OrderbookSnapshotMsg, type OrderbookDeltaMsg } from './wire.js';

/** The raw text as logged: cut to 512 bytes (original length noted) so that a huge hostile frame cannot flood the logs. */
export const truncateRaw = (s: string): string => capRaw(s);

export type DecodeResult =
  | { readonly ok: true; readonly frame: KalshiWsFrame }
  | { readonly ok: false; readonly kind: 'malformed' | 'unknown-type'; readonly error: DecodeError; readonly type?: string };

/**
 * Decodes one frame's text. Never throws. Bounded: the text is pre-scanned ({@link prescanJson}:
 * length, depth, number length) before JSON.parse; anything unexpected is one malformed result.
 */
export function decodeFrame(frame: Pick<RawFrame, 'data' | 'binary'>): DecodeResult {
  // errors raised while decoding (zod, money) are data: no stack capture, the costliest part of
  // rejecting a hostile frame (synchronous, restored below)
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return decodeUnguarded(frame);
  } catch (err) {
    const raw = typeof frame.data === 'string' ? truncateRaw(frame.data) : '';
    return { ok: false, kind: 'malformed', error: new DecodeError(`decoder failed: ${capRaw(err instanceof Error ? err.message : String(err), 200)}`, { source: 'kalshi', raw }) };
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

function decodeUnguarded(frame: Pick<RawFrame, 'data' | 'binary'>): DecodeResult {
  if (typeof frame.data !== 'string') return { ok: false, kind: 'malformed', error: new DecodeError('frame data is not text', { source: 'kalshi' }) };
  const raw = truncateRaw(frame.data);
  if (frame.binary) return { ok: false, kind: 'malformed', error: new DecodeError('binary frame', { source: 'kalshi', raw }) };
  const bounds = prescanJson(frame.data);
  if (!bounds.ok) return { ok: false, kind: 'malformed', error: new DecodeError(bounds.reason, { source: 'kalshi', raw }) };
  let json: unknown;
  try {
    json = JSON.parse(frame.data);
  } catch (err) {
    return { ok: false, kind: 'malformed', error: new DecodeError(`not JSON: ${capRaw((err as Error).message, 200)}`, { source: 'kalshi', raw }) };
  }
  const type = json && typeof json === 'object' && !Array.isArray(json) ? (json as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && !KALSHI_FRAME_TYPES.has(type)) {
    return { ok: false, kind: 'unknown-type', type: type.slice(0, 64), error: new DecodeError(`unknown frame type "${type.slice(0, 64)}"`, { source: 'kalshi', raw }) };
  }
  const res = KalshiWsFrame.safeParse(json);
  if (!res.success) {
    const issues = res.error.issues.slice(0, 5).map((i) => capRaw(`${i.path.slice(0, 8).join('.')}: ${i.message}`, 300));
    return { ok: false, kind: 'malformed', error: new DecodeError(`invalid frame: ${issues.join('; ')}`, { source: 'kalshi', raw, issues }) };
  }
  return { ok: true, frame: res.data };
}

/** Kalshi levels arrive ascending (best last); the book sorts anyway, we pass them best first. */
const bidsBestFirst = (levels: readonly (readonly [number, number])[]): Level[] =>
  levels
    .filter(([, qty]) => qty > 0)
    .map(([price, qty]) => ({ price, qty }))
    .sort((a, b) => b.price - a.price);

/**
 * Venue time of a delta: `ts_ms`, else the deprecated `ts` (RFC3339 string or unix s), else our
 * receive time (snapshots carry no venue time at all).
 */
function deltaTs(m: OrderbookDeltaMsg['msg'], tsReceived: number): number {
  if (m.ts_ms !== undefined) return m.ts_ms;
  if (typeof m.ts === 'number') return m.ts * 1000;
  if (typeof m.ts === 'string') {
    const t = Date.parse(m.ts);
    if (Number.isFinite(t)) return t;
  }
  return tsReceived;
}

/** `orderbook_snapshot` → snapshot event. A side absent on the wire is an empty ladder. */
export function parseSnapshot(f: OrderbookSnapshotMsg, ctx: { tsReceived: number }): BookSnapshotEvent {
  const m = f.msg;
  const yes = m.yes_dollars_fp ?? m.yes_dollars ?? m.yes ?? [];
  const no = m.no_dollars_fp ?? m.no_dollars ?? m.no ?? [];
  return {
    kind: 'snapshot',
    venue: 'kalshi',
    marketId: m.market_ticker,
    tsVenue: ctx.tsReceived,
    tsReceived: ctx.tsReceived,
    seq: f.seq,
    impliedAsks: true,
    ladders: { yesBid: bidsBestFirst(yes), noBid: bidsBestFirst(no) },
  };
}

/** `orderbook_delta` → delta event (signed `add` on the side's bid ladder, NO side in NO-leg prices). */
export function parseDelta(f: OrderbookDeltaMsg, ctx: { tsReceived: number }): BookDeltaEvent {
  const m = f.msg;
  const price = (m.price_dollars ?? m.price)!; // one of them is guaranteed by the schema
  const qty = (m.delta_fp ?? m.delta)!;
  return {
    kind: 'delta',
    venue: 'kalshi',
    marketId: m.market_ticker,
    tsVenue: deltaTs(m, ctx.tsReceived),
    tsReceived: ctx.tsReceived,
    seq: f.seq,
    changes: [{ ladder: m.side === 'yes' ? 'yesBid' : 'noBid', price, mode: 'add', qty }],
  };
}

/** Stateless: book events of one decoded frame, with no sequence checking (goldens, replay of clean data). */
export function toBookEvents(f: KalshiWsFrame, ctx: { tsReceived: number }): BookEvent[] {
  if (f.type === 'orderbook_snapshot') return [parseSnapshot(f, ctx)];
  if (f.type === 'orderbook_delta') return [parseDelta(f, ctx)];
  return [];
}

export const resetEvent = (marketId: string, reason: string, tsReceived: number, seq?: number): BookResetEvent => ({
  kind: 'reset',
  venue: 'kalshi',
  marketId,
  tsVenue: tsReceived,
  tsReceived,
  reason,
  ...(seq === undefined ? {} : { seq }),
});

export interface SeqGap {
  readonly sid: number;
  readonly expected: number;
  readonly got: number;
}

/** What the caller must do after one frame went through the sequencer. */
export interface SequencerOutput {
  /** Book events to emit, in order (resets first). */
  readonly events: BookEvent[];
  /** A gap was seen (count it). */
  readonly gap?: SeqGap;
  /** A delta arrived for a market that has no snapshot on this sid. */
  readonly deltaBeforeSnapshot?: string;
  /** Markets to re-snapshot on this sid (send `update_subscription` / `get_snapshot`). */
  readonly resync?: { readonly sid: number; readonly markets: readonly string[] };
  /** The frame was older than expected and dropped. */
  readonly dropped?: boolean;
}

type MarketState = 'live' | 'stale';

/**
 * The §3.6 sequence rule. Keeps `expected[sid]`; every frame carrying sid+seq is checked:
 * `seq == expected` (or first for the sid) is applied, `seq < expected` is dropped, `seq > expected`
 * is a gap: every live book on the sid is reset and must be re-snapshotted. A delta for a market
 * with no snapshot on its sid is treated the same way for that market. A snapshot always
 * replaces the market's book and makes it live again.
 */
export class KalshiSequencer {
  private readonly expected = new Map<number, number>();
  /** sid → market → state */
  private readonly books = new Map<number, Map<string, MarketState>>();

  /** Feeds one decoded frame. */
  push(f: KalshiWsFrame, tsReceived: number): SequencerOutput {
    const sid = 'sid' in f ? f.sid : undefined;
    const seq = 'seq' in f ? f.seq : undefined;
    const events: BookEvent[] = [];
    let gap: SeqGap | undefined;
    let resync: { sid: number; markets: string[] } | undefined;
    if (sid !== undefined && seq !== undefined) {
      const exp = this.expected.get(sid);
      if (exp !== undefined && seq < exp) return { events, dropped: true };
      if (exp !== undefined && seq > exp) {
        gap = { sid, expected: exp, got: seq };
        const markets = this.markDiscontinuous(sid, `seq gap sid=${sid} expected ${exp} got ${seq}`, tsReceived, events);
        if (markets.length) resync = { sid, markets };
      }
      this.expected.set(sid, seq + 1);
    }
    if (f.type === 'orderbook_snapshot') {
      this.booksOf(f.sid).set(f.msg.market_ticker, 'live');
      if (resync) resync.markets = resync.markets.filter((m) => m !== f.msg.market_ticker);
      events.push(parseSnapshot(f, { tsReceived }));
    } else if (f.type === 'orderbook_delta') {
      const market = f.msg.market_ticker;
      const state = this.books.get(f.sid)?.get(market);
      if (state === 'live') events.push(parseDelta(f, { tsReceived }));
      else if (state === undefined) {
        this.booksOf(f.sid).set(market, 'stale');
        events.push(resetEvent(market, `delta before snapshot sid=${f.sid}`, tsReceived, f.seq));
        return { events, gap, deltaBeforeSnapshot: market, resync: { sid: f.sid, markets: [...(resync?.markets ?? []), market] } };
      }
      // stale: waiting for the resync snapshot, drop
    } else if ((f.type === 'error' && f.sid !== undefined && TERMINAL_ERROR_CODES.has(f.msg.code)) || f.type === 'unsubscribed') {
      // the subscription is gone (terminal error / unsubscribed): its books are no longer maintained.
      // A non-terminal error on a sid (e.g. 27 too many requests) leaves the subscription and its books intact:
      // resetting them would leave the markets empty, since the socket resubscribes only on terminal codes.
      const s = f.sid!;
      this.markDiscontinuous(s, f.type === 'error' ? `error ${f.msg.code} sid=${s}` : `unsubscribed sid=${s}`, tsReceived, events);
      this.forgetSid(s);
    }
    return resync && resync.markets.length ? { events, gap, resync } : { events, gap };
  }

  /** A market removed from a subscription: reset it and forget it. */
  removeMarkets(sid: number, markets: readonly string[], reason: string, tsReceived: number): BookEvent[] {
    const m = this.books.get(sid);
    const out: BookEvent[] = [];
    for (const t of markets) {
      if (m?.get(t) === 'live') out.push(resetEvent(t, reason, tsReceived));
      m?.delete(t);
    }
    return out;
  }

  /** The connection is gone (reconnect / close): every sid is void; resets for every live book. */
  connectionLost(reason: string, tsReceived: number): BookEvent[] {
    const out: BookEvent[] = [];
    for (const sid of [...this.books.keys()]) this.markDiscontinuous(sid, reason, tsReceived, out);
    this.books.clear();
    this.expected.clear();
    return out;
  }

  forgetSid(sid: number): void {
    this.books.delete(sid);
    this.expected.delete(sid);
  }

  /** Markets with a live book (any sid). */
  liveMarkets(): string[] {
    const out: string[] = [];
    for (const m of this.books.values()) for (const [t, s] of m) if (s === 'live') out.push(t);
    return out;
  }

  /** Markets known on the sid (live or awaiting a snapshot). */
  marketsOf(sid: number): string[] {
    return [...(this.books.get(sid)?.keys() ?? [])];
  }

  private booksOf(sid: number): Map<string, MarketState> {
    let m = this.books.get(sid);
    if (!m) this.books.set(sid, (m = new Map()));
    return m;
  }

  /** Marks every book on the sid stale; resets for those that were live. Returns all markets of the sid. */
  private markDiscontinuous(sid: number, reason: string, tsReceived: number, out: BookEvent[]): string[] {
    const m = this.books.get(sid);
    if (!m) return [];
    for (const [t, s] of m) {
      if (s === 'live') out.push(resetEvent(t, reason, tsReceived));
      m.set(t, 'stale');
    }
    return [...m.keys()];
  }
}

export interface KalshiReplayCounters {
  decodeErrors: number;
  unknownTypes: number;
  gaps: number;
  dropped: number;
}

/**
 * RawFrame → BookEvent for replay of recorded sessions (and any frame source without a socket):
 * decode, apply the sequence rule per connection (a new `connId` is a reconnect: every book is
 * reset), emit book events. Bad frames are counted in `counters` and skipped, never thrown.
 * Resync requests cannot be sent during a replay: the stale books stay reset until the recording
 * holds a fresh snapshot.
 *
 * ```
 * frames:  --s--d--d--[gap d]--s'--d--|
 * events:  --S--D--D--R--------S'--D--|
 * ```
 * @see KalshiSequencer
 */
export function kalshiBookEvents(counters?: KalshiReplayCounters): OperatorFunction<RawFrame, BookEvent> {
  return (source) =>
    new Observable<BookEvent>((subscriber) => {
      const seq = new KalshiSequencer();
      let connId: string | undefined;
      const sub = source.subscribe({
        next(raw) {
          if (connId !== undefined && raw.connId !== connId) for (const e of seq.connectionLost('reconnect', raw.tsReceived)) subscriber.next(e);
          connId = raw.connId;
          const res = decodeFrame(raw);
          if (!res.ok) {
            if (counters) {
              counters.decodeErrors++;
              if (res.kind === 'unknown-type') counters.unknownTypes++;
            }
            limitedLog.warn('kalshi replay frame rejected', { err: res.error, venue: 'kalshi', connId: raw.connId, raw: truncateRaw(raw.data) }, 'frame rejected');
            return;
          }
          let out: SequencerOutput;
          try {
            out = seq.push(res.frame, raw.tsReceived);
          } catch (err) {
            if (counters) counters.decodeErrors++;
            limitedLog.log('error', 'kalshi replay sequencer failed', { err, venue: 'kalshi', raw: truncateRaw(raw.data) }, 'sequencer failed; frame dropped');
            return;
          }
          if (counters && (out.gap || out.deltaBeforeSnapshot)) counters.gaps++;
          if (counters && out.dropped) counters.dropped++;
          for (const e of out.events) subscriber.next(e);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => sub.unsubscribe();
    });
}
