/**
 * Abuse suite against a real API server (HTTP on loopback, PostgreSQL-backed tokens): each
 * hostile request is refused with the right status and `extensions.code`, and nothing internal
 * (SQL, stack, table names) leaks to the client.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../src/api/auth.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { apiFixture, gqlFetch, insertPair, testConfig, type ApiFixture } from './helpers.js';

let f: ApiFixture;
let api: ApiServer;
const MAX_BODY = 4096;
beforeAll(async () => {
  f = await apiFixture();
  await insertPair(f.pool);
  api = await startApiServer({ config: testConfig({ API_MAX_BODY_BYTES: String(MAX_BODY) }), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.close();
  await f?.close();
});

const post = (token: string | undefined, query: string, variables?: Record<string, unknown>) => gqlFetch(fetch, api.url, token, query, variables);
const code = (r: Awaited<ReturnType<typeof post>>) => r.body?.errors?.[0]?.extensions?.code;
/** Nothing that looks like SQL, a stack frame, a file path or a table name. */
const expectNoLeak = (text: string) => {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|node_modules|SELECT |relation "|column |lead_lag|lag_ms|postgres|stack/i);
};

describe('API abuse', () => {
  it('no token, a malformed token, an unknown token: 401 UNAUTHENTICATED', async () => {
    for (const t of [undefined, 'nonsense', 'arb_' + 'A'.repeat(43)]) {
      const r = await post(t, '{ me { name } }');
      expect(r.status).toBe(401);
      expect(code(r)).toBe('UNAUTHENTICATED');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(r.body?.data).toBeUndefined();
    }
    const get = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ me { name } }')}`, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(401);
  });

  it('GraphiQL page is served without a token (operations still need one)', async () => {
    const r = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('arbstream GraphQL');
    expect(html).toContain('Authorization');
  });

  it('revoked token: 401 from the next request on', async () => {
    const t = await createToken(f.pool, { name: 'temp', role: 'operator' });
    expect((await post(t.token, '{ me { name } }')).status).toBe(200);
    expect(await revokeToken(f.pool, 'temp')).toBe(true);
    const r = await post(t.token, '{ me { name } }');
    expect(r.status).toBe(401);
    expect(code(r)).toBe('UNAUTHENTICATED');
  });

  it('viewer calling a mutation: FORBIDDEN, nothing changed, attempt audited', async () => {
    const r = await post(f.viewer.token, 'mutation { setKillSwitch(on: true) { on } }');
    expect(code(r)).toBe('FORBIDDEN');
    expect(r.body?.data).toBeNull();
    const rows = await f.pool.query("SELECT count(*) AS n FROM risk_state WHERE key = 'kill_switch'");
    expect(rows.rows[0].n).toBe(0);
    const audit = await f.pool.query("SELECT token_name, result FROM audit_log WHERE action = 'setKillSwitch'");
    expect(audit.rows).toEqual([{ token_name: 'api:vera-viewer', result: 'forbidden' }]);
    const approve = await post(f.viewer.token, 'mutation { approvePair(pairId: "btc-100k") { status } }');
    expect(code(approve)).toBe('FORBIDDEN');
    expect((await f.pool.query("SELECT status FROM market_pairs WHERE pair_id = 'btc-100k'")).rows[0].status).toBe('pending');
  });

  it('50-deep query: refused (QUERY_TOO_DEEP) before any resolver runs', async () => {
    let sel = 'pairId';
    for (let i = 0; i < 25; i++) sel = `polyMarket { pairs { ${sel} } }`;
    const r = await post(f.viewer.token, `{ pairs { ${sel} } }`);
    expect(code(r)).toBe('QUERY_TOO_DEEP');
    expect(r.body?.data ?? null).toBeNull();
    expectNoLeak(r.text);
  });

  it('alias bomb: refused (TOO_MANY_ALIASES)', async () => {
    const q = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: killSwitch { on }`).join(' ')} }`;
    const r = await f.gql(f.viewer.token, q); // yoga.fetch: bigger than this server's 4 KB body limit
    expect(code(r)).toBe('TOO_MANY_ALIASES');
    const small = await post(f.viewer.token, `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: killSwitch { on }`).join(' ')} }`);
    expect(code(small)).toBe('TOO_MANY_ALIASES');
    expect(r.body?.data ?? null).toBeNull();
  });

  it('token bomb and directive bomb: refused', async () => {
    const tokens = await f.gql(f.viewer.token, `{ ${'me { name } '.repeat(1000)} }`);
    expect(code(tokens)).toBe('TOO_MANY_TOKENS');
    const directives = await post(f.viewer.token, `{ me ${'@include(if: true) '.repeat(60)} { name } }`);
    expect(['TOO_MANY_DIRECTIVES', 'TOO_MANY_TOKENS']).toContain(code(directives));
  });

  it('unknown fields get no suggestions (schema not leaked)', async () => {
    const r = await post(f.viewer.token, '{ killSwitc { on } }');
    expect(code(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.text).not.toMatch(/did you mean/i);
  });

  it('huge body: 413, with or without Content-Length', async () => {
    const big = JSON.stringify({ query: '{ me { name } }', variables: { pad: 'x'.repeat(100_000) } });
    const withLength = await post(f.viewer.token, '{ me { name } }', { pad: 'x'.repeat(100_000) });
    expect(withLength.status).toBe(413);
    expect(code(withLength)).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${f.viewer.token}`, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 1000) req.write(big.slice(i, i + 1000));
      req.end();
    });
    expect(chunked).toBe(413);
    // a body within the limit still works
    expect((await post(f.viewer.token, '{ me { name } }')).status).toBe(200);
  });

  it('internal errors are masked: no SQL, no stack, logged server-side only', async () => {
    // a column (not the table): a renamed table could resolve to public.lead_lag through search_path
    await f.pool.query('ALTER TABLE lead_lag RENAME COLUMN lag_ms TO lag_ms_moved');
    try {
      const r = await post(f.viewer.token, '{ leadLag(pairId: "btc-100k") { lagMs } }');
      expect(r.body?.errors?.[0]?.message, r.text).toBe('Unexpected error.');
      expect(r.body?.errors?.[0]?.extensions?.stack).toBeUndefined();
      expectNoLeak(r.text);
    } finally {
      await f.pool.query('ALTER TABLE lead_lag RENAME COLUMN lag_ms_moved TO lag_ms');
    }
  });

  it('rate limit per token: 429 RATE_LIMITED with Retry-After; other tokens unaffected', async () => {
    const limited = await startApiServer({ config: testConfig({ API_RATE_LIMIT_PER_MIN: '5' }), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
    try {
      const call = (t: string) => gqlFetch(fetch, limited.url, t, '{ me { name } }');
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await call(f.viewer.token)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const r = await call(f.viewer.token);
      expect(code(r)).toBe('RATE_LIMITED');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await call(f.operator.token)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
