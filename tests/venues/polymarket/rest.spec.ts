import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeError, NonRetryableError } from '../../../src/errors.js';
import { buildContext } from '../../../src/venues/polymarket/normalize.js';
import { PolymarketRest, TokenBucket, toMarketInfo } from '../../../src/venues/polymarket/rest.js';
import { startPolymarketSimulator, type PolySim } from '../../../src/venues/polymarket/simulator.js';
import { readFixture } from './fixtures.js';

const fixture = (f: string): unknown => JSON.parse(readFixture(f));

describe('Gamma market → PolyMarketInfo', () => {
  it('crypto fee market: feesEnabled, no feeSchedule, JSON-encoded arrays decoded', () => {
    const m = toMarketInfo(fixture('rest_gamma_market_crypto_fees.json'));
    expect(m.outcomes).toEqual(['Up', 'Down']);
    expect(m.yesTokenId).toBe('104239898038807136052399800151408521467737075933964991162589336683346093173875');
    expect(m.noTokenId).toBe('71183960810705820955071415844881728181970340514894896943812046065452395013351');
    expect(m.feesEnabled).toBe(true);
    expect(m.feeType).toBe('crypto_fees');
    expect(m.feeSchedule).toBeUndefined();
    expect(m.tickSizeMicros).toBe(10_000);
    expect(m.orderMinSize).toBe(5_000_000);
    expect(m.eventTitle).toBe('Bitcoin Up or Down - March 12, 5:20AM-5:25AM ET');
    expect(m.endTs).toBe(Date.parse('2026-03-12T09:25:00Z'));
    expect(m.description.length).toBeGreaterThan(50);
  });

  it('sports market with a fee schedule', () => {
    const m = toMarketInfo(fixture('rest_gamma_market_sports_fee_schedule.json'));
    expect(m.feeSchedule).toEqual({ rate: 0.03, ratePpm: 30_000, exponent: 1, takerOnly: true, rebateRate: 0.25 });
    expect(m.closed).toBe(true);
    expect(m.tickSizeMicros).toBe(1_000);
  });

  it('closed resolved market, null fee fields tolerated', () => {
    const m = toMarketInfo(fixture('rest_gamma_market_closed_resolved.json'));
    expect(m.feesEnabled).toBe(false);
    expect(m.feeType).toBeUndefined();
    expect(m.conditionId).toBe('0xd57eed0d44f5b8ca54925d8d6ff440b146b3e6e071da18136ee3ee572d34479e');
  });

  it('neg-risk event fixture: its markets parse', () => {
    const [ev] = fixture('rest_gamma_events_negrisk.json') as { markets: unknown[]; title: string }[];
    const ms = ev!.markets.map((m) => toMarketInfo(m, { title: ev!.title }));
    expect(ms).toHaveLength(2);
    expect(ms.every((m) => m.eventTitle === 'Democratic Presidential Nominee 2028')).toBe(true);
  });

  it('tolerates mixed types (real arrays, numeric strings) and rejects non-binary markets', () => {
    const base = fixture('rest_gamma_market_crypto_fees.json') as Record<string, unknown>;
    const m = toMarketInfo({ ...base, outcomes: ['Yes', 'No'], clobTokenIds: ['1', '2'], orderMinSize: '15', id: 77 });
    expect([m.yesTokenId, m.noTokenId, m.orderMinSize, m.gammaId]).toEqual(['1', '2', 15_000_000, '77']);
    expect(() => toMarketInfo({ ...base, clobTokenIds: '["1","2","3"]', outcomes: '["a","b","c"]' })).toThrow(DecodeError);
    expect(() => toMarketInfo({ ...base, clobTokenIds: '[not json' })).toThrow(DecodeError);
    expect(() => toMarketInfo({ ...base, conditionId: 42 })).toThrow(DecodeError);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then spaces tokens at the rate', () => {
    let t = 0;
    const b = new TokenBucket(10, 2, () => t);
    expect([b.reserve(), b.reserve()]).toEqual([0, 0]);
    expect(b.reserve()).toBe(100);
    t = 1000;
    expect(b.reserve()).toBe(0);
  });
});

describe('PolymarketRest against the simulator', () => {
  let sim: PolySim;
  let rest: PolymarketRest;
  beforeAll(async () => {
    sim = await startPolymarketSimulator({ seed: 11, marketCount: 250 });
    rest = new PolymarketRest({ gammaUrl: sim.restUrl, clobUrl: sim.restUrl, rateLimit: { ratePerSec: 1000, burst: 1000 } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('paginates Gamma /markets: 250 markets in pages of 100', async () => {
    const ms = await rest.listMarkets({ pageSize: 100 });
    expect(ms).toHaveLength(250);
    expect(new Set(ms.map((m) => m.conditionId)).size).toBe(250);
    expect(rest.stats.pages).toBe(3);
    expect(rest.stats.rejected).toBe(0);
    expect(ms.map((m) => m.conditionId)).toEqual(sim.markets.map((m) => m.conditionId));
    const withSchedule = ms.filter((m) => m.feeSchedule);
    expect(withSchedule.length).toBeGreaterThan(0);
    expect(withSchedule[0]!.feeSchedule).toEqual({ rate: 0.04, ratePpm: 40_000, exponent: 1, takerOnly: true, rebateRate: 0.25 });
    expect(ms.some((m) => m.feesEnabled && !m.feeSchedule)).toBe(true);
    expect(ms.some((m) => !m.feesEnabled)).toBe(true);
  });

  it('honours max and query filters', async () => {
    expect(await rest.listMarkets({ pageSize: 40, max: 90 })).toHaveLength(90);
    const one = sim.markets[5]!;
    const ms = await rest.listMarkets({ query: { condition_ids: [one.conditionId] } });
    expect(ms.map((m) => m.question)).toEqual([one.question]);
  });

  it('Gamma /events flattened to markets with event title and tags', async () => {
    const ms = await rest.listEventMarkets({ pageSize: 100, max: 10 });
    expect(ms).toHaveLength(10);
    expect(ms[0]!.eventTitle).toBe(sim.markets[0]!.eventTitle);
    expect(ms[0]!.tags).toEqual(sim.markets[0]!.tags);
  });

  it('CLOB /book (clob-client) → snapshot equal to the simulator book, YES and NO', async () => {
    const m = sim.markets[0]!;
    const ctx = buildContext([m], null);
    const yes = await rest.getBook(m.yesTokenId, ctx);
    const no = await rest.getBook(m.noTokenId, ctx);
    const b = sim.book(m.conditionId);
    expect(yes?.ladders).toEqual({ yesBid: b.yesBid, yesAsk: b.yesAsk });
    expect(no?.ladders).toEqual({ noBid: b.noBid, noAsk: b.noAsk });
    const both = await rest.getBooks([m.yesTokenId, m.noTokenId], ctx);
    expect(both.map((e) => Object.keys(e.ladders).sort())).toEqual([['yesAsk', 'yesBid'], ['noAsk', 'noBid']]);
  });

  it('unknown token → NonRetryableError (HTTP 404)', async () => {
    await expect(rest.getBook('123', buildContext([], null))).rejects.toBeInstanceOf(NonRetryableError);
  });

  it('prices-history and clob-markets fee parameters', async () => {
    const m = sim.markets.find((x) => x.feeSchedule)!;
    const h = await rest.getPricesHistory({ tokenId: m.yesTokenId, startTs: 1_700_000_000, endTs: 1_700_003_600, fidelity: 10 });
    expect(h.length).toBe(7);
    expect(h[0]!.ts).toBe(1_700_000_000_000);
    for (const p of h) expect(Number.isInteger(p.price) && p.price > 0 && p.price < 1_000_000).toBe(true);
    const f = await rest.getClobMarketFees(m.conditionId);
    expect(f.fee).toEqual({ rate: 0.04, ratePpm: 40_000, exponent: 1, takerOnly: true });
    expect(f.tokens.map((t) => t.tokenId)).toEqual([m.yesTokenId, m.noTokenId]);
    const free = sim.markets.find((x) => !x.feesEnabled)!;
    expect((await rest.getClobMarketFees(free.conditionId)).fee).toBeUndefined();
  });
});

describe('PolymarketRest with a misbehaving server', () => {
  let server: Server;
  let url: string;
  let calls = 0;
  beforeAll(async () => {
    const good = fixture('rest_gamma_market_crypto_fees.json') as Record<string, unknown>;
    server = createServer((req, res) => {
      calls++;
      if (req.url?.startsWith('/flaky') && calls % 2 === 1) {
        res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      // one good market, one hostile one: the bad one is counted and skipped
      res.end(JSON.stringify([good, { ...good, conditionId: '<script>', outcomes: 5 }]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('rejects a bad market without failing the page', async () => {
    const rest = new PolymarketRest({ gammaUrl: url, clobUrl: url });
    const ms = await rest.listMarkets({ pageSize: 100 });
    expect(ms).toHaveLength(1);
    expect(rest.stats.rejected).toBe(1);
  });

  it('retries HTTP 503', async () => {
    calls = 0;
    const rest = new PolymarketRest({ gammaUrl: `${url}/flaky`, clobUrl: url });
    const ms = await rest.listMarkets({ pageSize: 100 });
    expect(ms).toHaveLength(1);
    expect(rest.stats.retries).toBe(1);
  });
});
