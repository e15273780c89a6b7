/**
 * Execution latency (issue 12, point 7): decision → first order on the wire, and decision → both
 * legs submitted, through the real Executor (PostgreSQL write-ahead), the LIVE brokers and the two
 * venue simulators (scripts/arbitrages.ts `startLane`), one arbitrage at a time, no faults.
 *
 * "On the wire" is read from Node's diagnostics channels, not from our code: the Kalshi broker's
 * `fetch` (undici) publishes `undici:client:sendHeaders` when the request's headers are written to
 * the socket; the Polymarket SDK's axios (node:http) publishes `http.client.request.start` when
 * the request is created, just before its headers and body are written. Only order POSTs count
 * (Kalshi `/portfolio/events/orders`, Polymarket `/order`). The venue's answer to leg 1 is the
 * response's arrival (`undici:request:headers` / `http.client.response.finish`).
 *
 * Own time:
 *   first = wire(leg 1) − decision
 *   both  = wire(leg 2) − decision − (answer(leg 1) − wire(leg 1))      (leg 1's venue round trip excluded)
 * Breakdown of `first`: DB (the one-statement write-ahead of the execution and its events, pool.query /
 * pool.connect → release before leg 1's place()), broker (place() → wire: Kalshi RSA-PSS request
 * signing, Polymarket EIP-712 order signing and hashing, HTTP setup), executor (the rest: plan,
 * state machine, bookkeeping). Also the signers alone, and a variant with
 * `SET synchronous_commit = off` on the pool's sessions (the write-ahead commit does not wait for
 * the WAL flush).
 *
 * Needs PostgreSQL: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test (an isolated
 * schema per variant, dropped after). EXEC_BENCH_N arbitrages per variant (default 300).
 * Run: `npm run bench -- execution`.
 */
import dc from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { ClobClient, Side } from '@polymarket/clob-client-v2';
import type pg from 'pg';
import { createWalletClient, custom, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { polygon } from 'viem/chains';
import { arbDecision, freshSchemaPool, onPlace, plantBooks, rulesOf, startLane, ARB_MACHINE, type Lane } from '../scripts/arbitrages.js';
import type { Venue } from '../schema/venue.js';
import { Executor } from '../src/execution/executor.js';
import type { Broker } from '../src/venues/broker.js';
import { createKalshiSigner } from '../src/venues/kalshi/auth.js';
import { DATABASE_URL, type BenchRow } from './types.js';

const N = Number(process.env.EXEC_BENCH_N ?? 300);
const WARMUP = 30;

interface Probe {
  t0: number;
  wires: number[];
  answers: number[];
  placeCalls: number[];
  /** [start, end] of DB work (query or checked-out client) */
  db: [number, number][];
}
let cur: Probe | undefined;

const isOrderPost = (method: string | undefined, p: string | undefined): boolean => method === 'POST' && !!p && (p.split('?')[0]!.endsWith('/portfolio/events/orders') || p.split('?')[0] === '/order');
const pending = new WeakSet<object>();
dc.subscribe('undici:client:sendHeaders', (m) => {
  const r = (m as { request: { method?: string; path?: string } }).request;
  if (cur && isOrderPost(r.method, r.path)) {
    cur.wires.push(performance.now());
    pending.add(r);
  }
});
dc.subscribe('undici:request:headers', (m) => {
  const r = (m as { request: object }).request;
  if (cur && pending.delete(r)) cur.answers.push(performance.now());
});
dc.subscribe('http.client.request.start', (m) => {
  const r = (m as { request: { method?: string; path?: string } }).request;
  if (cur && isOrderPost(r.method, r.path)) {
    cur.wires.push(performance.now());
    pending.add(r);
  }
});
dc.subscribe('http.client.response.finish', (m) => {
  const r = (m as { request: object }).request;
  if (cur && pending.delete(r)) cur.answers.push(performance.now());
});

/** Times the pool's queries and checked-out clients (the executor's write-ahead statements). */
function timedPool(pool: pg.Pool): pg.Pool {
  const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  const connect = pool.connect.bind(pool) as (cb?: unknown) => Promise<pg.PoolClient> | undefined;
  const p = pool as unknown as { query: (...a: unknown[]) => Promise<unknown>; connect: (cb?: unknown) => Promise<pg.PoolClient> | undefined };
  p.query = async (...a: unknown[]) => {
    const probe = cur;
    const t = performance.now();
    try {
      return await query(...a);
    } finally {
      probe?.db.push([t, performance.now()]);
    }
  };
  p.connect = (cb?: unknown) => {
    // pool.query checks out its client with a callback: timed by the query wrapper above
    if (cb) return connect(cb);
    return timedConnect();
  };
  const timedConnect = async (): Promise<pg.PoolClient> => {
    const probe = cur;
    const t = performance.now();
    const c = (await connect())!;
    const release = c.release.bind(c);
    c.release = ((err?: Error | boolean) => {
      probe?.db.push([t, performance.now()]);
      c.release = release;
      return release(err);
    }) as typeof c.release;
    return c;
  };
  return pool;
}

const placeTimed = (b: Broker): Broker => onPlace(b, () => cur?.placeCalls.push(performance.now()));

const pct = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Sample { first: number; both: number; db: number; broker: number; executor: number; leg1Venue: Venue }

/** The floor on this PostgreSQL: one round trip (`SELECT 1`) and one single-row autocommit INSERT, ms each. */
async function dbFloor(pool: pg.Pool): Promise<{ roundTrip: number[]; commit: number[] }> {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_commit (id serial PRIMARY KEY, v text NOT NULL)');
  const roundTrip: number[] = [];
  const commit: number[] = [];
  for (let i = 0; i < 230; i++) {
    let t = performance.now();
    await pool.query('SELECT 1');
    if (i >= 30) roundTrip.push(performance.now() - t);
    t = performance.now();
    await pool.query('INSERT INTO bench_commit (v) VALUES ($1)', [`row ${i}`]);
    if (i >= 30) commit.push(performance.now() - t);
  }
  return { roundTrip, commit };
}

async function measure(lane: Lane, pool: pg.Pool, tag: string): Promise<Sample[]> {
  timedPool(pool);
  const ex = new Executor({ pool, brokers: { kalshi: placeTimed(lane.kalshiBroker), polymarket: placeTimed(lane.polyBroker) }, rules: rulesOf, lossCapMicros: 500_000, machine: ARB_MACHINE });
  await ex.start();
  const out: Sample[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const first: Venue = i % 2 ? 'kalshi' : 'polymarket';
    plantBooks(lane);
    const d = arbDecision(lane, `bench-${tag}-${Date.now()}-${i}`, first);
    await new Promise((r) => setImmediate(r));
    const probe: Probe = { t0: performance.now(), wires: [], answers: [], placeCalls: [], db: [] };
    cur = probe;
    const x = await ex.submit(d);
    cur = undefined;
    if (x?.state !== 'hedged') throw new Error(`bench arbitrage ${d.edge.edgeId} ended ${x?.state}: ${x?.reason}`);
    if (i < WARMUP) continue;
    const [w1, w2] = probe.wires;
    const [a1] = probe.answers;
    const [p1] = probe.placeCalls;
    if (w1 === undefined || w2 === undefined || a1 === undefined || p1 === undefined) throw new Error(`bench: missing wire events (${probe.wires.length} sends, ${probe.answers.length} answers)`);
    const db = probe.db.filter(([, e]) => e <= p1).reduce((s, [a, b]) => s + (b - a), 0);
    out.push({ first: w1 - probe.t0, both: w2 - probe.t0 - (a1 - w1), db, broker: w1 - p1, executor: p1 - probe.t0 - db, leg1Venue: first });
  }
  return out;
}

/** The signers alone: Kalshi RSA-PSS request headers, Polymarket V2 order build + EIP-712 signature. */
async function signers(lane: Lane): Promise<{ kalshi: number[]; poly: number[] }> {
  const k = createKalshiSigner(lane.kalshi.auth!, Date.now);
  const kalshi: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    k.headers('POST', '/trade-api/v2/portfolio/events/orders');
    kalshi.push(performance.now() - t);
  }
  const signer = createWalletClient({ account: privateKeyToAccount(generatePrivateKey() as Hex), chain: polygon, transport: custom({ request: () => Promise.reject(new Error('no RPC')) }) });
  const client = new ClobClient({ host: lane.poly.restUrl, chain: 137, signer, creds: lane.poly.orders.creds, signatureType: 0, throwOnError: false, retryOnError: false });
  const m = lane.poly.markets.find((x) => x.conditionId === lane.conditionId)!;
  const poly: number[] = [];
  for (let i = 0; i < 130; i++) {
    const t = performance.now();
    await client.createOrder({ tokenID: m.yesTokenId, price: 0.45, size: 10, side: Side.BUY }, { tickSize: '0.01', negRisk: false, version: 2 } as never);
    if (i >= 30) poly.push(performance.now() - t);
  }
  return { kalshi: kalshi.slice(30), poly };
}

function rows(label: string, s: readonly Sample[], note: string): BenchRow[] {
  const f = s.map((x) => x.first);
  const b = s.map((x) => x.both);
  const p99 = pct(f, 0.99);
  // the breakdown at the tail: means over the samples at or above the first-order p95
  const tail = s.filter((x) => x.first >= pct(f, 0.95));
  const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const part = (k: 'db' | 'broker' | 'executor') => `${k} p50 ${r3(pct(s.map((x) => x[k]), 0.5))} / p99 ${r3(pct(s.map((x) => x[k]), 0.99))} / tail mean ${r3(mean(tail.map((x) => x[k])))}`;
  const byVenue = (v: Venue) => s.filter((x) => x.leg1Venue === v).map((x) => x.first);
  return [
    { name: `${label}: decision → first order on the wire p50`, value: r3(pct(f, 0.5)), unit: 'ms', note },
    { name: `${label}: decision → first order on the wire p99`, value: r3(p99), unit: 'ms', note: `target ≤ 2 ms: ${p99 <= 2 ? 'met' : 'MISSED'}; max ${r3(Math.max(...f))} ms; n ${s.length}` },
    { name: `${label}: first order p50/p99, Kalshi first`, value: r3(pct(byVenue('kalshi'), 0.99)), unit: 'ms (p99)', note: `p50 ${r3(pct(byVenue('kalshi'), 0.5))} ms` },
    { name: `${label}: first order p50/p99, Polymarket first`, value: r3(pct(byVenue('polymarket'), 0.99)), unit: 'ms (p99)', note: `p50 ${r3(pct(byVenue('polymarket'), 0.5))} ms` },
    { name: `${label}: first order breakdown`, value: r3(mean(tail.map((x) => x.db)) / Math.max(1e-9, mean(tail.map((x) => x.first))) * 100), unit: '% DB at the tail', note: `${part('db')}; ${part('broker')}; ${part('executor')} (ms)` },
    { name: `${label}: decision → both legs submitted p50 (own time)`, value: r3(pct(b, 0.5)), unit: 'ms', note: "leg 1's venue round trip excluded" },
    { name: `${label}: decision → both legs submitted p99 (own time)`, value: r3(pct(b, 0.99)), unit: 'ms', note: `max ${r3(Math.max(...b))} ms` },
  ];
}

export async function run(): Promise<BenchRow[]> {
  const lane = await startLane(0, 99, 5_000);
  const out: BenchRow[] = [];
  try {
    const sync = await freshSchemaPool(DATABASE_URL, { max: 4 });
    try {
      const floor = await dbFloor(sync.pool);
      out.push(
        { name: 'PostgreSQL round trip (SELECT 1) p50', value: r3(pct(floor.roundTrip, 0.5)), unit: 'ms', note: `p99 ${r3(pct(floor.roundTrip, 0.99))} ms` },
        { name: 'PostgreSQL one-row durable commit p50', value: r3(pct(floor.commit, 0.5)), unit: 'ms', note: `p99 ${r3(pct(floor.commit, 0.99))} ms (autocommit INSERT, synchronous_commit on)` },
      );
      out.push(...rows('synchronous_commit on (default)', await measure(lane, sync.pool, 'sync'), 'write-ahead commit waits for the WAL flush'));
    } finally {
      await sync.drop();
    }
    const async = await freshSchemaPool(DATABASE_URL, { max: 4, pgOptions: '-c synchronous_commit=off' });
    try {
      const floor = await dbFloor(async.pool);
      out.push({ name: 'PostgreSQL one-row commit, synchronous_commit off p50', value: r3(pct(floor.commit, 0.5)), unit: 'ms', note: `p99 ${r3(pct(floor.commit, 0.99))} ms` });
      out.push(...rows('synchronous_commit off', await measure(lane, async.pool, 'async'), 'pool sessions SET synchronous_commit = off'));
    } finally {
      await async.drop();
    }
    const sg = await signers(lane);
    out.push(
      { name: 'Kalshi RSA-PSS request signing alone p50', value: r3(pct(sg.kalshi, 0.5)), unit: 'ms', note: `p99 ${r3(pct(sg.kalshi, 0.99))} ms` },
      { name: 'Polymarket V2 order build + EIP-712 signing alone p50', value: r3(pct(sg.poly, 0.5)), unit: 'ms', note: `p99 ${r3(pct(sg.poly, 0.99))} ms (clob-client-v2 createOrder, viem local account)` },
    );
  } finally {
    await lane.stop();
  }
  return out;
}
