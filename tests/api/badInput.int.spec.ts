/**
 * Hostile arguments (issue 11 point 3): NUL bytes, lone surrogates, huge strings, values of the
 * wrong type, out-of-range ints, malformed cursors and dates are BAD_USER_INPUT with a clear
 * message, never INTERNAL_SERVER_ERROR; and EVERY refused mutation leaves an audit row, whatever
 * its arguments, with the arguments stored safely (NUL escaped, size capped). Real PostgreSQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditArgs, assertStorableStrings } from '../../src/api/input.js';
import { apiFixture, insertPair, type ApiFixture, type GqlResult } from './helpers.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await apiFixture();
  await insertPair(f.pool);
});
afterAll(async () => {
  await f?.close();
});

const code = (r: GqlResult) => r.body?.errors?.[0]?.extensions?.code;
const message = (r: GqlResult) => r.body?.errors?.[0]?.message ?? '';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
type AuditRow = { token_name: string; action: string; args: Record<string, unknown>; result: string };
const auditRows = async () => (await f.pool.query('SELECT token_name, action, args, result FROM audit_log ORDER BY id')).rows as AuditRow[];

describe('every refused mutation is audited, whatever its arguments', () => {
  beforeEach(async () => {
    await f.pool.query('DELETE FROM audit_log');
  });
  const approve = 'mutation($p: ID!) { approvePair(pairId: $p) { pairId } }';

  it('a NUL byte, viewer: FORBIDDEN, audited `forbidden` with the NUL escaped', async () => {
    const r = await f.gql(f.viewer.token, approve, { p: 'btc\u0000-100k' });
    expect(code(r)).toBe('FORBIDDEN');
    expect(await auditRows()).toEqual([{ token_name: 'api:vera-viewer', action: 'approvePair', args: { pairId: 'btc\\0-100k' }, result: 'forbidden' }]);
  });

  it('a NUL byte, operator: BAD_USER_INPUT naming the argument, audited', async () => {
    const r = await f.gql(f.operator.token, approve, { p: 'btc\u0000-100k' });
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(message(r)).toBe('pairId: NUL bytes (\\u0000) are not allowed');
    expect(await auditRows()).toEqual([{ token_name: 'api:otto-operator', action: 'approvePair', args: { pairId: 'btc\\0-100k' }, result: 'error: BAD_USER_INPUT' }]);
  });

  it('a lone surrogate: BAD_USER_INPUT, audited with U+FFFD in its place', async () => {
    const r = await f.gql(f.operator.token, 'mutation($p: ID!, $r: String!) { rejectPair(pairId: $p, reason: $r) { pairId } }', { p: 'btc-100k', r: 'bad \ud800 text' });
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(message(r)).toMatch(/^reason: not valid Unicode/);
    expect(await auditRows()).toEqual([{ token_name: 'api:otto-operator', action: 'rejectPair', args: { pairId: 'btc-100k', reason: 'bad \ufffd text' }, result: 'error: BAD_USER_INPUT' }]);
  });

  it('a huge string: BAD_USER_INPUT, the audit row is capped', async () => {
    const r = await f.gql(f.operator.token, 'mutation($p: ID!, $r: String!) { rejectPair(pairId: $p, reason: $r) { pairId } }', { p: 'btc-100k', r: 'x'.repeat(50_000) });
    expect(code(r)).toBe('BAD_USER_INPUT');
    const [row] = await auditRows();
    expect(row).toMatchObject({ action: 'rejectPair', result: 'error: BAD_USER_INPUT' });
    expect(row!.args.reason).toBe(`${'x'.repeat(500)}…(50000 chars)`);
    expect(JSON.stringify(row!.args).length).toBeLessThan(700);
  });

  it('a variable of the wrong type (before any resolver): BAD_USER_INPUT, audited with the raw value', async () => {
    const r = await f.gql(f.operator.token, 'mutation($o: Boolean!) { setKillSwitch(on: $o) { on } }', { o: 'yes\u0000' });
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(await auditRows()).toEqual([{ token_name: 'api:otto-operator', action: 'setKillSwitch', args: { on: 'yes\\0' }, result: 'error: BAD_USER_INPUT' }]);
  });

  it('a literal of the wrong type and an out-of-range Int (validation): BAD_USER_INPUT, audited, also for a viewer', async () => {
    const lit = await f.gql(f.viewer.token, 'mutation { setKillSwitch(on: "yes") { on } }');
    expect(code(lit)).toBe('BAD_USER_INPUT');
    const big = await f.gql(f.admin.token, 'mutation($n: Int) { setRiskLimits(input: { maxBookAgeMs: $n }) { maxBookAgeMs } }', { n: 99_999_999_999 });
    expect(code(big)).toBe('BAD_USER_INPUT');
    expect(message(big)).toMatch(/Int cannot represent non 32-bit signed integer value/);
    const bigMicros = await f.gql(f.admin.token, 'mutation { setRiskLimits(input: { minProfitMicros: "99999999999999999999" }) { minProfitMicros } }');
    expect(code(bigMicros)).toBe('BAD_USER_INPUT');
    expect(await auditRows()).toEqual([
      { token_name: 'api:vera-viewer', action: 'setKillSwitch', args: { on: 'yes' }, result: 'error: BAD_USER_INPUT' },
      { token_name: 'api:ada-admin', action: 'setRiskLimits', args: { input: { maxBookAgeMs: 99_999_999_999 } }, result: 'error: BAD_USER_INPUT' },
      { token_name: 'api:ada-admin', action: 'setRiskLimits', args: { input: { minProfitMicros: '99999999999999999999' } }, result: 'error: BAD_USER_INPUT' },
    ]);
  });

  it('an unknown argument: refused (validation) and audited', async () => {
    const r = await f.gql(f.operator.token, 'mutation { approvePair(pairId: "btc-100k", force: true) { pairId } }');
    expect(code(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await auditRows()).toEqual([{ token_name: 'api:otto-operator', action: 'approvePair', args: { pairId: 'btc-100k', force: true }, result: 'error: GRAPHQL_VALIDATION_FAILED' }]);
  });

  it('an accepted mutation is audited once (`ok`), not also as refused', async () => {
    const r = await f.gql(f.operator.token, 'mutation { setKillSwitch(on: false) { on } }');
    expect(r.body?.errors).toBeUndefined();
    expect((await auditRows()).map((x) => [x.action, x.result])).toEqual([['setKillSwitch', 'ok']]);
  });
});

describe('bad input in queries: BAD_USER_INPUT with a clear message, never INTERNAL_SERVER_ERROR', () => {
  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['NUL in an ID', 'query($s: ID!) { pair(pairId: $s) { pairId } }', { s: 'a\u0000' }, /^pairId: NUL bytes/],
    ['NUL in a search string', 'query($s: String) { markets(search: $s) { marketId } }', { s: 'btc\u0000' }, /^search: NUL bytes/],
    ['lone surrogate in a search string', 'query($s: String) { markets(search: $s) { marketId } }', { s: '\udc00btc' }, /^search: not valid Unicode/],
    ['NUL in a filter', 'query($p: ID) { edges(filter: { pairId: $p }) { pageInfo { hasNextPage } } }', { p: '\u0000' }, /^filter\.pairId: NUL bytes/],
    ['cursor: not base64url', 'query($a: String) { edges(after: $a) { pageInfo { hasNextPage } } }', { a: '!!!' }, /invalid cursor/],
    ['cursor: not JSON', 'query($a: String) { edges(after: $a) { pageInfo { hasNextPage } } }', { a: 'bm90IGpzb24' }, /invalid cursor/],
    ['cursor: a timestamp PostgreSQL refuses', 'query($a: String) { edges(after: $a) { pageInfo { hasNextPage } } }', { a: b64(['TS_DESC', '1', 'e-1']) }, /invalid cursor/],
    ['cursor: Feb 30', 'query($a: String) { edges(after: $a) { pageInfo { hasNextPage } } }', { a: b64(['TS_DESC', '2025-02-30T00:00:00.000000Z', 'e-1']) }, /invalid cursor/],
    ['cursor: NUL in the edge id', 'query($a: String) { edges(after: $a) { pageInfo { hasNextPage } } }', { a: b64(['TS_DESC', '2025-01-01T00:00:00.000000Z', 'e\u0000']) }, /invalid cursor/],
    ['cursor: a huge number', 'query($a: String) { edges(after: $a, orderBy: NET_EDGE_DESC) { pageInfo { hasNextPage } } }', { a: b64(['NET_EDGE_DESC', '2025-01-01T00:00:00.000000Z', 'e', 1e300]) }, /invalid cursor/],
    ['cursor: from another orderBy', 'query($a: String) { edges(after: $a, orderBy: NET_EDGE_DESC) { pageInfo { hasNextPage } } }', { a: b64(['TS_DESC', '2025-01-01T00:00:00.000000Z', 'e']) }, /comes from orderBy TS_DESC/],
    ['date: Feb 30', 'query($d: DateTime) { llmUsage(since: $d) { provider } }', { d: '2025-02-30T00:00:00Z' }, /DateTime must be an ISO-8601/],
    ['date: 24:00', 'query($d: DateTime) { llmUsage(since: $d) { provider } }', { d: '2025-01-31T24:00:00Z' }, /DateTime must be an ISO-8601/],
    ['date: year 0', 'query($d: DateTime) { llmUsage(since: $d) { provider } }', { d: '0000-01-01T00:00:00Z' }, /DateTime must be an ISO-8601/],
    ['date: no time zone', 'query($d: DateTime) { llmUsage(since: $d) { provider } }', { d: '2025-01-31T12:00:00' }, /DateTime must be an ISO-8601/],
    ['date: a number', 'query($d: DateTime) { llmUsage(since: $d) { provider } }', { d: 1_700_000_000_000 }, /DateTime must be an ISO-8601/],
    ['date literal: garbage', 'query { edges(filter: { since: "yesterday" }) { pageInfo { hasNextPage } } }', {}, /DateTime must be an ISO-8601/],
    ['Int out of range (variable)', 'query($n: Int) { topEdges(limit: $n) { edgeId } }', { n: 2 ** 31 }, /Int cannot represent non 32-bit/],
    ['Int out of range (literal)', 'query { topEdges(limit: 99999999999) { edgeId } }', {}, /Int cannot represent non 32-bit/],
    ['Int out of the argument range', 'query { topEdges(limit: 100000) { edgeId } }', {}, /^limit: /],
    ['Micros beyond 2^53', 'query($m: Micros) { edges(filter: { minNetEdgeMicros: $m }) { pageInfo { hasNextPage } } }', { m: '99999999999999999999' }, /Micros must be an integer/],
    ['a string for an Int', 'query($n: Int) { topEdges(limit: $n) { edgeId } }', { n: 'ten' }, /Int cannot represent non-integer value/],
  ];
  for (const [name, query, variables, re] of cases) {
    it(name, async () => {
      const r = await f.gql(f.viewer.token, query, variables);
      expect(code(r), r.text).toBe('BAD_USER_INPUT');
      expect(message(r)).toMatch(re);
      expect(r.text).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
    });
  }

  it('a cursor the API returned still works', async () => {
    const first = await f.gql(f.viewer.token, '{ edges(first: 1) { pageInfo { endCursor } } }');
    const cursor = (first.body!.data!.edges as { pageInfo: { endCursor: string | null } }).pageInfo.endCursor ?? b64(['TS_DESC', '2025-01-01T00:00:00.123456Z', 'e-1']);
    const next = await f.gql(f.viewer.token, 'query($a: String) { edges(after: $a) { pageInfo { hasNextPage } } }', { a: cursor });
    expect(next.body?.errors).toBeUndefined();
  });
});

describe('input helpers (unit)', () => {
  it('assertStorableStrings names the path, keys included', () => {
    expect(() => assertStorableStrings({ a: [{ b: 'x\u0000' }] })).toThrow('a.0.b: NUL bytes (\\u0000) are not allowed');
    expect(() => assertStorableStrings({ ['k\u0000']: 1 })).toThrow('(key): NUL bytes');
    expect(() => assertStorableStrings({ ok: 'emoji 😀 fine', d: new Date(0), n: 1 })).not.toThrow();
  });

  it('auditArgs: any value in, bounded valid JSON out', () => {
    expect(auditArgs({ s: 'a\u0000b', u: 'x\ud800', n: Number.NaN, big: 10n, d: new Date(0), f: () => 1, und: undefined })).toEqual({
      s: 'a\\0b', u: 'x\ufffd', n: 'NaN', big: '10', d: '1970-01-01T00:00:00.000Z', f: '<function>',
    });
    expect(auditArgs('plain')).toEqual({ value: 'plain' });
    const deep = auditArgs(JSON.parse('['.repeat(1000) + ']'.repeat(1000)) as unknown);
    expect(JSON.stringify(deep)).toMatch(/too deep/);
    const wide = auditArgs({ list: Array.from({ length: 10_000 }, (_, i) => `item-${i}`) });
    expect((wide.list as unknown[]).length).toBe(51);
    const huge = auditArgs(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'y'.repeat(400)])));
    expect(huge).toMatchObject({ truncated: true });
    expect(JSON.stringify(huge).length).toBeLessThan(4500);
  });
});
