/**
 * Alert events for the Discord alert channel: what they are (zod, validated where they enter the
 * bot), how each is keyed for deduplication, how it reads, and where they come from live
 * (`alertsFromLive`: the API's LiveEvents bus).
 */
import { Observable, filter, map, merge } from 'rxjs';
import { z } from 'zod';
import { FeedState } from '../../schema/feed.js';
import { formatScaled } from '../../schema/money.js';
import { VenueId } from '../../schema/venue.js';
import type { LiveEventsHandle } from '../api/events.js';
import { log } from '../log.js';

const int = z.number().int();
/** unix ms */
const ts = z.number().finite();

export const AlertEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('edge'),
    ts,
    edgeId: z.string().min(1),
    pairId: z.string().min(1),
    direction: z.string().min(1),
    /** contracts, integer millionths */
    sizeQty: int,
    /** per contract, micro-dollars */
    netEdgePerContractMicros: int,
    /** over the whole size, micro-dollars */
    profitMicros: int,
  }),
  z.object({
    kind: z.literal('feed'),
    ts,
    venue: VenueId,
    state: FeedState,
    reason: z.string().optional(),
    attempt: int.optional(),
  }),
  z.object({ kind: z.literal('kill'), ts, on: z.boolean(), by: z.string() }),
  z.object({ kind: z.literal('error'), ts, level: z.enum(['info', 'warn', 'critical']).default('warn'), message: z.string(), source: z.string().optional() }),
]);
export type AlertEvent = z.infer<typeof AlertEvent>;
export type AlertKind = AlertEvent['kind'];
export const ALERT_KINDS: readonly AlertKind[] = ['edge', 'feed', 'kill', 'error'];

/** Deduplication key: the same key within the window is sent once. */
export function alertKey(a: AlertEvent): string {
  switch (a.kind) {
    case 'edge':
      return `edge:${a.pairId}:${a.direction}`;
    case 'feed':
      return `feed:${a.venue}:${a.state}`;
    case 'kill':
      return `kill:${a.on ? 'on' : 'off'}`;
    case 'error':
      return `error:${a.source ?? ''}:${a.message}`;
    default: {
      const never: never = a;
      return never;
    }
  }
}

const usd = (micros: number): string => `$${formatScaled(micros, 2)}`;
/** Text from outside (pair ids, reasons, error messages) as inline code: no markdown, no mentions. */
export const code = (s: string, max = 200): string => '`' + (s.length > max ? s.slice(0, max) + '…' : s).replace(/`/g, 'ˋ') + '`';

/** One line (or a few) of Discord text for an alert. The caller scrubs secrets. */
export function formatAlert(a: AlertEvent): string {
  const at = new Date(a.ts).toISOString();
  switch (a.kind) {
    case 'edge':
      return `💰 **edge** ${code(a.pairId)} ${a.direction}: profit **${usd(a.profitMicros)}** on ${formatScaled(a.sizeQty, 0)} contracts (${usd(a.netEdgePerContractMicros)}/contract) · ${at}`;
    case 'feed':
      return `📡 **feed** ${a.venue} is **${a.state}**${a.reason ? ` (${code(a.reason)})` : ''}${a.attempt ? `, attempt ${a.attempt}` : ''} · ${at}`;
    case 'kill':
      return `${a.on ? '🛑' : '✅'} **kill switch ${a.on ? 'ON' : 'OFF'}** by ${code(a.by)} · ${at}`;
    case 'error':
      return `${a.level === 'critical' ? '🚨' : '⚠️'} **${a.level}**${a.source ? ` ${code(a.source)}` : ''}: ${code(a.message, 800)} · ${at}`;
    default: {
      const never: never = a;
      return never;
    }
  }
}

export interface AlertsFromLiveOptions {
  /** Only edges with at least this total profit are alerts (config.discord.alertMinProfitMicros). */
  readonly minProfitMicros: number;
  /** Feed states worth an alert (default stale, reconnecting, closed). */
  readonly feedStates?: readonly string[];
}

/** A live topic as an Observable; unsubscribing ends the underlying Repeater. */
function topic$<T>(subscribe: () => AsyncIterable<T> & { return(value?: unknown): Promise<unknown> }, name: string): Observable<T> {
  return new Observable<T>((sub) => {
    const r = subscribe();
    void (async () => {
      try {
        for await (const v of r) sub.next(v);
        sub.complete();
      } catch (err) {
        sub.error(err);
      }
    })();
    return () => {
      r.return().catch((err: unknown) => log.warn({ err, topic: name }, 'bot: closing a live subscription failed'));
    };
  });
}

/**
 * Alerts from the live bus: edges at or above the profit threshold, feeds going stale /
 * reconnecting / closed, kill switch flips, and warn/critical alerts published by the pipeline.
 * (The bus validates every payload before it gets here.)
 */
export function alertsFromLive(live: LiveEventsHandle, opts: AlertsFromLiveOptions): Observable<AlertEvent> {
  const feedStates = new Set<string>(opts.feedStates ?? ['stale', 'reconnecting', 'closed']);
  const edges$ = topic$(() => live.subscribe('edge'), 'edge').pipe(
    filter((e) => e.profitMicros >= opts.minProfitMicros),
    map((e): AlertEvent => ({
      kind: 'edge', ts: e.tsDetected, edgeId: e.edgeId, pairId: e.pairId, direction: e.direction,
      sizeQty: e.sizeQty, netEdgePerContractMicros: e.netEdgePerContractMicros, profitMicros: e.profitMicros,
    })),
  );
  const feeds$ = topic$(() => live.subscribe('feedStatus'), 'feedStatus').pipe(
    filter((f) => feedStates.has(f.state)),
    map((f): AlertEvent => ({ kind: 'feed', ts: f.ts, venue: f.venue, state: f.state, reason: f.reason, attempt: f.attempt })),
  );
  const kills$ = topic$(() => live.subscribe('killSwitch'), 'killSwitch').pipe(map((k): AlertEvent => ({ kind: 'kill', ts: k.ts, on: k.on, by: k.by })));
  const errors$ = topic$(() => live.subscribe('alert'), 'alert').pipe(
    filter((a) => a.level !== 'info'),
    map((a): AlertEvent => ({ kind: 'error', ts: a.ts, level: a.level, message: a.message })),
  );
  return merge(edges$, feeds$, kills$, errors$);
}
