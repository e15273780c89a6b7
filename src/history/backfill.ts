/**
 * Venue history backfill (`arbstream backfill`): for each market, the series each venue publishes
 * (ORDERS.md §3), stored in the history tables (schema/migrations/0008_history.sql):
 *
 *   Polymarket  prices   CLOB /prices-history per token (YES and NO), `fidelityMin` buckets
 *               trades   data API /trades per condition id (offset paging)
 *   Kalshi      candles  /series/…/candlesticks per ticker, `candlePeriod` minutes
 *               trades   /markets/trades per ticker (cursor paging)
 *
 * Nothing publishes order-book history ({@link NOT_PUBLISHED}).
 *
 * Resumable and idempotent: the window is cut into slices on a fixed grid; after every page the
 * rows are inserted (ON CONFLICT DO NOTHING) and then `backfill_progress` is advanced (slice end,
 * or the venue's page cursor inside the slice). A run killed anywhere resumes from the stored
 * progress and at worst fetches one page again, which inserts nothing; a second run over a done
 * window sends no request and adds nothing.
 *
 * Gaps: prices and candles should be continuous; a hole of at least `minGapSteps` buckets
 * (including before the first and after the last point of the window) is logged, stored in
 * `history_gaps` and returned in the summary. Trades are not checked: a quiet market has none.
 *
 * Rate limits live in the venue clients (one token bucket per endpoint, 429/5xx retried honouring
 * Retry-After). Venues run in parallel, the markets of one venue one after the other.
 */
import type pg from 'pg';
import type { HistoryGap, HistoryKind } from '../../schema/history.js';
import type { Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { getProgress, insertCandles, insertGaps, insertHistoryTrades, insertPricePoints, lastSeriesTs, listGaps, saveProgress } from '../store/repos/history.js';
import type { CandlePeriod, KalshiHistory } from '../venues/kalshi/history.js';
import type { PolymarketHistory } from '../venues/polymarket/history.js';

/** What the venues do not publish (ORDERS.md §3), printed with every summary. */
export const NOT_PUBLISHED: readonly string[] = [
  'polymarket: no order-book history (the undocumented /orderbook-history stopped producing data around 2026-02-20); record the market WebSocket',
  'polymarket: prices-history is one price per bucket: no volume, no bid/ask; data-API trades carry no trade id (keyed by a digest)',
  'kalshi: no order-book history: candles give the top of book (YES bid/ask OHLC) only; record orderbook_delta for L2',
  'kalshi: live endpoints hold about 3 months; older data is under /historical/* (not fetched by this backfill)',
];

export type BackfillMarket =
  | { readonly venue: 'polymarket'; readonly conditionId: string; readonly yesTokenId: string; readonly noTokenId: string }
  | { readonly venue: 'kalshi'; readonly ticker: string; readonly seriesTicker: string };

export interface BackfillOptions {
  readonly pool: pg.Pool;
  /** window [fromMs, toMs), unix ms; `toMs` is cut at `now()` */
  readonly fromMs: number;
  readonly toMs: number;
  readonly markets: readonly BackfillMarket[];
  readonly polymarket?: PolymarketHistory;
  readonly kalshi?: KalshiHistory;
  /** Polymarket prices-history bucket, minutes; default 1 */
  readonly fidelityMin?: number;
  /** Kalshi candle period, minutes; default 1 */
  readonly candlePeriod?: CandlePeriod;
  /** trades per page (Kalshi ≤ 1000, Polymarket data API ≤ 10,000); default 500 */
  readonly pageSize?: number;
  /** slice of the window per request/cursor run; defaults: prices and candles 1 day (1-minute buckets), trades 6 h */
  readonly sliceMs?: Partial<Record<HistoryKind, number>>;
  /** a hole of at least this many buckets is a gap; default 2 */
  readonly minGapSteps?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (e: BackfillProgressEvent) => void;
  readonly now?: () => number;
}

export type BackfillProgressEvent =
  | { readonly type: 'plan'; readonly tasks: number; readonly totalMs: number }
  | { readonly type: 'page'; readonly venue: Venue; readonly market: string; readonly kind: HistoryKind; readonly doneTs: number; readonly toTs: number; readonly advancedMs: number; readonly inserted: number }
  | { readonly type: 'task'; readonly venue: Venue; readonly market: string; readonly kind: HistoryKind; readonly status: TaskResult['status']; readonly inserted: number };

export interface TaskResult {
  readonly venue: Venue;
  /** progress key: token or ticker, with the bucket for series (`<id>@<n>m`) */
  readonly market: string;
  readonly kind: HistoryKind;
  readonly status: 'done' | 'already-done' | 'aborted' | 'failed';
  readonly inserted: number;
  readonly doneTs: number;
  readonly error?: string;
}

export interface BackfillSummary {
  readonly fromMs: number;
  readonly toMs: number;
  readonly inserted: { prices: number; candles: number; trades: number };
  readonly tasks: readonly TaskResult[];
  /** every gap stored for these markets inside the window (found by this run or an earlier one) */
  readonly gaps: readonly HistoryGap[];
  readonly aborted: boolean;
  readonly failed: number;
  readonly warnings: readonly string[];
  readonly notPublished: readonly string[];
}

interface Page {
  /** inserts the page's rows; returns how many were new */
  readonly insert: (db: pg.Pool) => Promise<number>;
  /** point times (series only), ascending */
  readonly ts: readonly number[];
  /** the venue's cursor for the next page of this slice, null when the slice is done */
  readonly next: string | null;
}

interface Task {
  readonly venue: Venue;
  readonly market: string;
  /** market id for gaps */
  readonly marketId: string;
  readonly kind: HistoryKind;
  readonly sliceMs: number;
  /** series: bucket (ms) and whether a point's time is the start (prices) or the end (candles) of its bucket */
  readonly series?: { readonly stepMs: number; readonly stamp: 'start' | 'end'; readonly key: string };
  fetch(fromMs: number, toMs: number, cursor: string | null, signal?: AbortSignal): Promise<Page>;
}

const DAY = 86_400_000;
const alignUp = (t: number, step: number): number => Math.ceil(t / step) * step;
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function buildTasks(o: BackfillOptions, warnings: string[]): Task[] {
  const fidelity = o.fidelityMin ?? 1;
  const period = o.candlePeriod ?? 1;
  const pageSize = o.pageSize ?? 500;
  const tasks: Task[] = [];
  for (const m of o.markets) {
    if (m.venue === 'polymarket') {
      const ph = o.polymarket;
      if (!ph) continue;
      const stepMs = fidelity * 60_000;
      for (const [outcome, tokenId] of [['yes', m.yesTokenId], ['no', m.noTokenId]] as const) {
        tasks.push({
          venue: 'polymarket', market: `${tokenId}@${fidelity}m`, marketId: m.conditionId, kind: 'prices',
          sliceMs: o.sliceMs?.prices ?? Math.max(stepMs, Math.min(DAY, stepMs * 5000)),
          series: { stepMs, stamp: 'start', key: tokenId },
          async fetch(from, to, _c, signal) {
            const rows = await ph.pricesHistory({ conditionId: m.conditionId, tokenId, outcome, startS: from / 1000, endS: to / 1000 - 1, fidelityMin: fidelity }, signal);
            const inWindow = rows.filter((r) => r.ts >= from && r.ts < to).sort((a, b) => a.ts - b.ts);
            return { insert: (db) => insertPricePoints(db, inWindow), ts: inWindow.map((r) => r.ts), next: null };
          },
        });
      }
      tasks.push({
        venue: 'polymarket', market: m.conditionId, marketId: m.conditionId, kind: 'trades', sliceMs: o.sliceMs?.trades ?? 6 * 3_600_000,
        async fetch(from, to, cursor, signal) {
          const offset = cursor ? Number(cursor) : 0;
          const page = await ph.tradesPage({ conditionId: m.conditionId, startS: from / 1000, endS: to / 1000 - 1, limit: pageSize, offset }, signal);
          let next: string | null = page.size >= pageSize ? String(offset + pageSize) : null;
          if (next !== null && offset + pageSize > 10_000) {
            const w = `polymarket trades ${m.conditionId} [${new Date(from).toISOString()}, ${new Date(to).toISOString()}): more than 10,000 trades, the data API's offset limit; use a smaller trades slice`;
            warnings.push(w);
            log.warn({ venue: 'polymarket', market: m.conditionId, from, to }, w);
            next = null;
          }
          // keep to the slice even if the venue widened the window (the data API documents start/end, the v2 feed ignores them for markets)
          const rows = page.rows.filter((r) => r.ts >= from && r.ts < to);
          return { insert: (db) => insertHistoryTrades(db, rows), ts: [], next };
        },
      });
    } else {
      const kh = o.kalshi;
      if (!kh) continue;
      const stepMs = period * 60_000;
      tasks.push({
        venue: 'kalshi', market: `${m.ticker}@${period}m`, marketId: m.ticker, kind: 'candles',
        sliceMs: o.sliceMs?.candles ?? Math.max(stepMs, Math.min(DAY * 30, stepMs * 1000)),
        series: { stepMs, stamp: 'end', key: m.ticker },
        async fetch(from, to) {
          // candles ending in (from, to] cover exactly [from, to)
          const rows = (await kh.candles(m.seriesTicker, m.ticker, from / 1000 + 1, to / 1000, period)).filter((r) => r.ts > from && r.ts <= to).sort((a, b) => a.ts - b.ts);
          return { insert: (db) => insertCandles(db, rows), ts: rows.map((r) => r.ts), next: null };
        },
      });
      tasks.push({
        venue: 'kalshi', market: m.ticker, marketId: m.ticker, kind: 'trades', sliceMs: o.sliceMs?.trades ?? 6 * 3_600_000,
        async fetch(from, to, cursor) {
          const page = await kh.tradesPage({ ticker: m.ticker, minS: from / 1000, maxS: to / 1000 - 1, limit: pageSize, ...(cursor ? { cursor } : {}) });
          if (page.rejected.length) {
            const w = `kalshi trades ${m.ticker}: ${page.rejected.length} trade(s) without price, count or time skipped (${page.rejected.slice(0, 3).join(', ')})`;
            warnings.push(w);
            log.warn({ venue: 'kalshi', market: m.ticker, tradeIds: page.rejected.slice(0, 20) }, 'trades without price, count or time skipped');
          }
          return { insert: (db) => insertHistoryTrades(db, page.rows), ts: [], next: page.cursor || null };
        },
      });
    }
  }
  return tasks;
}

/** The slice a stored cursor belongs to is part of it (`<sliceEnd>|<cursor>`): a cursor is only reused for the same slice. */
const packCursor = (sliceTo: number, c: string): string => `${sliceTo}|${c}`;
function unpackCursor(stored: string | null, sliceTo: number): string | null {
  if (!stored) return null;
  const i = stored.indexOf('|');
  return i > 0 && Number(stored.slice(0, i)) === sliceTo ? stored.slice(i + 1) : null;
}

interface Start {
  readonly coveredFrom: number;
  readonly start: number;
  readonly cursor: string | null;
  readonly rows: number;
}

function startOf(p: Awaited<ReturnType<typeof getProgress>>, from: number): Start {
  if (p && p.fromTs <= from && p.doneTs >= from) return { coveredFrom: p.fromTs, start: p.doneTs, cursor: p.cursor, rows: p.rows };
  return { coveredFrom: from, start: from, cursor: null, rows: 0 };
}

/** Runs the backfill; resolves with the summary (a failed market is reported there, the others go on). */
export async function runBackfill(o: BackfillOptions): Promise<BackfillSummary> {
  const now = o.now ?? Date.now;
  const toMs = Math.floor(Math.min(o.toMs, now()) / 1000) * 1000;
  const warnings: string[] = [];
  const tasks = buildTasks(o, warnings);
  const minGapSteps = o.minGapSteps ?? 2;
  const inserted = { prices: 0, candles: 0, trades: 0 };
  const results: TaskResult[] = [];
  let aborted = false;

  // plan: where each task starts (for the progress total)
  const starts = new Map<Task, Start & { from: number }>();
  let totalMs = 0;
  for (const t of tasks) {
    const from = alignUp(o.fromMs, t.series ? t.series.stepMs : 1000);
    const s = startOf(await getProgress(o.pool, t.venue, t.market, t.kind), from);
    starts.set(t, { ...s, from });
    totalMs += Math.max(0, toMs - s.start);
  }
  o.onProgress?.({ type: 'plan', tasks: tasks.length, totalMs });

  const gapFound = async (g: HistoryGap): Promise<void> => {
    // logged once: the YES and NO series of a Polymarket market find the same gap
    if ((await insertGaps(o.pool, [g])) === 0) return;
    log.warn({ venue: g.venue, market: g.marketId, kind: g.kind, from: new Date(g.fromTs).toISOString(), to: new Date(g.toTs).toISOString() }, 'gap in venue history');
  };

  const runTask = async (t: Task): Promise<TaskResult> => {
    const s = starts.get(t)!;
    const to = toMs;
    let taskInserted = 0;
    let rows = s.rows;
    let doneTs = s.start;
    if (s.start >= to) return { venue: t.venue, market: t.market, kind: t.kind, status: 'already-done', inserted: 0, doneTs };
    // gap detection state: where the covered series ends so far
    let coverEnd: number | undefined;
    if (t.series) {
      const { stepMs, stamp, key } = t.series;
      const last = stamp === 'start'
        ? await lastSeriesTs(o.pool, { kind: 'prices', venue: t.venue, key, stepS: stepMs / 1000, fromTs: s.coveredFrom, beforeTs: s.start })
        : await lastSeriesTs(o.pool, { kind: 'candles', venue: t.venue, key, stepS: stepMs / 1000, fromTs: s.coveredFrom + 1, beforeTs: s.start + 1 });
      coverEnd = last === undefined ? s.coveredFrom : stamp === 'start' ? last + stepMs : last;
    }
    const checkGap = async (nextCoverStart: number): Promise<void> => {
      if (!t.series || coverEnd === undefined) return;
      if (nextCoverStart - coverEnd >= minGapSteps * t.series.stepMs) {
        await gapFound({ venue: t.venue, marketId: t.marketId, kind: t.kind, fromTs: coverEnd, toTs: nextCoverStart });
      }
    };
    let cursor = s.cursor;
    try {
      for (let sliceFrom = s.start; sliceFrom < to; ) {
        const sliceTo = Math.min(to, Math.floor(sliceFrom / t.sliceMs) * t.sliceMs + t.sliceMs);
        let c = unpackCursor(cursor, sliceTo);
        for (;;) {
          if (o.signal?.aborted) {
            aborted = true;
            return { venue: t.venue, market: t.market, kind: t.kind, status: 'aborted', inserted: taskInserted, doneTs };
          }
          const page = await t.fetch(sliceFrom, sliceTo, c, o.signal);
          const n = await page.insert(o.pool);
          taskInserted += n;
          rows += n;
          inserted[t.kind] += n;
          if (t.series) {
            for (const ts of page.ts) {
              const startOfPoint = t.series.stamp === 'start' ? ts : ts - t.series.stepMs;
              await checkGap(startOfPoint);
              coverEnd = Math.max(coverEnd!, startOfPoint + t.series.stepMs);
            }
          }
          c = page.next;
          const before = doneTs;
          doneTs = c ? sliceFrom : sliceTo;
          cursor = c ? packCursor(sliceTo, c) : null;
          await saveProgress(o.pool, { venue: t.venue, market: t.market, kind: t.kind, fromTs: s.coveredFrom, doneTs, cursor, rows });
          o.onProgress?.({ type: 'page', venue: t.venue, market: t.market, kind: t.kind, doneTs, toTs: to, advancedMs: doneTs - before, inserted: n });
          if (!c) break;
        }
        sliceFrom = sliceTo;
      }
      await checkGap(to);
      return { venue: t.venue, market: t.market, kind: t.kind, status: 'done', inserted: taskInserted, doneTs };
    } catch (err) {
      if (o.signal?.aborted) {
        aborted = true;
        return { venue: t.venue, market: t.market, kind: t.kind, status: 'aborted', inserted: taskInserted, doneTs };
      }
      log.error({ err, venue: t.venue, market: t.market, kind: t.kind, doneTs: new Date(doneTs).toISOString() }, 'backfill of a market failed; its progress is kept');
      return { venue: t.venue, market: t.market, kind: t.kind, status: 'failed', inserted: taskInserted, doneTs, error: errText(err) };
    }
  };

  const byVenue = new Map<Venue, Task[]>();
  for (const t of tasks) byVenue.set(t.venue, [...(byVenue.get(t.venue) ?? []), t]);
  await Promise.all(
    [...byVenue.values()].map(async (list) => {
      for (const t of list) {
        const r = await runTask(t);
        results.push(r);
        o.onProgress?.({ type: 'task', venue: r.venue, market: r.market, kind: r.kind, status: r.status, inserted: r.inserted });
        if (r.status === 'aborted') return;
      }
    }),
  );

  const gaps: HistoryGap[] = [];
  const seen = new Set<string>();
  for (const m of o.markets) {
    const venue = m.venue;
    const id = m.venue === 'polymarket' ? m.conditionId : m.ticker;
    if (seen.has(`${venue}:${id}`)) continue;
    seen.add(`${venue}:${id}`);
    for (const g of await listGaps(o.pool, venue, id)) if (g.toTs > o.fromMs && g.fromTs < toMs) gaps.push(g);
  }
  const order = new Map(tasks.map((t, i) => [`${t.venue}:${t.market}:${t.kind}`, i]));
  results.sort((a, b) => order.get(`${a.venue}:${a.market}:${a.kind}`)! - order.get(`${b.venue}:${b.market}:${b.kind}`)!);
  return {
    fromMs: o.fromMs, toMs, inserted, tasks: results, gaps, aborted, failed: results.filter((r) => r.status === 'failed').length, warnings, notPublished: NOT_PUBLISHED,
  };
}
