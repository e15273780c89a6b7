/**
 * graphql-ws fan-out through a real server (PostgreSQL for tokens; in-process events): identical
 * subscriptions share one execution, different variables do not, filters hold per subscriber,
 * and one subscriber completing leaves the others running.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { apiFixture, makeEdge, type ApiFixture } from './helpers.js';

let f: ApiFixture;
let api: ApiServer;
const clients: Client[] = [];
beforeAll(async () => {
  f = await apiFixture();
  api = await startApiServer({ config: f.config, pool: f.pool, events: f.live, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await api?.close();
  await f?.close();
});

type Got = { edgeAdded: { edgeId: string; netEdgePerContract: string } };

describe('graphql-ws fan-out', () => {
  it('identical subscriptions share one execution; filters and completion stay per subscriber', async () => {
    const client = () => {
      const c = createClient({ url: api.wsUrl, webSocketImpl: WebSocket, connectionParams: { token: f.viewer.token }, retryAttempts: 0 });
      clients.push(c);
      return c;
    };
    const Q = 'subscription($min: Micros) { edgeAdded(minNetEdgeMicros: $min) { edgeId netEdgePerContract } }';
    const big1 = client().iterate<Got>({ query: Q, variables: { min: 10_000 } });
    const big2 = client().iterate<Got>({ query: Q, variables: { min: 10_000 } });
    const all = client().iterate<Got>({ query: Q, variables: { min: null } });
    const firsts = [big1.next(), big2.next(), all.next()];
    // subscriptions attach asynchronously (token lookup): publish until each has its first result
    let n = 0;
    const timer = setInterval(() => {
      f.live.events.publishEdge(makeEdge({ edgeId: `small-${n}`, netEdgePerContractMicros: 1 }));
      f.live.events.publishEdge(makeEdge({ edgeId: `warm-${n++}` }));
    }, 100);
    try {
      const [a, b, c] = await Promise.all(firsts);
      expect(a!.value!.data!.edgeAdded.edgeId).toMatch(/^warm-/);
      expect(b!.value!.data!.edgeAdded.edgeId).toMatch(/^warm-/);
      expect(c!.value!.data!.edgeAdded.edgeId).toMatch(/^(small|warm)-/);
    } finally {
      clearInterval(timer);
    }
    expect(api.subscriptionStats()).toMatchObject({ executions: 2, subscribers: 3 });

    await big1.return?.();
    // the server sees the completion asynchronously
    for (let i = 0; i < 50 && api.subscriptionStats().subscribers > 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(api.subscriptionStats()).toMatchObject({ executions: 2, subscribers: 2 });

    f.live.events.publishEdge(makeEdge({ edgeId: 'final', netEdgePerContractMicros: 50_000 }));
    const until = async (it: AsyncIterator<{ data?: Got | null }>, id: string): Promise<Got['edgeAdded']> => {
      for (;;) {
        const r = await it.next();
        if (r.done) throw new Error('ended');
        if (r.value.data!.edgeAdded.edgeId === id) return r.value.data!.edgeAdded;
      }
    };
    expect(await until(big2, 'final')).toEqual({ edgeId: 'final', netEdgePerContract: '0.050000' });
    expect(await until(all, 'final')).toEqual({ edgeId: 'final', netEdgePerContract: '0.050000' });
    await big2.return?.();
    await all.return?.();
  });
});
