/**
 * NODE_ENV=production on the API (issue 11 point 4; the HTTP basics are in tests/health.int.spec.ts):
 * GraphiQL off unless API_GRAPHIQL=true; introspection (`__schema` and `__type`) for admins only,
 * over HTTP and over graphql-ws; API_INTROSPECTION=all restores it for everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { createApi } from '../../src/api/yoga.js';
import { apiFixture, gqlFetch, testConfig, type ApiFixture } from './helpers.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await apiFixture({ NODE_ENV: 'production' });
});
afterAll(async () => {
  await f?.close();
});

const graphiqlPage = async (env: Record<string, string>) => {
  const yoga = createApi({ config: testConfig(env), pool: f.pool, live: f.live });
  return (await yoga.fetch('http://test/graphql', { headers: { accept: 'text/html' } })).text();
};

describe('GraphiQL', () => {
  it('off in production', async () => {
    expect(f.config.api.graphiql).toBe(false);
    expect(await graphiqlPage({ NODE_ENV: 'production' })).not.toMatch(/graphiql/i);
  });
  it('on in production when API_GRAPHIQL=true; on outside production', async () => {
    expect(await graphiqlPage({ NODE_ENV: 'production', API_GRAPHIQL: 'true' })).toMatch(/graphiql/i);
    expect(await graphiqlPage({ NODE_ENV: 'development' })).toMatch(/graphiql/i);
  });
});

describe('introspection in production: admins only', () => {
  const queries = ['{ __schema { queryType { name } } }', '{ __type(name: "Pair") { name } }'];

  it('HTTP: refused for viewer and operator (INTROSPECTION_DISABLED), allowed for admin; ordinary __typename still works', async () => {
    for (const q of queries) {
      for (const t of [f.viewer, f.operator]) {
        const r = await f.gql(t.token, q);
        expect(r.body?.data ?? null, `${t.role} ${q}`).toBeNull();
        expect(r.body?.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
      }
      const admin = await f.gql(f.admin.token, q);
      expect(admin.body?.errors, q).toBeUndefined();
    }
    expect((await f.gql(f.viewer.token, '{ __typename me { name } }')).body?.data).toEqual({ __typename: 'Query', me: { name: 'vera-viewer' } });
  });

  it('API_INTROSPECTION=all: allowed for everyone in production', async () => {
    const yoga = createApi({ config: testConfig({ NODE_ENV: 'production', API_INTROSPECTION: 'all' }), pool: f.pool, live: f.live });
    const r = await gqlFetch((u, i) => yoga.fetch(u, i), 'http://test', f.viewer.token, queries[0]!);
    expect(r.body?.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  describe('graphql-ws', () => {
    let api: ApiServer;
    beforeAll(async () => {
      api = await startApiServer({ config: f.config, pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await api?.close();
    });
    const overWs = (token: string, query: string) =>
      new Promise<{ type: string; payload?: unknown }>((resolve, reject) => {
        const ws = new WebSocket(api.wsUrl, 'graphql-transport-ws');
        ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
        ws.on('message', (raw) => {
          const msg = JSON.parse(String(raw)) as { type: string; payload?: unknown };
          if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
          else if (msg.type === 'error' || msg.type === 'next') {
            ws.close();
            resolve(msg);
          }
        });
        ws.on('error', reject);
      });

    it('refused for a viewer, allowed for an admin', async () => {
      const viewer = await overWs(f.viewer.token, queries[0]!);
      expect(viewer.type).toBe('error');
      expect(JSON.stringify(viewer.payload)).toMatch(/INTROSPECTION_DISABLED/);
      const admin = await overWs(f.admin.token, queries[0]!);
      expect(admin).toEqual({ id: '1', type: 'next', payload: { data: { __schema: { queryType: { name: 'Query' } } } } });
    });
  });
});
