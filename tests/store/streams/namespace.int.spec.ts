/**
 * Two environments on ONE real Redis (same db index), told apart only by their namespace
 * (STREAM_PREFIX → config.redis.prefix): what one publishes (live edges, decisions, alerts,
 * kill-switch notices, pair status, feed status; stream entries of every stage; checkpoints) the
 * other never sees, and each one's consumer groups are its own.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.js';
import { createLiveEvents, type LiveEventsHandle, type LiveTopic } from '../../../src/api/events.js';
import { startPersister, type Queryable } from '../../../src/store/persister.js';
import { pipelineSinks, stageStream, STAGES } from '../../../src/store/sinks.js';
import { encodeEvent } from '../../../src/store/streams/deadletter.js';
import { createStreamLog, liveChannelPrefix, type StreamLog } from '../../../src/store/streams/index.js';
import { makeEdge } from '../../api/helpers.js';
import { deleteKeys, REDIS_URL, requireRedis, uniquePrefix } from '../../helpers/redis.js';
import { redisGate } from '../../helpers/gates.js';

const d = (await redisGate()).describe;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOPICS = ['edge', 'decision', 'alert', 'killSwitch', 'pairStatus', 'feedStatus'] as const satisfies readonly LiveTopic[];

interface Env {
  readonly ns: string;
  readonly config: Config;
  readonly live: LiveEventsHandle;
  readonly log: StreamLog;
  /** what this environment's subscribers received, per topic */
  readonly got: Record<(typeof TOPICS)[number], unknown[]>;
}

async function startEnv(ns: string): Promise<Env> {
  const config = loadConfig({ REDIS_URL, STREAM_PREFIX: ns, LOG_LEVEL: 'silent' });
  const live = await createLiveEvents(config);
  const got = Object.fromEntries(TOPICS.map((t) => [t, [] as unknown[]])) as Env['got'];
  for (const t of TOPICS) {
    const sub = live.subscribe(t);
    void (async () => {
      for await (const v of sub) got[t].push(v);
    })();
  }
  return { ns, config, live, log: createStreamLog(config.redis), got };
}

/** Everything an environment publishes live, `tag` in each payload's id/text. */
function publishAll(env: Env, tag: string): void {
  const edge = makeEdge({ edgeId: `edge-${tag}` });
  env.live.events.publishEdge(edge);
  env.live.events.publishDecision({ edge, accepted: false, reasons: ['kill switch'], ts: Date.now() });
  env.live.events.publishAlert({ level: 'critical', message: `alert-${tag}`, ts: Date.now() });
  env.live.events.publishKillSwitch(true, `ops-${tag}`);
  env.live.events.publishPairStatus({ pairId: `pair-${tag}`, status: 'approved', by: `ops-${tag}` });
  env.live.events.publishFeedStatus({ venue: 'kalshi', state: 'closed', reason: `closed-${tag}`, ts: Date.now(), attempt: 0 });
}

const receivedAll = (env: Env) => TOPICS.every((t) => env.got[t].length > 0);

d('namespaces: two environments on one Redis see none of each other', () => {
  const nsA = uniquePrefix('nsa');
  const nsB = uniquePrefix('nsb');
  let a: Env;
  let b: Env;
  let spy: Redis;
  let admin: Redis;
  const channels: string[] = [];

  beforeAll(async () => {
    await requireRedis();
    // every channel of either namespace, as Redis itself routes them
    admin = new Redis(REDIS_URL);
    spy = new Redis(REDIS_URL);
    spy.on('pmessage', (_p: string, channel: string) => channels.push(channel));
    await spy.psubscribe(`${nsA}:*`, `${nsB}:*`);
    [a, b] = await Promise.all([startEnv(nsA), startEnv(nsB)]);
  });
  afterAll(async () => {
    await Promise.allSettled([a?.live.close(), b?.live.close(), a?.log.close(), b?.log.close()]);
    spy?.disconnect();
    admin?.disconnect();
    await deleteKeys(nsA);
    await deleteKeys(nsB);
  });

  it('live events: edges, decisions, alerts, kill-switch notices of one are never delivered to the other', async () => {
    expect(liveChannelPrefix(a.config.redis.prefix)).toBe(`${nsA}:live:`);
    // subscriptions attach asynchronously (SUBSCRIBE round trip): publish until A hears all of its own
    for (let i = 0; i < 100 && !receivedAll(a); i++) {
      publishAll(a, `a${i}`);
      await sleep(50);
    }
    expect(receivedAll(a)).toBe(true);
    await sleep(200); // anything misrouted would have arrived by now
    for (const t of TOPICS) expect(b.got[t], `B received A's ${t}`).toEqual([]);
    expect(b.live.counters.invalid).toBe(0);
    expect(channels.length).toBeGreaterThan(0);
    expect(channels.every((c) => c.startsWith(`${nsA}:live:`))).toBe(true);

    // and the other way round
    const before = Object.fromEntries(TOPICS.map((t) => [t, a.got[t].length]));
    for (let i = 0; i < 100 && !receivedAll(b); i++) {
      publishAll(b, `b${i}`);
      await sleep(50);
    }
    expect(receivedAll(b)).toBe(true);
    await sleep(200);
    for (const t of TOPICS) expect(a.got[t].length, `A received B's ${t}`).toBe(before[t]);
    expect(channels.some((c) => c.startsWith(`${nsB}:live:`))).toBe(true);
  });

  it("stream entries, checkpoints and consumer groups: each environment's are its own", async () => {
    // A: entries in every stage stream, read by its persister group, a checkpoint
    for (const stage of STAGES) {
      const key = stageStream(stage, nsA);
      await a.log.append(key, [1, 2, 3].map((i) => encodeEvent(stage, { i })));
      await a.log.ensureGroup(key, 'persister');
      await a.log.readGroup(key, 'persister', 'persister-a', { count: 2 });
      await a.log.setCheckpoint(key, 'persister', '1-0');
    }
    // B: its persister over the same stages, on its namespace: nothing to read, nothing written
    const queries: string[] = [];
    const pool: Queryable = {
      query: async (text) => {
        queries.push(text);
        return { rowCount: 0 };
      },
    };
    const p = startPersister({ log: b.log, pool, sinks: pipelineSinks(b.config.redis.prefix), consumer: 'persister-b', blockMs: 50, method: 'values' });
    await sleep(300);
    await p.stop();
    expect(queries).toEqual([]);
    expect(p.stats).toMatchObject({ rowsInserted: 0, batches: 0 });
    for (const stage of STAGES) {
      const keyA = stageStream(stage, nsA);
      const keyB = stageStream(stage, nsB);
      expect(keyB.startsWith(`${nsB}:`)).toBe(true);
      expect(await b.log.length(keyB)).toBe(0);
      expect(await b.log.checkpoint(keyB, 'persister')).toBeNull();
      await b.log.ensureGroup(keyB, 'persister');
      expect(await b.log.readGroup(keyB, 'persister', 'persister-b', { count: 10 })).toEqual([]);
      // A's group is untouched by B: same consumers, same pending entries, same checkpoint
      expect(await a.log.pending(keyA, 'persister')).toEqual({ count: 2, consumers: { 'persister-a': 2 } });
      expect((await a.log.consumers(keyA, 'persister')).map((c) => c.name)).toEqual(['persister-a']);
      expect(await a.log.checkpoint(keyA, 'persister')).toBe('1-0');
    }
    // every key either environment created lives in its own namespace
    const keysOf = async (ns: string) => {
      const out: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${ns}*`, 'COUNT', 1000);
        cursor = next;
        out.push(...keys);
      } while (cursor !== '0');
      return out.sort();
    };
    const keysB = await keysOf(nsB);
    expect(keysB).toEqual(STAGES.map((s) => stageStream(s, nsB)).sort());
    const keysA = await keysOf(nsA);
    expect(keysA).toEqual([...STAGES.map((s) => stageStream(s, nsA)), `${nsA}:checkpoints`].sort());
  });
});
