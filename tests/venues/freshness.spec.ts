/**
 * Freshness and credentials at the socket layer (issue 11 point 5).
 *
 * A pair is priced only while each book's connection delivered a frame or a heartbeat answer within
 * RISK_MAX_BOOK_AGE_MS: the managed socket probes a quiet connection (WS ping, plus Polymarket's
 * text PING) every probe interval and declares the feed stale as soon as nothing arrived for the
 * idle timeout, which the config derives from (and caps at) RISK_MAX_BOOK_AGE_MS. On stale both
 * feeds reset every book of the connection, so a frozen book is never priced past the limit.
 *
 * Timing assertions allow {@link TIMER_SLACK_MS} of timer latency past the limit (the machine is
 * shared); they check that stale never comes early and that it comes at the limit, not seconds later.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer, type ServerOptions } from 'ws';
import type { BookEvent } from '../../schema/book.js';
import { loadConfig } from '../../src/config.js';
import { VenueAuthError } from '../../src/errors.js';
import { createLogger, limitedLog, log, setLogger } from '../../src/log.js';
import { AUTH_FAILED, managedSocket } from '../../src/venues/common/socket.js';
import type { FeedStatus } from '../../src/venues/common/types.js';
import { KalshiRest } from '../../src/venues/kalshi/rest.js';
import { startKalshiSimulator } from '../../src/venues/kalshi/simulator.js';
import { kalshiFeedOptions, KalshiFeed } from '../../src/venues/kalshi/socket.js';
import { startPolymarketSimulator } from '../../src/venues/polymarket/simulator.js';
import { PolymarketFeed, polymarketFeedOptions } from '../../src/venues/polymarket/socket.js';

const TIMER_SLACK_MS = 400;
const FAST = { baseMs: 10, maxMs: 50, stableMs: 60_000 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const wait = (fn: () => void, timeout = 10_000) => vi.waitFor(fn, { timeout, interval: 5 });

async function server(opts: { autoPong?: boolean; verifyClient?: ServerOptions['verifyClient'] } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: opts.autoPong ?? true, ...(opts.verifyClient ? { verifyClient: opts.verifyClient } : {}) });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const conns: WebSocket[] = [];
  wss.on('connection', (ws) => conns.push(ws));
  cleanups.push(() => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => r());
  }));
  return { wss, conns, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
}

/** Records statuses with the performance.now() at which they arrived. */
function statusLog(status$: { subscribe(fn: (s: FeedStatus) => void): unknown }) {
  const out: (FeedStatus & { at: number })[] = [];
  status$.subscribe((s) => out.push({ ...s, at: performance.now() }));
  return out;
}

describe('managedSocket freshness', () => {
  it('a feed that freezes (no frames, no pongs) is stale at the idle timeout after its last frame, not later', async () => {
    const srv = await server({ autoPong: false });
    const sock = managedSocket({ venue: 'kalshi', url: srv.url, onOpen: () => undefined, idleTimeoutMs: 800, backoff: FAST });
    cleanups.push(() => sock.close());
    let lastFrameAt = 0;
    sock.frames$.subscribe(() => (lastFrameAt = performance.now()));
    const statuses = statusLog(sock.status$);
    await wait(() => expect(srv.conns).toHaveLength(1));
    // a live feed: a frame every 100 ms for a second (probes are not needed), then frozen
    for (let i = 0; i < 10; i++) {
      srv.conns[0]!.send(`f${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await wait(() => expect(statuses.some((s) => s.state === 'stale')).toBe(true), 5_000);
    const stale = statuses.find((s) => s.state === 'stale')!;
    const late = stale.at - lastFrameAt;
    expect(late).toBeGreaterThanOrEqual(800 - 5);
    expect(late).toBeLessThan(800 + TIMER_SLACK_MS);
    expect(stale.reason).toBe('idle 800 ms');
  });

  it('a quiet but healthy connection answers the probes and stays live for many idle periods (WS ping)', async () => {
    const srv = await server(); // answers pings, sends nothing
    const sock = managedSocket({ venue: 'kalshi', url: srv.url, onOpen: () => undefined, idleTimeoutMs: 300, backoff: FAST });
    cleanups.push(() => sock.close());
    const statuses = statusLog(sock.status$);
    let pings = 0;
    await wait(() => expect(srv.conns).toHaveLength(1));
    srv.conns[0]!.on('ping', () => pings++);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'live']);
    expect(pings).toBeGreaterThanOrEqual(5); // every ~100 ms of quiet (a third of 300)
  });

  it('Polymarket style: a server that answers only the text PING (no WS pongs) stays live through the text probe', async () => {
    const srv = await server({ autoPong: false });
    srv.wss.on('connection', (ws) => ws.on('message', (d) => d.toString() === 'PING' && ws.send('PONG')));
    const sock = managedSocket({ venue: 'polymarket', url: srv.url, onOpen: () => undefined, idleTimeoutMs: 300, probePayload: 'PING', backoff: FAST });
    cleanups.push(() => sock.close());
    const statuses = statusLog(sock.status$);
    const pongs: string[] = [];
    sock.frames$.subscribe((f) => pongs.push(f.data));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'live']);
    expect(pongs.length).toBeGreaterThanOrEqual(5);
    expect(new Set(pongs)).toEqual(new Set(['PONG']));
  });

  it('the probe interval must be below the idle timeout', () => {
    expect(() => managedSocket({ venue: 'kalshi', url: 'ws://127.0.0.1:9', onOpen: () => undefined, idleTimeoutMs: 300, probeIntervalMs: 300 })).toThrow(RangeError);
  });

  it('a handshake refused with 401 is an auth failure: status reason and one clear error line', async () => {
    const srv = await server({ verifyClient: (_i: unknown, cb: (ok: boolean, code?: number, msg?: string) => void) => cb(false, 401, 'Unauthorized') });
    const lines: string[] = [];
    const saved = log;
    setLogger(createLogger({ level: 'info', destination: new Writable({ write(c: Buffer | string, _e, cb) { lines.push(String(c)); cb(); } }) }));
    cleanups.push(() => setLogger(saved));
    const sock = managedSocket({ venue: 'kalshi', url: srv.url, onOpen: () => undefined, backoff: { baseMs: 200, maxMs: 400, stableMs: 60_000 } });
    cleanups.push(() => sock.close());
    const statuses = statusLog(sock.status$);
    await wait(() => expect(statuses.some((s) => s.state === 'reconnecting')).toBe(true));
    expect(statuses.find((s) => s.state === 'reconnecting')!.reason).toBe(`${AUTH_FAILED}: HTTP 401`);
    limitedLog.flush();
    expect(lines.join('')).toContain('kalshi refused our credentials (HTTP 401): check the API key id and private key');
  });
});

/**
 * Stalls a running simulator and checks the feed goes stale within the 900 ms book age limit of its
 * last frame, with every one of `marketIds` reset between the stall and the stale status.
 */
async function expectStallStaleWithinLimit(
  feed: { readonly frames$: Observable<unknown>; readonly books$: Observable<BookEvent>; readonly status$: Observable<FeedStatus> },
  sim: { stall(ms: number): void },
  subscribe: () => void,
  marketIds: readonly string[],
): Promise<void> {
  const books: (BookEvent & { at: number })[] = [];
  let lastFrameAt = 0;
  feed.frames$.subscribe(() => (lastFrameAt = performance.now()));
  feed.books$.subscribe((e) => books.push({ ...e, at: performance.now() }));
  const statuses = statusLog(feed.status$);
  subscribe();
  await wait(() => expect(books.filter((e) => e.kind === 'delta').length).toBeGreaterThan(5));
  const stallAt = performance.now();
  sim.stall(3_000);
  await wait(() => expect(statuses.some((s) => s.state === 'stale')).toBe(true), 5_000);
  const stale = statuses.find((s) => s.state === 'stale')!;
  expect(stale.at - lastFrameAt).toBeLessThan(900);
  const resets = books.filter((e) => e.kind === 'reset' && e.at >= stallAt && e.at <= stale.at + 50);
  expect(new Set(resets.map((e) => e.marketId))).toEqual(new Set(marketIds));
}

describe('venue simulators: a stalled feed goes stale within RISK_MAX_BOOK_AGE_MS (feed options from the config)', () => {
  const config = loadConfig({ RISK_MAX_BOOK_AGE_MS: '900', LOG_LEVEL: 'silent' });

  it('config: idle timeout 720 ms (80% of the book age limit: margin for timer lateness), probe every 240 ms', () => {
    expect(config.venues.feed).toMatchObject({ idleTimeoutMs: 720, probeIntervalMs: 240 });
  });

  it('Kalshi: stall → stale within the limit after the last frame, every book reset', async () => {
    const sim = await startKalshiSimulator({ seed: 3, marketCount: 2, rateHz: 20, pingIntervalMs: 10_000 });
    cleanups.push(() => sim.stop());
    const feed = new KalshiFeed({ ...kalshiFeedOptions(config, sim.markets.map((m) => m.ticker)), url: sim.wsUrl, auth: sim.auth!, backoff: FAST, commandTimeoutMs: 5_000 });
    cleanups.push(() => feed.close());
    await expectStallStaleWithinLimit(feed, sim, () => undefined, sim.markets.map((m) => m.ticker));
  });

  it('Polymarket: stall → stale within the limit after the last frame, every market reset', async () => {
    const sim = await startPolymarketSimulator({ seed: 3, marketCount: 2, rateHz: 20 });
    cleanups.push(() => sim.stop());
    const feed = new PolymarketFeed({ ...polymarketFeedOptions(config), url: sim.wsUrl, backoff: FAST });
    cleanups.push(() => feed.close());
    const subscribe = () => feed.subscribe(sim.markets.map((m) => ({ conditionId: m.conditionId, yesTokenId: m.yesTokenId, noTokenId: m.noTokenId })));
    await expectStallStaleWithinLimit(feed, sim, subscribe, sim.markets.map((m) => m.conditionId));
  });
});

describe('Kalshi with wrong credentials (the simulator checks signatures)', () => {
  const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

  it('the feed reports "auth failed: HTTP 401", never live', async () => {
    const sim = await startKalshiSimulator({ seed: 5, marketCount: 1 });
    cleanups.push(() => sim.stop());
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: { keyId: sim.auth!.keyId, privateKeyPem: wrongKey }, markets: [sim.markets[0]!.ticker], backoff: { baseMs: 100, maxMs: 200, stableMs: 60_000 } });
    cleanups.push(() => feed.close());
    const statuses = statusLog(feed.status$);
    await wait(() => expect(statuses.filter((s) => s.state === 'reconnecting').length).toBeGreaterThanOrEqual(2));
    expect(statuses.filter((s) => s.state === 'reconnecting').every((s) => s.reason === `${AUTH_FAILED}: HTTP 401`)).toBe(true);
    expect(statuses.some((s) => s.state === 'live')).toBe(false);
  });

  it('REST: a 401 is a VenueAuthError (not "market not found"), with the venue and the status', async () => {
    const sim = await startKalshiSimulator({ seed: 5, marketCount: 1 });
    cleanups.push(() => sim.stop());
    const rest = new KalshiRest({ baseUrl: sim.restUrl, auth: { keyId: sim.auth!.keyId, privateKeyPem: wrongKey }, maxRetries: 0 });
    const err = await rest.getMarket(sim.markets[0]!.ticker).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(VenueAuthError);
    expect(err).toMatchObject({ venue: 'kalshi', status: 401, kind: 'NonRetryable' });
    expect((err as Error).message).toBe('kalshi refused our credentials (HTTP 401): check the API key id and private key');
    // the right key works against the same simulator
    const ok = new KalshiRest({ baseUrl: sim.restUrl, auth: sim.auth!, maxRetries: 0 });
    await expect(ok.getMarket(sim.markets[0]!.ticker)).resolves.toMatchObject({ ticker: sim.markets[0]!.ticker });
  });
});
