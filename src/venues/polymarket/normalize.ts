/**
 * Polymarket frames → decoded messages → {@link BookEvent}s. Pure apart from the optional
 * {@link SnapshotGate} in the context (explicit state the caller owns), so the live feed and the
 * replay of recorded {@link RawFrame}s run exactly the same code.
 *
 * Rules (see STYLE.md, Nautilus bugs):
 * - `book` of the YES token → snapshot of {yesBid, yesAsk}; of the NO token → {noBid, noAsk}.
 *   Levels are sorted here (bids descending, asks ascending); the venue's order is not trusted (#3747).
 * - `price_change` → one delta per condition id, mode 'set' (size is the new total, 0 removes),
 *   BUY = bid, SELL = ask.
 * - `tick_size_change` → `reset` of the whole market and a resync request; deltas of its tokens are
 *   gated until each token's next snapshot (#3942). Precision never comes from the tick (#4896).
 * - `market_resolved` → `reset` (the book is over), no resync.
 * - A malformed book-bearing message whose market we can identify → `reset` + resync of that market:
 *   a lost delta must not leave a silently wrong book.
 */
import { mergeMap, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { BookEvent, Ladder, Level, LevelChange, Outcome } from '../../../schema/book.js';
import { capRaw, RAW_LOG_BYTES } from '../../log.js';
import { boundedJson, prescanJson } from '../common/frameGuard.js';
import type { RawFrame } from '../common/types.js';
import {
  POLY_EVENT_TYPES,
  POLY_TEXT_FRAMES,
  PolyWsMessageSchema,
  type PolyLevel,
  type PolyTextFrame,
  type PolyWsMessage,
} from './wire.js';

/** A binary Polymarket market: a condition id with its YES and NO token. */
export interface PolyMarketRef {
  readonly conditionId: string;
  readonly yesTokenId: string;
  readonly noTokenId: string;
}

export interface PolyTokenRef {
  readonly conditionId: string;
  readonly outcome: Outcome;
}

export interface PolyDecodeContext {
  /** token id → its market and outcome */
  readonly tokens: ReadonlyMap<string, PolyTokenRef>;
  /** condition id → market */
  readonly markets: ReadonlyMap<string, PolyMarketRef>;
  /** When given, deltas of a token are dropped until that token's snapshot (after start or a reset). */
  readonly gate?: SnapshotGate;
}

/** Which tokens have had a snapshot since the start or their market's last reset. */
export class SnapshotGate {
  private readonly ready = new Set<string>();
  isReady(tokenId: string): boolean {
    return this.ready.has(tokenId);
  }
  markReady(tokenId: string): void {
    this.ready.add(tokenId);
  }
  resetMarket(m: PolyMarketRef): void {
    this.ready.delete(m.yesTokenId);
    this.ready.delete(m.noTokenId);
  }
  clear(): void {
    this.ready.clear();
  }
}

/** Builds a decode context from market refs; with a fresh gate unless `gate` is null (no gating). */
export function buildContext(markets: Iterable<PolyMarketRef>, gate: SnapshotGate | null = new SnapshotGate()): PolyDecodeContext {
  const tokens = new Map<string, PolyTokenRef>();
  const byId = new Map<string, PolyMarketRef>();
  for (const m of markets) addMarket({ tokens, markets: byId }, m);
  return gate ? { tokens, markets: byId, gate } : { tokens, markets: byId };
}

/** Adds a market to a mutable context (the live feed's dynamic subscribe). */
export function addMarket(ctx: { tokens: Map<string, PolyTokenRef>; markets: Map<string, PolyMarketRef> }, m: PolyMarketRef): void {
  ctx.markets.set(m.conditionId, m);
  ctx.tokens.set(m.yesTokenId, { conditionId: m.conditionId, outcome: 'yes' });
  ctx.tokens.set(m.noTokenId, { conditionId: m.conditionId, outcome: 'no' });
}

export interface DecodeIssue {
  readonly reason: string;
  /** the offending text, truncated to {@link RAW_LOG_LIMIT} characters */
  readonly raw: string;
  readonly eventType?: string;
  readonly marketId?: string;
}

export interface DecodeResult {
  /** decoded JSON messages, in frame order (including those of untracked assets) */
  readonly messages: readonly PolyWsMessage[];
  /** a known non-JSON text frame (PONG …) */
  readonly text?: PolyTextFrame;
  readonly events: readonly BookEvent[];
  /** malformed input: count as decodeErrors */
  readonly errors: readonly DecodeIssue[];
  /** well-formed messages of an event_type we do not know: counted separately, ignored */
  readonly unknownTypes: readonly string[];
  /** condition ids whose book was reset and that need a fresh snapshot */
  readonly resync: readonly string[];
  /** price changes dropped because their token had no snapshot yet */
  readonly gated: number;
}

export const RAW_LOG_LIMIT = RAW_LOG_BYTES;
const truncate = (s: string): string => capRaw(s);
const KNOWN = new Set<string>(POLY_EVENT_TYPES);
const BOOK_BEARING = new Set(['book', 'price_change', 'tick_size_change']);
const zIssues = (e: z.ZodError): string =>
  capRaw(
    e.issues
      .slice(0, 5)
      .map((i) => `${i.path.slice(0, 8).join('.') || '(root)'}: ${i.message}`)
      .join('; '),
  );

const sortLevels = (levels: readonly PolyLevel[], bids: boolean): Level[] => {
  // dedupe by price (last wins: 'set' semantics), drop empty levels, sort best first
  const m = new Map<number, number>();
  for (const l of levels) m.set(l.price, l.size);
  const out: Level[] = [];
  for (const [price, qty] of m) if (qty > 0) out.push({ price, qty });
  return out.sort((a, b) => (bids ? b.price - a.price : a.price - b.price));
};

const ladderOf = (outcome: Outcome, side: 'BUY' | 'SELL'): Ladder => {
  switch (outcome) {
    case 'yes':
      return side === 'BUY' ? 'yesBid' : 'yesAsk';
    case 'no':
      return side === 'BUY' ? 'noBid' : 'noAsk';
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
};

interface Acc {
  messages: PolyWsMessage[];
  events: BookEvent[];
  errors: DecodeIssue[];
  unknownTypes: string[];
  resync: string[];
  gated: number;
}

/**
 * Decodes one raw frame. Never throws: problems come back in `errors` / `unknownTypes`.
 * Bounded: the text is pre-scanned ({@link prescanJson}: length, depth, number length) before
 * JSON.parse, and anything unexpected inside is caught and reported as one error.
 */
export function decodeFrame(frame: RawFrame, ctx: PolyDecodeContext): DecodeResult {
  const acc: Acc = { messages: [], events: [], errors: [], unknownTypes: [], resync: [], gated: 0 };
  // errors raised while decoding (zod, money) are data, never logged with their stack: capturing
  // one per rejected field is most of the cost of a hostile frame (synchronous, restored below)
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return decodeInto(frame, ctx, acc);
  } catch (err) {
    // a bug, not bad input: keep what was decoded before it, report the frame
    acc.errors.push({ reason: `decoder failed: ${capRaw(err instanceof Error ? err.message : String(err), 200)}`, raw: truncate(typeof frame.data === 'string' ? frame.data : '') });
    return acc;
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

function decodeInto(frame: RawFrame, ctx: PolyDecodeContext, acc: Acc): DecodeResult {
  if (typeof frame.data !== 'string') {
    acc.errors.push({ reason: 'frame data is not text', raw: '' });
    return acc;
  }
  if (frame.binary) {
    acc.errors.push({ reason: 'binary frame', raw: truncate(frame.data) });
    return acc;
  }
  const bounds = prescanJson(frame.data);
  if (!bounds.ok) {
    acc.errors.push({ reason: bounds.reason, raw: truncate(frame.data) });
    return acc;
  }
  const text = frame.data.trim();
  if ((POLY_TEXT_FRAMES as readonly string[]).includes(text)) return { ...acc, text: text as PolyTextFrame };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    acc.errors.push({ reason: `not JSON: ${capRaw((err as Error).message, 200)}`, raw: truncate(frame.data) });
    // identify the market if we can, so that its book is not left silently stale (linear regexes, bounded text)
    const m = /"market"\s*:\s*"(0x[0-9a-fA-F]{1,64})"/.exec(text)?.[1];
    if (m && ctx.markets.has(m) && /"event_type"\s*:\s*"(book|price_change|tick_size_change)"/.test(text)) resetMarket(acc, ctx, m, frame, 'malformed frame');
    return acc;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  for (const item of items) decodeItem(item, frame, ctx, acc);
  return acc;
}

function decodeItem(item: unknown, frame: RawFrame, ctx: PolyDecodeContext, acc: Acc): void {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    acc.errors.push({ reason: 'not a JSON object', raw: capRaw(boundedJson(item, 2 * RAW_LOG_LIMIT)) });
    return;
  }
  const rec = item as Record<string, unknown>;
  const type = rec.event_type;
  if (typeof type === 'string' && !KNOWN.has(type)) {
    acc.unknownTypes.push(type.slice(0, 64));
    return;
  }
  const res = PolyWsMessageSchema.safeParse(item);
  if (!res.success) {
    const marketId = typeof rec.market === 'string' ? rec.market : undefined;
    acc.errors.push({
      reason: zIssues(res.error),
      raw: capRaw(boundedJson(item, 2 * RAW_LOG_LIMIT)),
      ...(typeof type === 'string' ? { eventType: type.slice(0, 64) } : {}),
      ...(marketId ? { marketId: marketId.slice(0, 200) } : {}),
    });
    if (typeof type === 'string' && BOOK_BEARING.has(type)) {
      const byAsset = typeof rec.asset_id === 'string' ? ctx.tokens.get(rec.asset_id)?.conditionId : undefined;
      const cid = marketId && ctx.markets.has(marketId) ? marketId : byAsset;
      if (cid) resetMarket(acc, ctx, cid, frame, `malformed ${type}`);
    }
    return;
  }
  const msg = res.data;
  acc.messages.push(msg);
  toEvents(msg, frame, ctx, acc);
}

function resetMarket(acc: Acc, ctx: PolyDecodeContext, conditionId: string, frame: RawFrame, reason: string, tsVenue = frame.tsReceived, resync = true): void {
  const m = ctx.markets.get(conditionId);
  if (!m) return;
  ctx.gate?.resetMarket(m);
  acc.events.push({ venue: 'polymarket', kind: 'reset', marketId: conditionId, reason, tsVenue, tsReceived: frame.tsReceived });
  if (resync && !acc.resync.includes(conditionId)) acc.resync.push(conditionId);
}

function toEvents(msg: PolyWsMessage, frame: RawFrame, ctx: PolyDecodeContext, acc: Acc): void {
  const base = { venue: 'polymarket' as const, tsVenue: msg.timestamp, tsReceived: frame.tsReceived };
  switch (msg.event_type) {
    case 'book': {
      const ref = ctx.tokens.get(msg.asset_id);
      if (!ref) return;
      if (ref.conditionId !== msg.market) {
        acc.errors.push({ reason: `asset ${msg.asset_id} belongs to ${ref.conditionId}, frame says ${msg.market}`, raw: truncate(frame.data), eventType: 'book', marketId: msg.market });
        return;
      }
      const bids = sortLevels(msg.bids, true);
      const asks = sortLevels(msg.asks, false);
      const ladders = ref.outcome === 'yes' ? { yesBid: bids, yesAsk: asks } : { noBid: bids, noAsk: asks };
      ctx.gate?.markReady(msg.asset_id);
      acc.events.push({ ...base, kind: 'snapshot', marketId: ref.conditionId, ladders });
      return;
    }
    case 'price_change': {
      const byMarket = new Map<string, LevelChange[]>();
      for (const c of msg.changes) {
        const ref = ctx.tokens.get(c.assetId);
        if (!ref) continue;
        if (ctx.gate && !ctx.gate.isReady(c.assetId)) {
          acc.gated++;
          continue;
        }
        const list = byMarket.get(ref.conditionId) ?? [];
        list.push({ ladder: ladderOf(ref.outcome, c.side), price: c.price, mode: 'set', qty: c.size });
        byMarket.set(ref.conditionId, list);
      }
      for (const [marketId, changes] of byMarket) acc.events.push({ ...base, kind: 'delta', marketId, changes });
      return;
    }
    case 'tick_size_change': {
      const ref = ctx.tokens.get(msg.asset_id);
      if (!ref) return;
      resetMarket(acc, ctx, ref.conditionId, frame, `tick size ${msg.old_tick_size}→${msg.new_tick_size} micros`, msg.timestamp);
      return;
    }
    case 'market_resolved': {
      if (!ctx.markets.has(msg.market)) return;
      resetMarket(acc, ctx, msg.market, frame, `market resolved: ${msg.winning_outcome}`, msg.timestamp, false);
      return;
    }
    case 'last_trade_price':
    case 'best_bid_ask':
    case 'new_market':
      return;
    default: {
      const never: never = msg;
      throw new Error(`unhandled message ${boundedJson(never, 200)}`);
    }
  }
}

export interface DecodeHooks {
  onResult?: (r: DecodeResult, frame: RawFrame) => void;
}

/**
 * RxJS operator: raw frames → book events, through {@link decodeFrame} (for replay of recordings).
 * Issues are reported through `hooks.onResult`; the stream never errors on bad input.
 *
 * @example frames$.pipe(polyBookEvents(buildContext(markets)))
 */
export function polyBookEvents(ctx: PolyDecodeContext, hooks: DecodeHooks = {}): OperatorFunction<RawFrame, BookEvent> {
  return mergeMap((frame: RawFrame) => {
    const r = decodeFrame(frame, ctx);
    hooks.onResult?.(r, frame);
    return r.events;
  });
}
