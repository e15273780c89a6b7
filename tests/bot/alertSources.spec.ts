/**
 * Operational alerts reach the bot: the persister's alert hook (a failed batch, dead-lettered
 * entries) published on the live bus comes out of alertsFromLive as an 'error' alert with its
 * source, and the throttle's dedup key separates sources.
 */
import { describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { z } from 'zod';
import { createLiveEvents } from '../../src/api/events.js';
import { alertKey, alertsFromLive } from '../../src/bot/alerts.js';
import { defineSink, startPersister, type Queryable } from '../../src/store/persister.js';
import { encodeEvent } from '../../src/store/streams/deadletter.js';
import { MemoryStreamLog } from '../../src/store/streams/memory.js';

const sink = defineSink({ stream: 's', table: 'public.t', columns: ['seq', 'entry_id'], conflictKey: ['seq'], schema: z.object({ seq: z.number().int() }), toRow: (e, id) => [e.seq, id] });

describe('operational alerts from the persister', () => {
  it('a failed batch (persister) and a dead-lettered row (dead-letter) reach the bot as alerts', async () => {
    const live = await createLiveEvents({ redis: { mode: 'memory' } });
    const got = firstValueFrom(alertsFromLive(live, { minProfitMicros: 0 }).pipe(take(2), toArray()));
    await new Promise((r) => setTimeout(r, 10)); // let the repeaters subscribe
    const log = new MemoryStreamLog();
    await log.append('s', [1, 2].map((seq) => encodeEvent('ev', { seq })));
    let calls = 0;
    const db: Queryable = {
      query: async (_text, values = []) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }); // transient: the batch is retried
        if (values.includes(2)) throw Object.assign(new Error('value out of range'), { code: '22003' }); // data: dead-lettered
        return { rowCount: values.length / 2 };
      },
    };
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values', retryDelayMs: 10, onAlert: (a) => live.events.publishAlert(a) });
    const alerts = await got;
    await p.stop();
    await log.close();
    await live.close();
    expect(alerts).toEqual([
      expect.objectContaining({ kind: 'error', level: 'warn', source: 'persister', message: expect.stringContaining('connection reset') }),
      expect.objectContaining({ kind: 'error', level: 'critical', source: 'dead-letter', message: expect.stringContaining('1 s entry dead-lettered to s:dead') }),
    ]);
    expect(alertKey(alerts[0]!)).not.toBe(alertKey(alerts[1]!));
  });
});
