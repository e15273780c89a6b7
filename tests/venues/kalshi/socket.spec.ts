/**
 * The Kalshi live feed against the Kalshi simulator (127.0.0.1, no internet).
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { BookEvent, Level } from '../../../schema/book.js';
import type { FeedStatus } from '../../../src/venues/common/types.js';
import { createKalshiSigner } from '../../../src/venues/kalshi/auth.js';
import { KalshiFeed, type KalshiFeedOptions, type KalshiMessage } from '../../../src/venues/kalshi/socket.js';
import { startKalshiSimulator, type KalshiSimOptions } from '../../../src/venues/kalshi/simulator.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const FAST = { baseMs: 10, maxMs: 50, stableMs: 60_000 };
const wait = (fn: () => void, timeout = 8_000) => vi.waitFor(fn, { timeout, interval: 10 });

async function setup(simOpts: KalshiSimOptions = {}, feedOpts: Partial<KalshiFeedOptions> = {}) {
  const sim = await startKalshiSimulator({ seed: 7, marketCount: 3, ...simOpts });
  cleanups.push(() => sim.stop());
  const markets = feedOpts.markets ?? sim.markets.map((m) => m.ticker);
  const feed = new KalshiFeed({ url: sim.wsUrl, auth: sim.auth!, backoff: FAST, random: () => 0.5, ...feedOpts, markets });
  cleanups.push(() => feed.close());
  const books: BookEvent[] = [];
  const messages: KalshiMessage[] = [];
  const statuses: FeedStatus[] = [];
  feed.books$.subscribe((e) => books.push(e));
  feed.messages$.subscribe((m) => messages.push(m));
  feed.status$.subscribe((s) => statuses.push(s));
  return { sim, feed, books, messages, statuses, markets };
}

/** A minimal fold of Kalshi book events (bids only), to compare with the simulator's book. */
function fold(events: readonly BookEvent[], marketId: string): { yesBid: Level[]; noBid: Level[] } | undefined {
  let book: { yes: Map<number, number>; no: Map<number, number> } | undefined;
  for (const e of events) {
    if (e.marketId !== marketId) continue;
    if (e.kind === 'reset') book = undefined;
    else if (e.kind === 'snapshot') book = { yes: new Map((e.ladders.yesBid ?? []).map((l) => [l.price, l.qty])), no: new Map((e.ladders.noBid ?? []).map((l) => [l.price, l.qty])) };
    else if (book) {
      for (const c of e.changes) {
        const m = c.ladder === 'yesBid' ? book.yes : book.no;
        const q = (m.get(c.price) ?? 0) + c.qty;
        expect(q).toBeGreaterThanOrEqual(0);
        if (q === 0) m.delete(c.price);
        else m.set(c.price, q);
      }
    }
  }
  if (!book) return undefined;
  const lv = (m: Map<number, number>) => [...m].map(([price, qty]) => ({ price, qty })).sort((a, b) => b.price - a.price);
  return { yesBid: lv(book.yes), noBid: lv(book.no) };
}

const snapshotsOf = (events: readonly BookEvent[], m?: string) => events.filter((e) => e.kind === 'snapshot' && (m === undefined || e.marketId === m));

describe('KalshiFeed against the simulator', () => {
  it('signed connect, snapshot per market, then deltas with continuous seq; the folded book equals the venue book', async () => {
    const { sim, feed, books, markets } = await setup();
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    sim.burst(200);
    await wait(() => expect(books.filter((e) => e.kind === 'delta').length).toBeGreaterThanOrEqual(200));
    for (const m of markets) {
      expect(books.find((e) => e.marketId === m)?.kind).toBe('snapshot');
      expect(fold(books, m)).toEqual(sim.book(m));
    }
    // one orderbook sid for all markets: seq strictly consecutive
    const seqs = books.map((e) => e.seq!);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(feed.counters).toMatchObject({ gaps: 0, decodeErrors: 0, resyncs: 0 });
    for (const e of books) {
      expect(e.venue).toBe('kalshi');
      expect(e.tsReceived).toBeGreaterThan(0);
      expect(e.tsVenue).toBeGreaterThan(0);
    }
  });

  it('the handshake is refused with 401 for a bad signature, a missing header or a stale timestamp', async () => {
    const sim = await startKalshiSimulator({ seed: 1, marketCount: 1 });
    cleanups.push(() => sim.stop());
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(sim.wsUrl, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          resolve(101);
          ws.terminate();
        });
        ws.on('error', () => undefined);
      });
    const good = createKalshiSigner(sim.auth!);
    const bad = createKalshiSigner({ keyId: sim.auth!.keyId, privateKeyPem: wrong.privateKey });
    expect(await status(good.headers('GET', '/trade-api/ws/v2'))).toBe(101);
    expect(await status(bad.headers('GET', '/trade-api/ws/v2'))).toBe(401);
    expect(await status(good.headers('GET', '/trade-api/ws/v1'))).toBe(401);
    expect(await status(good.headers('GET', '/trade-api/ws/v2', Date.now() - 120_000))).toBe(401);
    const { 'KALSHI-ACCESS-SIGNATURE': _s, ...noSig } = good.headers('GET', '/trade-api/ws/v2');
    expect(await status(noSig)).toBe(401);
    expect(sim.stats.handshakesRejected).toBe(4);

    // the feed with a wrong key keeps retrying and never goes live
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: { keyId: sim.auth!.keyId, privateKeyPem: wrong.privateKey }, markets: [sim.markets[0]!.ticker], backoff: FAST });
    cleanups.push(() => feed.close());
    const statuses: FeedStatus[] = [];
    feed.status$.subscribe((s) => statuses.push(s));
    await wait(() => expect(statuses.filter((s) => s.state === 'reconnecting' && /401/.test(s.reason ?? '')).length).toBeGreaterThanOrEqual(2));
    expect(statuses.some((s) => s.state === 'live')).toBe(false);
  });

  it('injectSeqGap: gap counted, books reset, get_snapshot resync, fresh snapshot, book resumes', async () => {
    const { sim, feed, books, markets } = await setup();
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    sim.burst(20);
    await wait(() => expect(books.filter((e) => e.kind === 'delta').length).toBeGreaterThanOrEqual(20));
    const mark = books.length;
    sim.injectSeqGap();
    await wait(() => expect(snapshotsOf(books.slice(mark))).toHaveLength(markets.length));
    const after = books.slice(mark);
    expect(after.filter((e) => e.kind === 'reset').map((e) => e.marketId).sort()).toEqual([...markets].sort());
    expect(after.findIndex((e) => e.kind === 'reset')).toBeLessThan(after.findIndex((e) => e.kind === 'snapshot'));
    expect(feed.counters.gaps).toBe(1);
    expect(feed.counters.resyncs).toBe(1);
    sim.burst(50);
    await wait(() => expect(books.slice(mark).filter((e) => e.kind === 'delta').length).toBeGreaterThanOrEqual(50));
    for (const m of markets) expect(fold(books, m)).toEqual(sim.book(m));
    expect(feed.counters.gaps).toBe(1);
  });

  it('deltaBeforeSnapshot: the lost snapshot is detected, the market reset and re-snapshotted', async () => {
    const sim = await startKalshiSimulator({ seed: 3, marketCount: 2 });
    cleanups.push(() => sim.stop());
    const [a, b] = sim.markets.map((m) => m.ticker) as [string, string];
    sim.deltaBeforeSnapshot(b);
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: sim.auth!, markets: [a, b], backoff: FAST });
    cleanups.push(() => feed.close());
    const books: BookEvent[] = [];
    feed.books$.subscribe((e) => books.push(e));
    await wait(() => expect(snapshotsOf(books, b)).toHaveLength(1));
    expect(books.filter((e) => e.marketId === b).map((e) => e.kind)).toEqual(['reset', 'snapshot']);
    expect(books.some((e) => e.kind === 'delta' && e.marketId === b)).toBe(false);
    expect(feed.counters).toMatchObject({ gaps: 1, resyncs: 1 });
    expect(fold(books, b)).toEqual(sim.book(b));
  });

  it('dropConnections: reconnect with new sids, resubscribe, fresh snapshots', async () => {
    const { sim, feed, books, statuses, markets } = await setup();
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    sim.burst(10);
    const mark = books.length;
    sim.dropConnections();
    await wait(() => expect(snapshotsOf(books.slice(mark))).toHaveLength(markets.length));
    expect(books.slice(mark).filter((e) => e.kind === 'reset')).toHaveLength(markets.length);
    expect(feed.counters.reconnects).toBeGreaterThanOrEqual(1);
    expect(sim.stats.connectionsTotal).toBe(2);
    expect(statuses.filter((s) => s.state === 'live').length).toBe(2);
    // count only the deltas of this burst: the 10 sent before the drop may still arrive after `mark`
    const afterReconnect = books.length;
    sim.burst(30);
    await wait(() => expect(books.slice(afterReconnect).filter((e) => e.kind === 'delta').length).toBeGreaterThanOrEqual(30));
    for (const m of markets) expect(fold(books, m)).toEqual(sim.book(m));
    expect(feed.counters.gaps).toBe(0);
  });

  it('stall: the silent socket goes stale within the idle timeout, books reset, then it recovers', async () => {
    const { sim, books, statuses, markets } = await setup({ pingIntervalMs: 100 }, { idleTimeoutMs: 600, commandTimeoutMs: 1_000 });
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    const mark = books.length;
    sim.stall(1_500);
    await wait(() => expect(statuses.some((s) => s.state === 'stale')).toBe(true), 5_000);
    expect(books.slice(mark).filter((e) => e.kind === 'reset')).toHaveLength(markets.length);
    await wait(() => expect(snapshotsOf(books.slice(mark))).toHaveLength(markets.length), 10_000);
    expect(statuses.at(-1)?.state).toBe('live');
  });

  it('server pings keep a quiet connection alive (answered by ws)', async () => {
    const { sim, statuses, books, markets } = await setup({ pingIntervalMs: 50 }, { idleTimeoutMs: 500 });
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    await wait(() => expect(sim.stats.pingsSent).toBeGreaterThanOrEqual(30));
    // every heartbeat ping is answered with a pong (the last one may still be in flight)
    await wait(() => expect(sim.stats.pongsReceived).toBeGreaterThanOrEqual(30));
    expect(statuses.some((s) => s.state === 'stale' || s.state === 'reconnecting')).toBe(false);
    expect(sim.stats.connectionsTotal).toBe(1);
  });

  it('malformed, truncated and unknown frames are counted and skipped; the feed goes on', async () => {
    const { sim, feed, books, markets } = await setup();
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    sim.sendMalformed();
    sim.sendTruncated();
    sim.sendUnknownType();
    sim.burst(5);
    await wait(() => expect(books.filter((e) => e.kind === 'delta').length).toBeGreaterThanOrEqual(5));
    expect(feed.counters).toMatchObject({ decodeErrors: 3, unknownTypes: 1, gaps: 0 });
    for (const m of markets) expect(fold(books, m)).toEqual(sim.book(m));
  });

  it('subscribe / unsubscribe while connected; setBook pushes a snapshot', async () => {
    const sim = await startKalshiSimulator({ seed: 11, marketCount: 4 });
    cleanups.push(() => sim.stop());
    const [a, b, c] = sim.markets.map((m) => m.ticker) as [string, string, string];
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: sim.auth!, markets: [a], backoff: FAST });
    cleanups.push(() => feed.close());
    const books: BookEvent[] = [];
    feed.books$.subscribe((e) => books.push(e));
    await wait(() => expect(snapshotsOf(books, a)).toHaveLength(1));
    feed.subscribe([b, c]);
    await wait(() => expect(snapshotsOf(books).map((e) => e.marketId).sort()).toEqual([a, b, c].sort()));
    feed.unsubscribe([a]);
    expect(books.at(-1)).toMatchObject({ kind: 'reset', marketId: a, reason: 'unsubscribed' });
    const planted = { yesBid: [{ price: 420_000, qty: 13_000_000 }], noBid: [{ price: 550_000, qty: 7_500_000 }] };
    sim.setBook(b, planted);
    await wait(() => expect(fold(books, b)).toEqual(planted));
    sim.burst(40);
    await wait(() => expect(fold(books, c)).toEqual(sim.book(c)));
    expect(books.filter((e) => e.marketId === a).at(-1)?.kind).toBe('reset');
    expect(feed.counters.gaps).toBe(0);
  });

  it('markets unsubscribed while their subscribe is in flight are taken off and never emitted', async () => {
    const sim = await startKalshiSimulator({ seed: 12, marketCount: 3 });
    cleanups.push(() => sim.stop());
    const [a, b] = sim.markets.map((m) => m.ticker) as [string, string];
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: sim.auth!, markets: [a, b], backoff: FAST });
    cleanups.push(() => feed.close());
    const books: BookEvent[] = [];
    feed.books$.subscribe((e) => books.push(e));
    const statuses: FeedStatus[] = [];
    feed.status$.subscribe((s) => {
      statuses.push(s);
      if (s.state === 'live') queueMicrotask(() => feed.unsubscribe([b]));
    });
    await wait(() => expect(sim.commandLog.some((c) => c.includes('delete_markets'))).toBe(true));
    sim.burst(60);
    await wait(() => expect(fold(books, a)).toEqual(sim.book(a)));
    expect(books.some((e) => e.marketId === b && e.kind !== 'reset')).toBe(false);
    expect(feed.markets).toEqual([a]);
  });

  it('messages$: ticker, trade, lifecycle and fee updates, typed; unknown lifecycle event types counted', async () => {
    const { sim, feed, messages, books, markets } = await setup();
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    sim.burst(35);
    sim.sendLifecycle(markets[0]!, 'determined', { result: 'yes', determination_ts: 1_700_000_000 });
    sim.sendLifecycle(markets[0]!, 'teleported');
    sim.sendFeeUpdate(sim.markets[0]!.eventTicker, 'quadratic', 0.5);
    await wait(() => expect(messages.some((m) => m.frame.type === 'event_fee_update')).toBe(true));
    const types = new Set(messages.map((m) => m.frame.type));
    expect([...types].sort()).toEqual(['event_fee_update', 'market_lifecycle_v2', 'ticker', 'trade']);
    const fee = messages.find((m) => m.frame.type === 'event_fee_update')!.frame;
    expect(fee.type === 'event_fee_update' && fee.msg.fee_multiplier_override).toBe(0.5);
    const lc = messages.filter((m) => m.frame.type === 'market_lifecycle_v2');
    expect(lc).toHaveLength(1);
    expect(feed.counters.unknownEventTypes).toBe(1);
    const tr = messages.find((m) => m.frame.type === 'trade')!.frame;
    if (tr.type !== 'trade') throw new Error('trade');
    expect(tr.msg.yes_price_dollars! + tr.msg.no_price_dollars!).toBe(1_000_000);
  });

  it('the replay option sends a recorded session to each client on connect', async () => {
    const recorded = [
      JSON.stringify({ type: 'orderbook_snapshot', sid: 1, seq: 1, msg: { market_ticker: 'REC-1', yes: [[8, 300]], no: [[54, 20]] } }),
      JSON.stringify({ type: 'orderbook_delta', sid: 1, seq: 2, msg: { market_ticker: 'REC-1', price: 8, price_dollars: '0.080', delta: -100, delta_fp: '-100.00', side: 'yes' } }),
    ];
    const { books } = await setup({ replay: recorded }, { markets: ['REC-1'] });
    await wait(() => expect(books.filter((e) => e.marketId === 'REC-1')).toHaveLength(2));
    expect(books.filter((e) => e.marketId === 'REC-1').map((e) => e.kind)).toEqual(['snapshot', 'delta']);
  });

  it('replays recorded frames verbatim (legacy shapes decode too)', async () => {
    const { sim, feed, messages, books, markets } = await setup();
    await wait(() => expect(snapshotsOf(books)).toHaveLength(markets.length));
    await sim.replay([
      JSON.stringify({ type: 'ticker', sid: 77, msg: { market_ticker: 'FED-23DEC-T3.00', price: 48, price_dollars: '0.480', volume: 33896, ts: 1669149841 } }),
      JSON.stringify({ type: 'trade', sid: 77, msg: { market_ticker: 'FED-23DEC-T3.00', yes_price: 36, yes_price_dollars: '0.360', no_price: 64, count: 136, taker_side: 'no', ts: 1669149841 } }),
    ]);
    await wait(() => expect(messages.filter((m) => 'market_ticker' in m.frame.msg && m.frame.msg.market_ticker === 'FED-23DEC-T3.00')).toHaveLength(2));
    expect(feed.counters.decodeErrors).toBe(0);
  });
});
