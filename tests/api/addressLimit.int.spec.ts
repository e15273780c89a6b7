/**
 * Requests without a valid token are rate limited per client address BEFORE any token lookup
 * (issue 11 point 3): after the limit, 429 RATE_LIMITED with Retry-After and the token
 * repository is not queried (queries counted on a wrapped pool), over HTTP and for graphql-ws
 * `connection_init` (close 4429). The address map is bounded.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addressKey, createAddressLimiter } from '../../src/api/addressLimit.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { createApi, type ApiYoga } from '../../src/api/yoga.js';
import { apiFixture, gqlFetch, testConfig, type ApiFixture } from './helpers.js';

const UNAUTH_PER_MIN = 20;
const FAILURES_PER_MIN = 5;
const limits = { API_UNAUTH_RATE_LIMIT_PER_MIN: String(UNAUTH_PER_MIN), API_AUTH_FAILURES_PER_MIN: String(FAILURES_PER_MIN) };
const unknownToken = (i: number) => 'arb_' + String(i).padStart(43, 'x');

let f: ApiFixture;
let tokenQueries = 0;
let counted: pg.Pool;

beforeAll(async () => {
  f = await apiFixture();
  // the pool the API sees: counts every query on api_tokens (token lookups)
  counted = new Proxy(f.pool, {
    get(target, key) {
      if (key === 'query') {
        return (...args: unknown[]) => {
          const sql = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string } | undefined)?.text);
          if (/api_tokens/.test(sql)) tokenQueries++;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
});
afterAll(async () => {
  await f?.close();
});

describe('HTTP: per client address, before any token lookup', () => {
  let yoga: ApiYoga;
  const from = (address: string, token: string | undefined) =>
    gqlFetch((u, i) => yoga.fetch(u, i, { remoteAddress: address }), 'http://test', token, '{ me { name } }');
  beforeAll(() => {
    yoga = createApi({ config: testConfig(limits), pool: counted, live: f.live });
  });

  it(`well-formed unknown tokens: ${FAILURES_PER_MIN} lookups (401), then 429 with Retry-After and no more lookups`, async () => {
    const before = tokenQueries;
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 30; i++) {
      last = await from('203.0.113.7', unknownToken(i));
      statuses.push(last.status);
    }
    expect(statuses.slice(0, FAILURES_PER_MIN)).toEqual(Array(FAILURES_PER_MIN).fill(401));
    expect(statuses.slice(FAILURES_PER_MIN)).toEqual(Array(30 - FAILURES_PER_MIN).fill(429));
    expect(tokenQueries - before).toBe(FAILURES_PER_MIN);
    expect(last!.body?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // a valid token from that address is refused too while it is blocked (brute-force cap), without a lookup
    const valid = await from('203.0.113.7', f.viewer.token);
    expect(valid.status).toBe(429);
    expect(tokenQueries - before).toBe(FAILURES_PER_MIN);
  });

  it(`no token or a malformed one: ${UNAUTH_PER_MIN} × 401, then 429 (never a lookup)`, async () => {
    const before = tokenQueries;
    const statuses: number[] = [];
    for (let i = 0; i < UNAUTH_PER_MIN + 10; i++) statuses.push((await from('198.51.100.9', i % 2 ? undefined : 'garbage')).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(UNAUTH_PER_MIN);
    expect(statuses.slice(UNAUTH_PER_MIN)).toEqual(Array(10).fill(429));
    expect(tokenQueries - before).toBe(0);
  });

  it('other addresses are not affected; a valid token works', async () => {
    expect((await from('192.0.2.1', unknownToken(99))).status).toBe(401);
    const ok = await from('192.0.2.2', f.viewer.token);
    expect(ok.status).toBe(200);
    expect(ok.body?.data).toEqual({ me: { name: 'vera-viewer' } });
  });

  it('IPv6: one /64 is one client; IPv4-mapped addresses count as IPv4', async () => {
    for (let i = 0; i < FAILURES_PER_MIN; i++) expect((await from(`2001:db8:1:2::${i + 1}`, unknownToken(i))).status).toBe(401);
    expect((await from('2001:db8:1:2:ffff::9', unknownToken(7))).status).toBe(429);
    expect((await from('2001:db8:1:3::1', unknownToken(8))).status).toBe(401);
    expect((await from('::ffff:203.0.113.7', unknownToken(9))).status).toBe(429); // = 203.0.113.7, blocked above
  });
});

describe('graphql-ws connection_init: the same limits (close 4429 before any lookup)', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer({ config: testConfig(limits), pool: counted, events: f.live, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await api?.close();
  });
  const closeCode = (payload: Record<string, unknown>) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(api.wsUrl, 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload })));
      ws.on('close', (code) => resolve(code));
      ws.on('error', reject);
    });

  it(`bad tokens: ${FAILURES_PER_MIN} × 4401 (looked up), then 4429 without a lookup`, async () => {
    const before = tokenQueries;
    const codes: number[] = [];
    for (let i = 0; i < FAILURES_PER_MIN + 5; i++) codes.push(await closeCode({ token: unknownToken(i) }));
    expect(codes).toEqual([...Array(FAILURES_PER_MIN).fill(4401), ...Array(5).fill(4429)]);
    expect(tokenQueries - before).toBe(FAILURES_PER_MIN);
  });

  it('HTTP and graphql-ws share the address budget: the blocked address gets 429 over HTTP too', async () => {
    const r = await gqlFetch(fetch, api.url, unknownToken(1), '{ me { name } }');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('the address limiter (unit)', () => {
  it('refills over time; Retry-After is the time to the next slot', () => {
    let t = 0;
    const l = createAddressLimiter({ unauthPerMin: 60, failuresPerMin: 6, now: () => t });
    for (let i = 0; i < 6; i++) {
      expect(l.wait('a', true)).toBe(0);
      l.refused('a', true);
    }
    expect(l.wait('a', true)).toBe(10_000); // 6 per minute: one slot every 10 s
    t += 4_000;
    expect(l.wait('a', true)).toBe(6_000);
    t += 6_000;
    expect(l.wait('a', true)).toBe(0);
    expect(l.wait('a', false)).toBe(0); // 54 of 60 left for requests without a token
  });

  it('the map stays bounded (least recently seen addresses go first) and forgets full buckets', () => {
    let t = 0;
    const l = createAddressLimiter({ unauthPerMin: 60, failuresPerMin: 1, maxAddresses: 100, now: () => t });
    for (let i = 0; i < 10_000; i++) l.refused(`10.0.${i >> 8}.${i & 255}`, true);
    expect(l.size()).toBe(100);
    expect(l.wait('10.0.39.15', true)).toBeGreaterThan(0); // the last one (9999) is still tracked
    t += 120_000; // everything refilled
    expect(l.wait('10.0.39.15', true)).toBe(0);
    expect(l.size()).toBe(99);
  });

  it('address keys', () => {
    expect(addressKey(undefined)).toBe('unknown');
    expect(addressKey('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(addressKey('2001:DB8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
