/**
 * Alert events for the Discord alert channel: what they are (zod, validated where they enter the
 * bot), how each is keyed for deduplication, how it reads, and where they come from live
 * (`alertsFromInputs`: which events are alerts; `alertsFromLive`: from the API's LiveEvents bus;
 * src/bot/apiSource.ts: from a running API over graphql-ws).
 */
import { Observable, filter, map, merge } from 'rxjs';
import { z } from 'zod';
import type { RiskDecision } from '../../schema/edge.js';
import { ExecutionState, type Execution } from '../../schema/execution.js';
import { FeedState, type FeedStatus } from '../../schema/feed.js';
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
  /** a risk decision: accepted, or rejected for an operational reason (kill switch, stale feed, limits) */
  z.object({
    kind: z.literal('decision'),
    ts,
    edgeId: z.string().min(1),
    pairId: z.string().min(1),
    direction: z.string().min(1),
    accepted: z.boolean(),
    reasons: z.array(z.string()),
    sizeQty: int,
    netEdgePerContractMicros: int,
    profitMicros: int,
  }),
  z.object({ kind: z.literal('kill'), ts, on: z.boolean(), by: z.string() }),
  z.object({ kind: z.literal('error'), ts, level: z.enum(['info', 'warn', 'critical']).default('warn'), message: z.string(), source: z.string().optional() }),
  /** an execution that filled both legs, started or ended an unwind, or left a residual */
  z.object({
    kind: z.literal('execution'),
    ts,
    executionId: z.string().min(1),
    pairId: z.string().min(1),
    state: ExecutionState,
    reason: z.string(),
    /** contracts per leg as planned (millionths) */
    sizeQty: int,
    /** filled per role (millionths) and the cash of those fills (micro-dollars) */
    leg1FilledQty: int,
    leg2FilledQty: int,
    unwindFilledQty: int,
    costMicros: int,
    feesMicros: int,
    /** contracts of leg 1 held without hedge */
    netQty: int,
    /** the executor's alerts (unhedged residual, unknown outcome) */
    alerts: z.array(z.string()),
  }),
]);
export type AlertEvent = z.infer<typeof AlertEvent>;
export type AlertKind = AlertEvent['kind'];
export const ALERT_KINDS: readonly AlertKind[] = ['edge', 'decision', 'feed', 'kill', 'error', 'execution'];

/** Deduplication key: the same key within the window is sent once. */
export function alertKey(a: AlertEvent): string {
  switch (a.kind) {
    case 'edge':
      return `edge:${a.pairId}:${a.direction}`;
    case 'decision':
      // accepted: one per pair and direction per window; rejected: one per pair and operational cause
      return a.accepted ? `decision:accepted:${a.pairId}:${a.direction}` : `decision:rejected:${a.pairId}:${operationalReasons(a.reasons).map(reasonKind).join(',')}`;
    case 'feed':
      return `feed:${a.venue}:${a.state}`;
    case 'kill':
      return `kill:${a.on ? 'on' : 'off'}`;
    case 'error':
      return `error:${a.source ?? ''}:${a.message}`;
    case 'execution':
      return `execution:${a.executionId}:${a.state}:${a.netQty}`;
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
    case 'decision':
      return a.accepted
        ? `✅ **opportunity accepted** ${code(a.pairId)} ${a.direction}: profit **${usd(a.profitMicros)}** on ${formatScaled(a.sizeQty, 0)} contracts (${usd(a.netEdgePerContractMicros)}/contract) · ${at}`
        : `⛔ **opportunity rejected** ${code(a.pairId)} ${a.direction} (profit ${usd(a.profitMicros)}): ${operationalReasons(a.reasons).map((r) => code(r, 120)).join(' ')} · ${at}`;
    case 'feed':
      return `📡 **feed** ${a.venue} is **${a.state}**${a.reason ? ` (${code(a.reason)})` : ''}${a.attempt ? `, attempt ${a.attempt}` : ''} · ${at}`;
    case 'kill':
      return `${a.on ? '🛑' : '✅'} **kill switch ${a.on ? 'ON' : 'OFF'}** by ${code(a.by)} · ${at}`;
    case 'error':
      return `${a.level === 'critical' ? '🚨' : '⚠️'} **${a.level}**${a.source ? ` ${code(a.source)}` : ''}: ${code(a.message, 800)} · ${at}`;
    case 'execution':
      return formatExecutionAlert(a, at);
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** The operational causes of a rejection (kind of reason, before the first space or '-' detail). */
const OPERATIONAL = ['kill-switch', 'book-stale', 'pair-exposure', 'venue-exposure', 'total-exposure'] as const;
/** The kind of a risk reason: `book-stale 900 ms > 500 ms` → `book-stale`. */
export const reasonKind = (r: string): string => r.split(' ', 1)[0] ?? r;
/** The reasons of a rejection that are operational (kill switch, stale feed, exposure limits), not the market's. */
export function operationalReasons(reasons: readonly string[]): string[] {
  return reasons.filter((r) => (OPERATIONAL as readonly string[]).includes(reasonKind(r)));
}
/**
 * Is this risk decision worth an alert? Accepted with at least `minProfitMicros` of profit, or
 * rejected for an operational reason (kill switch, stale book, an exposure limit). A rejection for
 * the market's own reasons (edge too small, pair not approved) is not.
 */
export function isDecisionAlert(d: Pick<DecisionAlertInput, 'accepted' | 'reasons' | 'edge'>, minProfitMicros: number): boolean {
  if (d.accepted) return d.edge.profitMicros >= minProfitMicros;
  return operationalReasons(d.reasons).length > 0;
}
/** What a decision alert needs of a RiskDecision (the live bus's, or the API's decisionAdded). */
export type DecisionAlertInput = Pick<RiskDecision, 'ts' | 'accepted'> & {
  readonly reasons: readonly string[];
  readonly edge: Pick<RiskDecision['edge'], 'edgeId' | 'pairId' | 'direction' | 'sizeQty' | 'netEdgePerContractMicros' | 'profitMicros'>;
};
export function decisionAlert(d: DecisionAlertInput): AlertEvent {
  const e = d.edge;
  return {
    kind: 'decision', ts: d.ts, edgeId: e.edgeId, pairId: e.pairId, direction: e.direction, accepted: d.accepted, reasons: [...d.reasons],
    sizeQty: e.sizeQty, netEdgePerContractMicros: e.netEdgePerContractMicros, profitMicros: e.profitMicros,
  };
}

/** Is this execution state worth an alert? Both legs filled, an unwind started or ended, a failure, or a residual / executor alert. */
export function isExecutionAlert(e: Pick<ExecutionAlertInput, 'state' | 'progress'>): boolean {
  return e.state === 'hedged' || e.state === 'unwinding' || e.state === 'unwound' || e.state === 'failed' || e.progress.alerts.length > 0;
}

type RoleSums = Pick<Execution['progress']['leg1'], 'filledQty' | 'costMicros' | 'feesMicros'>;
/** What an execution alert needs of an Execution (the live bus's, or the API's executionUpdated). */
export type ExecutionAlertInput = Pick<Execution, 'executionId' | 'pairId' | 'state' | 'reason' | 'sizeQty' | 'netQty' | 'tsUpdated'> & {
  readonly progress: { readonly leg1: RoleSums; readonly leg2: RoleSums; readonly unwind: RoleSums; readonly alerts: readonly string[] };
};

/** The alert of an execution record. */
export function executionAlert(e: ExecutionAlertInput): AlertEvent {
  const p = e.progress;
  return {
    kind: 'execution', ts: e.tsUpdated, executionId: e.executionId, pairId: e.pairId, state: e.state, reason: e.reason, sizeQty: e.sizeQty,
    leg1FilledQty: p.leg1.filledQty, leg2FilledQty: p.leg2.filledQty, unwindFilledQty: p.unwind.filledQty,
    costMicros: p.leg1.costMicros + p.leg2.costMicros, feesMicros: p.leg1.feesMicros + p.leg2.feesMicros + p.unwind.feesMicros, netQty: e.netQty, alerts: [...p.alerts],
  };
}

function formatExecutionAlert(a: Extract<AlertEvent, { kind: 'execution' }>, at: string): string {
  const c = (q: number): string => formatScaled(q, 6).replace(/\.?0+$/, '');
  const head = `${code(a.executionId, 40)} pair ${code(a.pairId, 60)}`;
  const residual = a.netQty > 0 ? ` · 🚨 **${c(a.netQty)} contracts unhedged**` : '';
  const extra = a.alerts.length ? ` · ${a.alerts.map((x) => code(x, 200)).join(' ')}` : '';
  switch (a.state) {
    case 'hedged':
      return `✅ **filled** ${head}: both legs, ${c(a.leg1FilledQty)} + ${c(a.leg2FilledQty)} contracts for ${usd(a.costMicros)} (fees ${usd(a.feesMicros)})${extra} · ${at}`;
    case 'unwinding':
      return `↩️ **unwinding** ${head}: leg 1 filled ${c(a.leg1FilledQty)}, leg 2 ${c(a.leg2FilledQty)} (${code(a.reason)})${residual}${extra} · ${at}`;
    case 'unwound':
      return `↩️ **unwound** ${head}: sold back ${c(a.unwindFilledQty)} contracts (${code(a.reason)})${residual}${extra} · ${at}`;
    case 'failed':
      return `🚨 **execution failed** ${head}: ${code(a.reason)}${residual}${extra} · ${at}`;
    default:
      return `⚠️ **execution ${a.state}** ${head}: ${code(a.reason)}${residual}${extra} · ${at}`;
  }
}

export interface AlertsFromLiveOptions {
  /** Only accepted decisions with at least this total profit are alerts (config.discord.alertMinProfitMicros). */
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

/** A feed status as alerts need it. */
export type FeedAlertInput = Pick<FeedStatus, 'venue' | 'state' | 'ts' | 'reason' | 'attempt'>;
/** A kill switch flip as alerts need it. */
export interface KillAlertInput {
  readonly on: boolean;
  readonly by: string;
  readonly ts: number;
}
/** An operational alert (publishAlert) as alerts need it. */
export interface ErrorAlertInput {
  readonly level: 'info' | 'warn' | 'critical';
  readonly message: string;
  readonly ts: number;
  readonly source?: string | undefined;
}

/** The five streams alerts are made of, wherever they come from (the live bus, the API). */
export interface AlertInputs {
  readonly decisions$: Observable<DecisionAlertInput>;
  readonly feeds$: Observable<FeedAlertInput>;
  readonly kills$: Observable<KillAlertInput>;
  readonly errors$: Observable<ErrorAlertInput>;
  readonly executions$: Observable<ExecutionAlertInput>;
}

/**
 * Feed statuses worth an alert: going down (one of `downStates`), and up again (live) after
 * having been down. Stateful (remembers which venues are down): one per alert stream.
 */
export function feedAlertFilter(downStates: readonly string[] = ['stale', 'reconnecting', 'closed']): (f: FeedAlertInput) => boolean {
  const feedStates = new Set<string>(downStates);
  const down = new Set<string>();
  return (f) => {
    if (feedStates.has(f.state)) {
      down.add(f.venue);
      return true;
    }
    if (f.state === 'live' && down.has(f.venue)) {
      down.delete(f.venue);
      return true;
    }
    return false;
  };
}

export const feedAlert = (f: FeedAlertInput): AlertEvent => ({ kind: 'feed', ts: f.ts, venue: f.venue, state: f.state, ...(f.reason !== undefined ? { reason: f.reason } : {}), attempt: f.attempt });
export const killAlert = (k: KillAlertInput): AlertEvent => ({ kind: 'kill', ts: k.ts, on: k.on, by: k.by });
export const errorAlert = (a: ErrorAlertInput): AlertEvent => ({ kind: 'error', ts: a.ts, level: a.level, message: a.message, ...(a.source ? { source: a.source } : {}) });

/**
 * The alerts of the five input streams: risk decisions (accepted at or above the profit
 * threshold, rejected for an operational reason: see isDecisionAlert; never raw edges), feeds
 * going stale / reconnecting / closed and back to live, kill switch flips, warn/critical
 * operational alerts, and executions worth an alert (isExecutionAlert). The one filtering and
 * mapping of every alert source.
 */
export function alertsFromInputs(inputs: AlertInputs, opts: AlertsFromLiveOptions): Observable<AlertEvent> {
  return merge(
    inputs.decisions$.pipe(filter((d) => isDecisionAlert(d, opts.minProfitMicros)), map(decisionAlert)),
    inputs.feeds$.pipe(filter(feedAlertFilter(opts.feedStates)), map(feedAlert)),
    inputs.kills$.pipe(map(killAlert)),
    inputs.errors$.pipe(filter((a) => a.level !== 'info'), map(errorAlert)),
    inputs.executions$.pipe(filter((e) => isExecutionAlert(e)), map(executionAlert)),
  );
}

/**
 * Alerts from the live bus (see alertsFromInputs for what is an alert): warn/critical alerts
 * published through `publishAlert` are persister and stream-log failures, dead-lettered entries,
 * LLM budget reached (`source` says which).
 * (The bus validates every payload before it gets here.)
 */
export function alertsFromLive(live: LiveEventsHandle, opts: AlertsFromLiveOptions): Observable<AlertEvent> {
  return alertsFromInputs(
    {
      decisions$: topic$(() => live.subscribe('decision'), 'decision'),
      feeds$: topic$(() => live.subscribe('feedStatus'), 'feedStatus'),
      kills$: topic$(() => live.subscribe('killSwitch'), 'killSwitch'),
      errors$: topic$(() => live.subscribe('alert'), 'alert'),
      executions$: topic$(() => live.subscribe('execution'), 'execution'),
    },
    opts,
  );
}
