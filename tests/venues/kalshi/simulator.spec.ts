/**
 * The Kalshi simulator speaks the venue's wire format: every frame it sends decodes with our
 * zod schemas, commands are answered like the venue does (sids, per-sid seq, error codes).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { lastValueFrom, from, toArray } from 'rxjs';
import type { BookEvent } from '../../../schema/book.js';
import type { RawFrame } from '../../../src/venues/common/types.js';
import { createKalshiSigner } from '../../../src/venues/kalshi/auth.js';
import { decodeFrame, kalshiBookEvents, type KalshiReplayCounters } from '../../../src/venues/kalshi/normalize.js';
import { KalshiFeed } from '../../../src/venues/kalshi/socket.js';
import { startKalshiSimulator, type KalshiMarketSpec, type KalshiSim } from '../../../src/venues/kalshi/simulator.js';
import type { KalshiWsFrame } from '../../../src/venues/kalshi/wire.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const wait = (fn: () => void, timeout = 8_000) => vi.waitFor(fn, { timeout, interval: 10 });

async function client(sim: KalshiSim) {
  const ws = new WebSocket(sim.wsUrl, { headers: createKalshiSigner(sim.auth!).headers('GET', '/trade-api/ws/v2') });
  cleanups.push(() => ws.terminate());
  const frames: KalshiWsFrame[] = [];
  const raw: string[] = [];
  ws.on('message', (d) => {
    raw.push(d.toString());
    const r = decodeFrame({ data: d.toString() });
    if (!r.ok) throw r.error;
    frames.push(r.frame);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames, raw, send: (o: unknown) => ws.send(JSON.stringify(o)) };
}

const planted: KalshiMarketSpec = {
  ticker: 'PLANT-26DEC31-T50', eventTicker: 'PLANT-26DEC31', seriesTicker: 'PLANT', title: 'Planted market', yesSubTitle: 'Yes', noSubTitle: 'No',
  rulesPrimary: 'Resolves Yes if the plant grows.', rulesSecondary: '', openTime: '2026-01-01T00:00:00Z', closeTime: '2026-12-31T00:00:00Z',
  expectedExpirationTime: '2026-12-31T01:00:00Z', status: 'active', priceLevelStructure: 'linear_cent', fractionalTradingEnabled: true, frozen: true,
  book: { yesBid: [{ price: 420_000, qty: 10_000_000 }], noBid: [{ price: 550_000, qty: 2_500_000 }] },
};

describe('Kalshi simulator', () => {
  it('is deterministic for a seed and generates complete market metadata', async () => {
    const a = await startKalshiSimulator({ seed: 42, marketCount: 6, baseTimeMs: Date.UTC(2026, 10, 1) });
    const b = await startKalshiSimulator({ seed: 42, marketCount: 6, baseTimeMs: Date.UTC(2026, 10, 1) });
    cleanups.push(() => a.stop(), () => b.stop());
    expect(a.markets).toEqual(b.markets);
    expect(a.markets.map((m) => a.book(m.ticker))).toEqual(b.markets.map((m) => b.book(m.ticker)));
    for (const m of a.markets) {
      expect(m.rulesPrimary).toContain(String(m.floorStrike));
      expect(Date.parse(m.closeTime)).toBeGreaterThan(Date.parse(m.openTime));
      const s = a.series.find((x) => x.ticker === m.seriesTicker)!;
      expect(['quadratic', 'quadratic_with_maker_fees', 'flat']).toContain(s.feeType);
      const book = a.book(m.ticker);
      // never crossed: best YES bid + best NO bid < $1
      expect(book.yesBid[0]!.price + book.noBid[0]!.price).toBeLessThan(1_000_000);
    }
    expect(new Set(a.markets.map((m) => m.ticker)).size).toBe(6);
  });

  it('answers commands like the venue: subscribed per channel, per-sid seq, ok, list, errors', async () => {
    const sim = await startKalshiSimulator({ seed: 1, marketCount: 2 });
    cleanups.push(() => sim.stop());
    const [t1, t2] = sim.markets.map((m) => m.ticker) as [string, string];
    const c = await client(sim);
    c.send({ id: 1, cmd: 'subscribe', params: { channels: ['orderbook_delta', 'ticker'], market_tickers: [t1], use_yes_price: false } });
    await wait(() => expect(c.frames).toHaveLength(3));
    expect(c.frames.map((f) => f.type)).toEqual(['subscribed', 'orderbook_snapshot', 'subscribed']);
    const obSid = (c.frames[0] as Extract<KalshiWsFrame, { type: 'subscribed' }>).msg.sid;
    c.send({ id: 2, cmd: 'update_subscription', params: { sid: obSid, market_tickers: [t2], action: 'add_markets' } });
    c.send({ id: 3, cmd: 'update_subscription', params: { sids: [obSid], market_tickers: [t1], action: 'get_snapshot' } });
    c.send({ id: 4, cmd: 'list_subscriptions' });
    c.send({ id: 5, cmd: 'unsubscribe', params: { sids: [999] } });
    c.send({ id: 6, cmd: 'subscribe', params: { channels: ['nope'] } });
    c.send({ id: 7, cmd: 'update_subscription', params: { sids: [1, 2], market_tickers: [t1], action: 'add_markets' } });
    c.send({ id: 8, cmd: 'frobnicate' });
    await wait(() => expect(c.frames.filter((f) => f.type === 'error')).toHaveLength(4));
    const ob = c.frames.filter((f) => 'sid' in f && f.sid === obSid && 'seq' in f && f.seq !== undefined) as { seq: number; type: string }[];
    expect(ob.map((f) => f.seq)).toEqual(ob.map((_, i) => i + 1));
    expect(ob.map((f) => f.type)).toEqual(['orderbook_snapshot', 'ok', 'orderbook_snapshot', 'ok', 'orderbook_snapshot']);
    const snapAnswer = c.frames.filter((f) => f.type === 'orderbook_snapshot').at(-1)!;
    expect(snapAnswer).toMatchObject({ id: 3, msg: { market_ticker: t1 } });
    const list = c.frames.find((f) => f.type === 'ok' && f.id === 4);
    expect(list).toMatchObject({ msg: [{ channel: 'orderbook_delta', sid: obSid }, { channel: 'ticker' }] });
    expect(c.frames.filter((f) => f.type === 'error').map((f) => f.type === 'error' && [f.id, f.msg.code])).toEqual([[5, 7], [6, 8], [7, 12], [8, 5]]);
  });

  it('use_yes_price: true quotes NO levels in YES-leg prices; a frozen market is never walked', async () => {
    const sim = await startKalshiSimulator({ seed: 1, markets: [planted], rateHz: 0 });
    cleanups.push(() => sim.stop());
    const c = await client(sim);
    c.send({ id: 1, cmd: 'subscribe', params: { channels: ['orderbook_delta'], market_ticker: planted.ticker, use_yes_price: true } });
    await wait(() => expect(c.raw).toHaveLength(2));
    expect(JSON.parse(c.raw[1]!).msg).toEqual({ market_ticker: planted.ticker, market_id: expect.any(String), yes_dollars_fp: [['0.4200', '10.00']], no_dollars_fp: [['0.4500', '2.50']] });
    sim.burst(100);
    expect(sim.book(planted.ticker)).toEqual(planted.book);
    expect(sim.stats.deltasSent).toBe(0);
  });

  it('sends WS pings with payload "heartbeat"', async () => {
    const sim = await startKalshiSimulator({ seed: 1, marketCount: 1, pingIntervalMs: 20 });
    cleanups.push(() => sim.stop());
    const c = await client(sim);
    const payloads: string[] = [];
    c.ws.on('ping', (d) => payloads.push(d.toString()));
    await wait(() => expect(payloads.length).toBeGreaterThanOrEqual(2));
    expect(new Set(payloads)).toEqual(new Set(['heartbeat']));
  });

  it('random walk at rateHz: all frames decode, seq continuous per sid, ticker and trade flow', async () => {
    const sim = await startKalshiSimulator({ seed: 9, marketCount: 3, rateHz: 500 });
    cleanups.push(() => sim.stop());
    const c = await client(sim);
    c.send({ id: 1, cmd: 'subscribe', params: { channels: ['orderbook_delta', 'ticker', 'trade'], market_tickers: sim.markets.map((m) => m.ticker) } });
    await wait(() => expect(c.frames.filter((f) => f.type === 'orderbook_delta').length).toBeGreaterThanOrEqual(100));
    const bySid = new Map<number, number[]>();
    for (const f of c.frames) if ('sid' in f && 'seq' in f && f.seq !== undefined) bySid.set(f.sid!, [...(bySid.get(f.sid!) ?? []), f.seq]);
    for (const seqs of bySid.values()) expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(c.frames.some((f) => f.type === 'ticker')).toBe(true);
    expect(c.frames.some((f) => f.type === 'trade')).toBe(true);
  });

  it('terminal error 25: the feed resubscribes and gets fresh snapshots', async () => {
    const sim = await startKalshiSimulator({ seed: 2, marketCount: 2 });
    cleanups.push(() => sim.stop());
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: sim.auth!, markets: sim.markets.map((m) => m.ticker) });
    cleanups.push(() => feed.close());
    const books: BookEvent[] = [];
    feed.books$.subscribe((e) => books.push(e));
    await wait(() => expect(books.filter((e) => e.kind === 'snapshot')).toHaveLength(2));
    sim.terminateSubscriptions(25);
    await wait(() => expect(books.filter((e) => e.kind === 'snapshot')).toHaveLength(4));
    expect(books.map((e) => e.kind)).toEqual(['snapshot', 'snapshot', 'reset', 'reset', 'snapshot', 'snapshot']);
    expect(feed.counters.serverErrors).toBe(1);
    const subs = sim.commandLog.map((t) => JSON.parse(t) as { cmd: string; params: { channels: string[]; use_yes_price?: boolean } });
    expect(subs.map((s) => s.cmd)).toEqual(['subscribe', 'subscribe']);
    expect(subs[0]!.params).toMatchObject({ channels: ['orderbook_delta', 'ticker', 'trade', 'market_lifecycle_v2'], use_yes_price: false });
    expect(subs[1]!.params).toMatchObject({ channels: ['orderbook_delta'], use_yes_price: false });
  });

  it('a recorded session replays through kalshiBookEvents to the same book events as live', async () => {
    const sim = await startKalshiSimulator({ seed: 4, marketCount: 2 });
    cleanups.push(() => sim.stop());
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: sim.auth!, markets: sim.markets.map((m) => m.ticker), backoff: { baseMs: 10, maxMs: 20, stableMs: 60_000 } });
    cleanups.push(() => feed.close());
    const recorded: RawFrame[] = [];
    const live: BookEvent[] = [];
    feed.frames$.subscribe((f) => recorded.push(f));
    feed.books$.subscribe((e) => live.push(e));
    await wait(() => expect(live.filter((e) => e.kind === 'snapshot')).toHaveLength(2));
    sim.burst(30);
    sim.sendMalformed();
    sim.dropConnections();
    await wait(() => expect(live.filter((e) => e.kind === 'snapshot')).toHaveLength(4));
    sim.burst(30);
    await wait(() => expect(live.filter((e) => e.kind === 'delta')).toHaveLength(60));
    const counters: KalshiReplayCounters = { decodeErrors: 0, unknownTypes: 0, gaps: 0, dropped: 0 };
    const replayed = await lastValueFrom(from(recorded).pipe(kalshiBookEvents(counters), toArray()));
    const strip = (es: BookEvent[]) => es.filter((e) => e.kind !== 'reset').map((e) => ({ ...e }));
    expect(strip(replayed)).toEqual(strip(live));
    expect(replayed.filter((e) => e.kind === 'reset')).toHaveLength(2);
    expect(counters).toEqual({ decodeErrors: 1, unknownTypes: 0, gaps: 0, dropped: 0 });
  });
});
