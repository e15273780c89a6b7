/**
 * Edge-to-subscriber latency of the API's GraphQL subscription fan-out.
 *
 * The server (HTTP + graphql-ws, LiveEvents on the in-process event target) runs here; the
 * subscribers run in a SEPARATE child process (bench/api-clients.ts), so this process's event
 * loop is the one measured. Each subscriber is one graphql-ws connection with
 * `subscription { edgeAdded { edgeId pairId direction netEdgePerContract profit ts } }` (the
 * dashboard's selection). Each edge carries its publish time (`performance.timeOrigin +
 * performance.now()`, taken just before `publishEdge`) in its id; the client subtracts it from
 * its receive time. Latency therefore spans publish → hub → graphql execution → ws write →
 * loopback → the client's read (including the client process's own queueing).
 *
 * Cases:
 *   steady  edges published at 10/s (50 edges), 1,000 subscribers: p50 / p99;
 *   burst   20 edges published back to back, 1,000 subscribers: p50 / p99;
 *   ladder  1k, 2k, 4k, 8k subscribers at 10 edges/s, until p99 > 50 ms or a delivery is missing.
 * Also the server's event-loop utilisation during the steady phase.
 *
 * Needs PostgreSQL (tokens): DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test
 * (an isolated schema, dropped after). Run: `npm run bench -- api`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createToken } from '../src/api/auth.js';
import { createLiveEvents, type LiveEventsHandle } from '../src/api/events.js';
import { startApiServer, type ApiServer } from '../src/api/server.js';
import { loadConfig } from '../src/config.js';
import { createPool, migrate } from '../src/store/db/index.js';
import type { Edge } from '../schema/edge.js';
import type { ClientCmd, ClientSummary } from './api-clients.js';
import { DATABASE_URL, type BenchRow } from './types.js';

const RATE_HZ = 10;
const STEADY_EDGES = 50;
const BURST_EDGES = 20;
const P99_LIMIT_MS = 50;
const LADDER = [1000, 2000, 4000, 8000];
/** steps below 1k, tried only when 1k already exceeds the limit */
const BELOW = [500, 250, 125];
const QUERY = 'subscription { edgeAdded { edgeId pairId direction netEdgePerContract profit ts } }';

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const r2 = (x: number): number => Math.round(x * 100) / 100;

const edge = (id: string): Edge => {
  const t = Date.now();
  return {
    edgeId: id, pairId: 'bench', direction: 'aYes', sizeQty: 10_000_000, netEdgePerContractMicros: 12_000, profitMicros: 120_000,
    feesMicros: 1000, capitalCostMicros: 0, payoutMicros: 10_000_000,
    legs: [
      { venue: 'polymarket', marketId: '0x' + 'a'.repeat(64), outcome: 'yes', vwapMicros: 480_000, worstPriceMicros: 480_000, costMicros: 4_800_000, feeMicros: 0, levelsUsed: 1, tsVenue: t, tsReceived: t },
      { venue: 'kalshi', marketId: 'KXBENCH', outcome: 'no', vwapMicros: 500_000, worstPriceMicros: 500_000, costMicros: 5_000_000, feeMicros: 1000, levelsUsed: 1, tsVenue: t, tsReceived: t },
    ],
    oldestBookTsReceived: t, tsDetected: t,
  };
};

/** The client process, one request at a time. */
class Clients {
  private readonly proc: ChildProcess;
  private waiting: ((m: unknown) => void) | undefined;
  constructor() {
    this.proc = fork(fileURLToPath(new URL('./api-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    });
  }
  call<T>(cmd: ClientCmd): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`bench clients exited (${code})`));
      this.proc.once('exit', onExit);
      this.waiting = (m) => {
        this.proc.off('exit', onExit);
        const op = (m as { op?: string }).op;
        if (op === 'bad' || op === 'failed') reject(new Error(`bench clients: ${JSON.stringify(m)}`));
        else resolve(m as T);
      };
      this.proc.send(cmd);
    });
  }
  kill(): void {
    this.proc.disconnect();
  }
}

interface Measured extends ClientSummary {
  expected: number;
  /** server event-loop utilisation over the publish phase, 0..1 */
  elu: number;
}

async function warmUp(live: LiveEventsHandle, clients: Clients, n: number): Promise<void> {
  // server-side subscriptions attach asynchronously (token lookup, subscribe): publish until all have one
  const deadline = Date.now() + 120_000;
  for (let k = 0; ; k++) {
    live.events.publishEdge(edge(`w:${k}:0`));
    await sleep(200);
    const s = await clients.call<{ warm: number }>({ op: 'status' });
    if (s.warm >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${s.warm}/${n} subscribers attached`);
  }
}

async function measure(live: LiveEventsHandle, clients: Clients, n: number, mode: 'steady' | 'burst'): Promise<Measured> {
  await clients.call({ op: 'reset' });
  const edges = mode === 'steady' ? STEADY_EDGES : BURST_EDGES;
  const elu0 = performance.eventLoopUtilization();
  if (mode === 'steady') {
    for (let k = 0; k < edges; k++) {
      live.events.publishEdge(edge(`s:${k}:${now()}`));
      await sleep(1000 / RATE_HZ);
    }
  } else {
    for (let k = 0; k < edges; k++) live.events.publishEdge(edge(`b:${k}:${now()}`));
  }
  const expected = n * edges;
  const deadline = Date.now() + 20_000;
  while ((await clients.call<{ received: number }>({ op: 'status' })).received < expected && Date.now() < deadline) await sleep(100);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  return { ...(await clients.call<ClientSummary>({ op: 'collect' })), expected, elu };
}

/** BENCH_API_PROFILE=<file.cpuprofile>: a CPU profile of the server during the 1k steady phase only. */
async function profile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(p));
    session.disconnect();
  };
}

const describe = (m: Measured): string =>
  `p50 ${m.p50.toFixed(2)} / p90 ${m.p90.toFixed(2)} / p99 ${m.p99.toFixed(2)} / max ${m.max.toFixed(2)} ms; delivered ${m.received}/${m.expected} (per subscriber ${m.perSubscriberMin}..${m.perSubscriberMax}); server ELU ${(m.elu * 100).toFixed(0)}%`;

export async function run(): Promise<BenchRow[]> {
  const schema = `bench_api_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = createPool({ connectionString: DATABASE_URL, max: 5, options: `-c search_path=${schema},public` });
  const rows: BenchRow[] = [];
  let live: LiveEventsHandle | undefined;
  let api: ApiServer | undefined;
  const clients = new Clients();
  try {
    await migrate(pool);
    const config = loadConfig({ LOG_LEVEL: 'warn', API_RATE_LIMIT_PER_MIN: '100000000' });
    const { token } = await createToken(pool, { name: 'bench', role: 'viewer' });
    live = await createLiveEvents({ redis: { mode: 'memory' } });
    api = await startApiServer({ config, pool, events: live, host: '127.0.0.1', port: 0 });
    const server = api;
    let open = 0;
    const grow = async (n: number): Promise<void> => {
      if (n < open) {
        await clients.call({ op: 'close' });
        open = 0;
      }
      const r = await clients.call<{ n: number; failed: number }>({ op: 'open', wsUrl: server.wsUrl, token, n: n - open, query: QUERY });
      if (r.failed) throw new Error(`${r.failed} of ${n - open} subscribers failed to connect`);
      open = r.n;
      await warmUp(live!, clients, n);
    };
    const ok = (m: Measured): boolean => m.p99 <= P99_LIMIT_MS && m.received === m.expected && m.errors === 0;

    await grow(1000);
    const stopProfile = await profile(process.env.BENCH_API_PROFILE);
    const steady = await measure(live, clients, 1000, 'steady');
    await stopProfile();
    console.error(`  1000 subscribers, ${RATE_HZ} edges/s: ${describe(steady)}`);
    const burst = await measure(live, clients, 1000, 'burst');
    console.error(`  1000 subscribers, burst of ${BURST_EDGES}: ${describe(burst)}`);
    const noteSteady = `${STEADY_EDGES} edges at ${RATE_HZ}/s; ${describe(steady)}`;
    rows.push({ name: 'edge→subscriber p50, 1000 subs, 10 edges/s', value: r2(steady.p50), unit: 'ms', note: noteSteady });
    rows.push({ name: 'edge→subscriber p99, 1000 subs, 10 edges/s', value: r2(steady.p99), unit: 'ms', note: 'clients in a separate process' });
    rows.push({ name: `edge→subscriber p50, 1000 subs, burst of ${BURST_EDGES}`, value: r2(burst.p50), unit: 'ms', note: describe(burst) });
    rows.push({ name: `edge→subscriber p99, 1000 subs, burst of ${BURST_EDGES}`, value: r2(burst.p99), unit: 'ms' });

    let capacity = 0;
    const steps = ok(steady) ? LADDER : BELOW;
    if (ok(steady)) capacity = 1000;
    for (const n of steps) {
      if (n === 1000) continue; // measured above
      await grow(n);
      const m = await measure(live, clients, n, 'steady');
      console.error(`  ${n} subscribers, ${RATE_HZ} edges/s: ${describe(m)}`);
      rows.push({ name: `p99 at ${n} subs, 10 edges/s`, value: r2(m.p99), unit: 'ms', note: describe(m) });
      if (ok(m)) capacity = Math.max(capacity, n);
      if (ok(m) === (steps === BELOW)) break;
    }
    rows.push({
      name: `subscribers held with p99 ≤ ${P99_LIMIT_MS} ms (10 edges/s)`,
      value: capacity,
      unit: 'subscribers',
      note: `largest step of ${(steps === BELOW ? [1000, ...BELOW] : LADDER).join('/')} within the limit with every edge delivered${capacity === LADDER.at(-1) ? ' (top of the ladder)' : ''}; 1 server process, clients in 1 other process, loopback`,
    });
  } finally {
    await clients.call({ op: 'close' }).catch(() => undefined);
    clients.kill();
    await api?.close();
    await live?.close();
    await pool.end();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
  return rows;
}
