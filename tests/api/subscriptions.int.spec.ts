/**
 * Subscriptions end to end through REAL Redis with TWO API processes (child processes, each
 * with its own Redis connections and server): an edge published through LiveEvents in process A
 * reaches a graphql-ws client connected to process B. Also: graphql-ws auth (4401 without a
 * valid token, 4403 after revocation). Redis missing: skipped locally, FAILS with CI=true.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createToken, revokeToken, type CreatedToken } from '../../src/api/auth.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { requireRedis, uniquePrefix } from '../helpers/redis.js';
import { redisGate } from '../helpers/gates.js';
import { makeEdge } from './helpers.js';

interface Child {
  proc: ChildProcess;
  url: string;
  wsUrl: string;
  send(cmd: unknown): void;
}

function startChild(schema: string, prefix: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/api/fixtures/apiChild.ts'], {
    env: { ...process.env, API_TEST_SCHEMA: schema, API_TEST_CHANNEL_PREFIX: prefix, LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.once('line', (l) => {
      const { url, wsUrl } = JSON.parse(l) as { url: string; wsUrl: string };
      resolve({ proc, url, wsUrl, send: (cmd) => proc.stdin!.write(JSON.stringify(cmd) + '\n') });
    });
    proc.once('exit', (code) => reject(new Error(`api child exited early (${code})`)));
  });
}

function closeCode(wsUrl: string, payload: Record<string, unknown> | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) })));
    ws.on('close', (code) => resolve(code));
    ws.on('error', reject);
  });
}

const describe = (await redisGate()).describe;
describe('subscriptions across two API processes through Redis', () => {
  let db: PgTestDb;
  let a: Child;
  let b: Child;
  let viewer: CreatedToken;
  const clients: Client[] = [];

  beforeAll(async () => {
    await requireRedis();
    db = await pgTestPool({ migrate: true });
    viewer = await createToken(db.pool, { name: 'viewer', role: 'viewer' });
    const prefix = `${uniquePrefix('apitest')}:`;
    [a, b] = await Promise.all([startChild(db.schema, prefix), startChild(db.schema, prefix)]);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const c of [a, b]) {
      if (!c) continue;
      c.proc.stdin!.end();
      await new Promise((r) => c.proc.once('exit', r));
    }
    await db?.drop();
  });

  it('an edge published in process A reaches a graphql-ws subscriber on process B', async () => {
    expect(a.url).not.toBe(b.url);
    const client = createClient({ url: b.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${viewer.token}` }, retryAttempts: 0 });
    clients.push(client);
    const sub = client.iterate<{ edgeAdded: { edgeId: string; pairId: string; netEdgePerContract: string; profitMicros: number } }>({
      query: 'subscription { edgeAdded(minNetEdgeMicros: 10000) { edgeId pairId netEdgePerContract profitMicros } }',
    });
    const first = sub.next();
    // the subscription is live once B has SUBSCRIBEd on Redis; publish until it arrives
    let n = 0;
    const timer = setInterval(() => {
      a.send({ publishEdge: makeEdge({ edgeId: `below-${n}`, netEdgePerContractMicros: 9_999 }) });
      a.send({ publishEdge: makeEdge({ edgeId: `x-${n++}` }) });
    }, 200);
    try {
      const got = await first;
      expect(got.done).toBe(false);
      expect(got.value!.data!.edgeAdded).toMatchObject({ pairId: 'btc-100k', netEdgePerContract: '0.012500', profitMicros: 312_500 });
      expect(got.value!.data!.edgeAdded.edgeId).toMatch(/^x-\d+$/);
    } finally {
      clearInterval(timer);
      await sub.return?.();
    }
  });

  it('graphql-ws without a valid token is closed with 4401', async () => {
    expect(await closeCode(b.wsUrl, undefined)).toBe(4401);
    expect(await closeCode(b.wsUrl, { authorization: 'Bearer arb_' + 'x'.repeat(43) })).toBe(4401);
    expect(await closeCode(b.wsUrl, { token: 'garbage' })).toBe(4401);
  });

  it('a token revoked while connected: the next subscribe closes the socket with 4403', async () => {
    const t = await createToken(db.pool, { name: 'short-lived', role: 'viewer' });
    const code = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(b.wsUrl, 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token: t.token } })));
      ws.on('message', (raw) => {
        const msg = JSON.parse(String(raw)) as { type: string };
        if (msg.type === 'connection_ack') {
          void revokeToken(db.pool, 'short-lived').then(() => ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alerts { message } }' } })));
        }
      });
      ws.on('close', (c) => resolve(c));
      ws.on('error', reject);
    });
    expect(code).toBe(4403);
  });
});
