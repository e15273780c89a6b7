/**
 * History endpoints of the Polymarket simulator: CLOB `GET /prices-history` and the data API's
 * `GET /trades` (served on the simulator's one base URL), in the venue's wire shapes
 * (ORDERS.md §3, PROTOCOLS.md 2.2).
 *
 * Deterministic from the market alone: the YES price at a minute is value noise (hourly knots
 * drawn from a hash of the condition id and the hour, linearly joined, plus a per-minute jitter),
 * so any window asked for, in any slicing, gives the same points. Trades: 0–2 per minute, drawn
 * from the same hash. The venue is "down" {@link HISTORY_OUTAGE} every UTC day: no price points and
 * no trades in that window (the gap a backfill must report). Data API paging is by offset, newest
 * first, `limit` and `offset` ≤ 10,000 like the venue.
 */
import { createHash } from 'node:crypto';
import { fnv, HISTORY_OUTAGE, inOutage, noiseYes, uniformAt as u } from '../../common/simHistory.js';
import type { PolyMarketSpec } from './markets.js';

export { HISTORY_OUTAGE, inOutage };


/** YES price of a market at unix second `s`, micro-dollars on a 0.001 grid. */
export function polyYesMicros(conditionId: string, s: number): number {
  return Math.round(noiseYes(fnv(conditionId), Math.floor(s / 60)) * 1000) * 1000;
}

export interface PolySimTrade {
  readonly proxyWallet: string;
  readonly side: 'BUY' | 'SELL';
  readonly asset: string;
  readonly conditionId: string;
  readonly size: number;
  readonly price: number;
  readonly timestamp: number;
  readonly title: string;
  readonly slug: string;
  readonly outcome: string;
  readonly outcomeIndex: number;
  readonly transactionHash: string;
}

const hex = (parts: readonly (string | number)[], n: number): string => createHash('sha256').update(parts.join(':')).digest('hex').slice(0, n);

/** The market's trades with timestamp in [startS, endS], newest first. */
export function polyTrades(m: PolyMarketSpec, startS: number, endS: number): PolySimTrade[] {
  const key = fnv(m.conditionId);
  const out: PolySimTrade[] = [];
  for (let minute = Math.floor(startS / 60); minute * 60 <= endS; minute++) {
    if (inOutage(minute * 60)) continue;
    const n = Math.floor(u(key, minute, 3) * 3);
    for (let i = 0; i < n; i++) {
      const ts = minute * 60 + Math.floor(u(key, minute, 10 + i) * 60);
      if (ts < startS || ts > endS) continue;
      const yes = u(key, minute, 20 + i) < 0.5;
      const yesPx = polyYesMicros(m.conditionId, ts);
      out.push({
        proxyWallet: `0x${hex([m.conditionId, minute, i, 'w'], 40)}`,
        side: u(key, minute, 30 + i) < 0.5 ? 'BUY' : 'SELL',
        asset: yes ? m.yesTokenId : m.noTokenId,
        conditionId: m.conditionId,
        size: (1 + Math.floor(u(key, minute, 40 + i) * 5000)) / 100,
        price: (yes ? yesPx : 1_000_000 - yesPx) / 1_000_000,
        timestamp: ts,
        title: m.question,
        slug: m.slug,
        outcome: yes ? m.outcomes[0] : m.outcomes[1],
        outcomeIndex: yes ? 0 : 1,
        transactionHash: `0x${hex([m.conditionId, minute, i, 'tx'], 64)}`,
      });
    }
  }
  return out.sort((a, b) => b.timestamp - a.timestamp || a.transactionHash.localeCompare(b.transactionHash));
}

/** What the history routes read of the simulator. */
export interface PolyHistoryContext {
  readonly byCondition: ReadonlyMap<string, PolyMarketSpec>;
  readonly byToken: ReadonlyMap<string, { m: PolyMarketSpec; token: 'yes' | 'no' }>;
  readonly now: () => number;
}

const MAX_WINDOW_S = 31 * 86_400;

/** Answers `GET /prices-history` and `GET /trades`; false for any other path. */
export function polyHistoryRoute(ctx: PolyHistoryContext, path: string, q: URLSearchParams, send: (status: number, body: unknown) => void): boolean {
  if (path === '/prices-history') {
    const t = ctx.byToken.get(q.get('market') ?? '');
    if (!t) return send(400, { error: 'invalid market' }), true;
    const end = Number(q.get('endTs') ?? Math.floor(ctx.now() / 1000));
    const fidelity = Number(q.get('fidelity') ?? 1);
    const start = Number(q.get('startTs') ?? end - 86_400);
    if (!Number.isInteger(start) || !Number.isInteger(end) || end < start || !Number.isInteger(fidelity) || fidelity < 1) return send(400, { error: 'invalid time range or fidelity' }), true;
    // like the venue, a too-long range at a fine fidelity is refused
    if ((end - start) / (fidelity * 60) > 10_000) return send(400, { error: "'startTs' and 'endTs' interval is too long for this 'fidelity'" }), true;
    const history: { t: number; p: number }[] = [];
    for (let s = start; s <= end; s += fidelity * 60) {
      if (inOutage(s)) continue;
      const yes = polyYesMicros(t.m.conditionId, s);
      history.push({ t: s, p: (t.token === 'yes' ? yes : 1_000_000 - yes) / 1_000_000 });
    }
    return send(200, { history }), true;
  }
  if (path === '/trades') {
    const limit = Number(q.get('limit') ?? 100);
    const offset = Number(q.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 0 || limit > 10_000 || !Number.isInteger(offset) || offset < 0 || offset > 10_000) {
      return send(400, { error: 'limit and offset must be integers between 0 and 10000' }), true;
    }
    const end = Number(q.get('end') ?? Math.floor(ctx.now() / 1000));
    const start = Number(q.get('start') ?? end - 86_400);
    if (!Number.isInteger(start) || !Number.isInteger(end) || end < start || end - start > MAX_WINDOW_S) return send(400, { error: 'invalid start/end' }), true;
    const ids = (q.get('market') ?? '').split(',').filter(Boolean);
    const ms = ids.map((id) => ctx.byCondition.get(id)).filter((m): m is PolyMarketSpec => m !== undefined);
    if (ids.length === 0) return send(400, { error: 'market is required by this simulator' }), true;
    const all = ms.flatMap((m) => polyTrades(m, start, end)).sort((a, b) => b.timestamp - a.timestamp || a.transactionHash.localeCompare(b.transactionHash));
    return send(200, all.slice(offset, offset + limit)), true;
  }
  return false;
}
