/**
 * Revoking a token ends its open subscriptions within 1 s (issue 11 point 3), on the real API
 * server (HTTP + graphql-ws on one port) and the machine's PostgreSQL:
 *   - graphql-ws: the socket closes with 4403, whether the token is revoked by this process
 *     (`revokeToken`, what `arbstream token revoke` runs) or by ANOTHER process (the real CLI in a
 *     child process: found by the periodic re-check);
 *   - SSE: the stream ends with a FORBIDDEN error event and `complete`;
 *   - the periodic re-check is one query for all watched tokens, not one per socket.
 * The measured latencies are printed (`revocation latency …`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createToken, revokeToken, type CreatedToken } from '../../src/api/auth.js';
import { createRevocationWatch } from '../../src/api/revocation.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { revokeTokenByName } from '../../src/store/repos/tokens.js';
import { TEST_PG_URL } from '../helpers/db.js';
import { apiFixture, testConfig, type ApiFixture } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let f: ApiFixture;
let api: ApiServer;
const CHECK_MS = 250;

beforeAll(async () => {
  f = await apiFixture();
  api = await startApiServer({ config: testConfig({ API_REVOCATION_CHECK_MS: String(CHECK_MS) }), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.close();
  await f?.close();
});

interface OpenSub {
  /** resolves with the close code and the time it arrived */
  closed: Promise<{ code: number; at: number }>;
  ws: WebSocket;
}

/** A graphql-ws connection with one live `alerts` subscription (confirmed by a first event). */
async function openSubscription(token: string): Promise<OpenSub> {
  const ws = new WebSocket(api.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; at: number }>((resolve) => ws.on('close', (code) => resolve({ code, at: performance.now() })));
  const firstEvent = new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { type: string };
      if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alerts { message } }' } }));
      if (msg.type === 'next') resolve();
    });
    ws.on('error', reject);
    ws.on('close', (code) => reject(new Error(`closed early (${code})`)));
  });
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
  // the subscription is live once an alert published now reaches it
  const timer = setInterval(() => f.live.events.publishAlert({ level: 'info', message: 'ping', ts: Date.now() }), 50);
  try {
    await firstEvent;
  } finally {
    clearInterval(timer);
  }
  return { closed, ws };
}

/** `arbstream token revoke <name>` in its own process, on the test's schema; resolves when it printed "revoked". */
function cliRevoke(name: string): Promise<{ revokedAt: number; exit: Promise<number | null> }> {
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('options', `-c search_path=${f.db.schema},public`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'token', 'revoke', name], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (String(d).includes(`revoked "${name}"`)) resolve({ revokedAt: performance.now(), exit });
    });
    void exit.then((code) => reject(new Error(`token revoke exited ${code} without revoking: ${err.slice(0, 2000)}`)));
  });
}

describe('graphql-ws: a revoked token’s sockets close with 4403 within 1 s', () => {
  it('revoked by this process (revokeToken, what the CLI runs): closed at once', async () => {
    const t = await createToken(f.pool, { name: 'ws-inproc', role: 'viewer' });
    const [a, b] = [await openSubscription(t.token), await openSubscription(t.token)];
    const other = await openSubscription(f.viewer.token);
    const t0 = performance.now();
    expect(await revokeToken(f.pool, 'ws-inproc')).toBe(true);
    const [ca, cb] = await Promise.all([a.closed, b.closed]);
    expect([ca.code, cb.code]).toEqual([4403, 4403]);
    const latency = Math.max(ca.at, cb.at) - t0;
    console.log(`revocation latency (graphql-ws, in-process revoke): ${latency.toFixed(1)} ms`);
    expect(latency).toBeLessThan(1000);
    // another token's subscription is untouched
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    other.ws.close();
  });

  it('revoked by another process (`arbstream token revoke` as a child process): closed by the periodic re-check', async () => {
    const t = await createToken(f.pool, { name: 'ws-cli', role: 'operator' });
    const sub = await openSubscription(t.token);
    const { revokedAt, exit } = await cliRevoke('ws-cli');
    const closed = await sub.closed;
    expect(closed.code).toBe(4403);
    const latency = closed.at - revokedAt;
    console.log(`revocation latency (graphql-ws, revoked by the CLI in another process): ${latency.toFixed(1)} ms after its "revoked" line`);
    expect(latency).toBeLessThan(1000);
    expect(await exit).toBe(0);
  }, 60_000);

  it('revoked behind the API’s back (the repository UPDATE only, no in-process signal): closed within 1 s', async () => {
    const t = await createToken(f.pool, { name: 'ws-sql', role: 'viewer' });
    const sub = await openSubscription(t.token);
    const t0 = performance.now();
    expect(await revokeTokenByName(f.pool, 'ws-sql')).toBe(true);
    const closed = await sub.closed;
    const latency = closed.at - t0;
    console.log(`revocation latency (graphql-ws, periodic re-check every ${CHECK_MS} ms): ${latency.toFixed(1)} ms`);
    expect(closed.code).toBe(4403);
    expect(latency).toBeLessThan(1000);
  });
});

describe('SSE: a revoked token’s subscription stream ends', () => {
  async function sseSubscription(token: string) {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'subscription { alerts { message } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return { text, at: performance.now() };
        text += new TextDecoder().decode(value);
      }
    })();
    // live once a published alert arrives
    const timer = setInterval(() => f.live.events.publishAlert({ level: 'info', message: 'ping', ts: Date.now() }), 50);
    try {
      while (!text.includes('ping')) await new Promise((r) => setTimeout(r, 20));
    } finally {
      clearInterval(timer);
    }
    return { ended }; // (wrapped: returning the promise itself would wait for the stream's end)
  }

  for (const how of ['revokeToken (in-process)', 'repository UPDATE (periodic re-check)'] as const) {
    it(`revoked by ${how}: a FORBIDDEN error event, then complete, within 1 s`, async () => {
      const name = how.startsWith('revokeToken') ? 'sse-inproc' : 'sse-sql';
      const t: CreatedToken = await createToken(f.pool, { name, role: 'viewer' });
      const { ended } = await sseSubscription(t.token);
      const t0 = performance.now();
      expect(how.startsWith('revokeToken') ? await revokeToken(f.pool, name) : await revokeTokenByName(f.pool, name)).toBe(true);
      const { text, at } = await ended;
      console.log(`revocation latency (SSE, ${how}): ${(at - t0).toFixed(1)} ms`);
      expect(at - t0).toBeLessThan(1000);
      expect(text).toMatch(/event: next\ndata: \{"errors":\[\{"message":"token revoked","extensions":\{"code":"FORBIDDEN"\}\}\]\}/);
      expect(text).toMatch(/event: complete/);
    });
  }
});

describe('the periodic re-check', () => {
  it('is ONE query for all watched tokens, however many subscriptions each has', async () => {
    const queries: unknown[][] = [];
    const pool = { query: async (_sql: string, params: unknown[]) => (queries.push(params), { rows: [{ token_id: 't1' }, { token_id: 't2' }] }) };
    const watch = createRevocationWatch({ pool: pool as never, intervalMs: 10_000 });
    const closedFor: string[] = [];
    for (const id of ['t1', 't1', 't2', 't3', 't3', 't3']) watch.watch({ tokenId: id, name: `n-${id}`, role: 'viewer' }, () => closedFor.push(id));
    await watch.check();
    expect(queries).toHaveLength(1);
    expect((queries[0]![0] as string[]).sort()).toEqual(['t1', 't2', 't3']);
    expect(closedFor).toEqual(['t3', 't3', 't3']); // t3 is no longer active: each of its subscriptions closed once
    expect(watch.watchedTokens()).toBe(2);
    await watch.check();
    expect(closedFor).toHaveLength(3);
    watch.close();
  });

  it('an unwatched (closed) subscription is no longer checked; nothing watched: no query', async () => {
    let n = 0;
    const pool = { query: async () => (n++, { rows: [] }) };
    const watch = createRevocationWatch({ pool: pool as never, intervalMs: 10_000 });
    const unwatch = watch.watch({ tokenId: 'x', name: 'x', role: 'viewer' }, () => undefined);
    unwatch();
    await watch.check();
    expect(n).toBe(0);
    watch.close();
  });
});
