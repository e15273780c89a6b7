/**
 * REST of the Polymarket simulator (one base URL for Gamma and CLOB): `GET /markets`,
 * `GET /markets/:id`, `GET /events`, `GET /clob-markets/:condition_id`, `GET /book`,
 * `POST /books`, `GET /prices-history`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatScaled } from '../../../../schema/money.js';
import { mulberry32 } from '../../common/prng.js';
import type { MarketBook } from './book.js';
import { polyHistoryRoute } from './history.js';
import { clobMarketParams, gammaEvent, gammaMarket, type PolyMarketSpec } from './markets.js';

/** What the REST routes read of the simulator. */
export interface PolyRestContext {
  readonly markets: readonly PolyMarketSpec[];
  readonly byCondition: ReadonlyMap<string, PolyMarketSpec>;
  readonly byToken: ReadonlyMap<string, { m: PolyMarketSpec; token: 'yes' | 'no' }>;
  bookOf(conditionId: string): MarketBook;
  /** The WS `book` message of one token. */
  bookMsg(assetId: string): Record<string, unknown>;
  readonly now: () => number;
  readonly stats: { restRequests: number };
}

const px = (v: number): string => formatScaled(v, 0);

export const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      s += d;
      if (s.length > 1_000_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
const intParam = (v: string | null, dflt: number, max: number): number => {
  const n = v === null ? dflt : Number(v);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : dflt;
};

/** The request handler of the REST routes. */
export function polyRest(ctx: PolyRestContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { markets, byCondition, byToken, bookOf, bookMsg, now, stats } = ctx;
  const filterMarkets = (q: URLSearchParams): readonly PolyMarketSpec[] => {
    let ms = markets;
    const closed = q.get('closed');
    // like Gamma: closed=false unless asked
    ms = ms.filter((m) => String(m.closed) === (closed ?? 'false'));
    const active = q.get('active');
    if (active !== null) ms = ms.filter((m) => String(m.active) === active);
    const ids = q.getAll('id');
    if (ids.length) ms = ms.filter((m) => ids.includes(m.gammaId));
    const cids = q.getAll('condition_ids');
    if (cids.length) ms = ms.filter((m) => cids.includes(m.conditionId));
    const tids = q.getAll('clob_token_ids');
    if (tids.length) ms = ms.filter((m) => tids.includes(m.yesTokenId) || tids.includes(m.noTokenId));
    return ms;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.restRequests++;
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = u.searchParams;
    const path = u.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET' && polyHistoryRoute(ctx, path, q, (status, body) => json(res, status, body))) return; // prices-history, data-API trades: ./history.ts
    if (req.method === 'GET' && (path === '/markets' || path === '/events')) {
      const limit = intParam(q.get('limit'), 100, 500);
      const offset = intParam(q.get('offset'), 0, 1_000_000);
      const page = filterMarkets(q).slice(offset, offset + limit);
      return json(res, 200, page.map((m) => (path === '/markets' ? gammaMarket(m, bookOf(m.conditionId).ladders()) : gammaEvent(m, bookOf(m.conditionId).ladders()))));
    }
    let mm = /^\/markets\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && mm) {
      const m = markets.find((x) => x.gammaId === mm![1]);
      return m ? json(res, 200, gammaMarket(m, bookOf(m.conditionId).ladders())) : json(res, 404, { type: 'not found error', error: 'id not found' });
    }
    mm = /^\/clob-markets\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && mm) {
      const m = byCondition.get(decodeURIComponent(mm[1]!));
      return m ? json(res, 200, clobMarketParams(m)) : json(res, 404, { error: 'market not found' });
    }
    const fullBook = (assetId: string): Record<string, unknown> => {
      const t = byToken.get(assetId)!;
      const b = bookOf(t.m.conditionId).best(t.token);
      const { event_type: _e, ...rest } = bookMsg(assetId);
      const mid = b.bid !== undefined && b.ask !== undefined ? Math.round((b.bid + b.ask) / 2) : 500_000;
      return { ...rest, min_order_size: String(t.m.orderMinSize), tick_size: t.m.tickSize, neg_risk: t.m.negRisk, last_trade_price: px(mid) };
    };
    if (req.method === 'GET' && path === '/book') {
      const id = q.get('token_id') ?? '';
      return byToken.has(id) ? json(res, 200, fullBook(id)) : json(res, 404, { error: 'No orderbook exists for the requested token id' });
    }
    if (req.method === 'POST' && path === '/books') {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return json(res, 400, { error: 'Invalid payload' });
      }
      if (!Array.isArray(body)) return json(res, 400, { error: 'Invalid payload' });
      const ids = body.map((b: unknown) => (typeof b === 'object' && b !== null && 'token_id' in b ? String((b as { token_id: unknown }).token_id) : '')).filter((id) => byToken.has(id));
      return json(res, 200, ids.map(fullBook));
    }
    if (req.method === 'GET' && path === '/prices-history') {
      const t = byToken.get(q.get('market') ?? '');
      if (!t) return json(res, 400, { error: 'invalid market' });
      const end = Number(q.get('endTs') ?? Math.floor(now() / 1000));
      const fidelityS = intParam(q.get('fidelity'), 1, 10_080) * 60 || 60;
      const start = Number(q.get('startTs') ?? end - 24 * 3600);
      if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return json(res, 400, { error: 'invalid time range' });
      const b = bookOf(t.m.conditionId).best(t.token);
      const mid = b.bid !== undefined && b.ask !== undefined ? (b.bid + b.ask) / 2 / 1e6 : 0.5;
      const h = mulberry32(Number(BigInt(t.m.yesTokenId.slice(0, 12)) % 4_294_967_296n));
      const history: { t: number; p: number }[] = [];
      for (let ts = start, p = mid; ts <= end && history.length < 10_000; ts += fidelityS) {
        p = Math.min(0.99, Math.max(0.01, p + (h() - 0.5) * 0.01));
        history.push({ t: Math.floor(ts), p: Math.round(p * 1000) / 1000 });
      }
      return json(res, 200, { history });
    }
    return json(res, 404, { error: 'not found' });
  };
  return handle;
}
