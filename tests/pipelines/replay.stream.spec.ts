/**
 * Streaming replay (pipelines/replay.ts streamReplay): the same frames give byte-identical outputs
 * (edges, decisions, lead-lag, sampled books as JSON lines) whatever the chunk size, the source's
 * I/O timing, or whether they come from memory (replayPipeline) or from a recording on disk.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { BookEvent } from '../../schema/book.js';
import { loadConfig } from '../../src/config.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { encodeFrame, fileStamp } from '../../src/history/format.js';
import { recordedFrames } from '../../src/history/replaySource.js';
import { syntheticFrames, syntheticUniverse, type SyntheticOptions } from '../../src/history/syntheticFrames.js';
import type { RawFrame } from '../../src/venues/common/types.js';
import { outputLines, replayPipeline, streamReplay, type ReplayInput } from '../../pipelines/replay.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });
const t0 = Date.UTC(2026, 5, 1);
const opts: SyntheticOptions = { pairs: 6, fromMs: t0, toMs: t0 + 40 * 60_000, ratePerMarketPerHour: 400, seed: 7, arbEvery: 2 };
const { pairs, markets } = syntheticUniverse(opts);
const frames = [...syntheticFrames(opts)];
const leadLag = { stepMs: 10_000, windowsMs: [600_000], maxLagSteps: 3, emitEverySteps: 6, minSamples: 5 };
const graph = { pairs, markets, feeBook: FeeBook.withDefaults(), risk: { ...config.risk, maxBookAgeMs: 3_600_000, maxSkewMs: 3_600_000 }, leadLag };

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function* slowly<T>(xs: readonly T[]): AsyncGenerator<T> {
  for (let i = 0; i < xs.length; i++) {
    if (i % 97 === 0) await new Promise((r) => setTimeout(r, 1));
    yield xs[i]!;
  }
}

const streamed = async (input: ReplayInput, chunkSize?: number): Promise<{ text: string; stats: unknown }> => {
  const r = streamReplay({ ...graph, ...input, ...(chunkSize && { chunkSize }) });
  const lines: string[] = [];
  const sub = outputLines(r.outputs, (l) => lines.push(l));
  const stats = await r.run();
  sub.unsubscribe();
  return { text: lines.join('\n') + '\n', stats };
};

describe('streamReplay', () => {
  it('two runs, any chunking and source timing, give byte-identical JSON lines, with edges, decisions and lead-lag in them', async () => {
    const a = await streamed({ frames: slowly(frames) });
    const b = await streamed({ frames: slowly(frames) }, 7);
    const c = await streamed({ frames }, 1);
    expect(Buffer.from(b.text).equals(Buffer.from(a.text))).toBe(true);
    expect(Buffer.from(c.text).equals(Buffer.from(a.text))).toBe(true);
    const stages = new Map<string, number>();
    for (const l of a.text.trim().split('\n')) {
      const s = (JSON.parse(l) as { stage: string }).stage;
      stages.set(s, (stages.get(s) ?? 0) + 1);
    }
    for (const s of ['edges', 'decisions', 'leadLag', 'tops', 'depth']) expect(stages.get(s) ?? 0, s).toBeGreaterThan(0);
    expect(a.stats).toMatchObject({ frames: frames.length, late: 0, unknownVenue: 0, firstTs: frames[0]!.tsReceived, lastTs: frames.at(-1)!.tsReceived });
  });

  it('gives the same bytes as the in-memory replayPipeline and as the same frames read from a recording on disk', async () => {
    const a = await streamed({ frames: slowly(frames) });
    const r = replayPipeline({ ...graph, frames });
    const lines: string[] = [];
    outputLines(r.outputs, (l) => lines.push(l));
    r.run();
    expect(lines.join('\n') + '\n' === a.text).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'replay-stream-'));
    dirs.push(dir);
    for (const venue of ['polymarket', 'kalshi'] as const) {
      const mine = frames.filter((f) => f.venue === venue);
      const half = Math.floor(mine.length / 2);
      mkdirSync(join(dir, venue));
      // two files per venue, as the recorder rotates them
      [mine.slice(0, half), mine.slice(half)].forEach((part, i) =>
        writeFileSync(join(dir, venue, `${fileStamp(part[0]!.tsReceived)}-000${i}.jsonl.gz`), gzipSync(part.map(encodeFrame).join('\n') + '\n')));
    }
    // a recording merges the venues with ties (same ms) polymarket first: the same input order as here
    const rank = (f: RawFrame) => (f.venue === 'polymarket' ? 0 : 1);
    const ordered = [...frames].sort((x, y) => x.tsReceived - y.tsReceived || rank(x) - rank(y));
    const d = await streamed({ frames: recordedFrames(dir) }, 100);
    const o = await streamed({ frames: ordered });
    expect(d.text === o.text).toBe(true);
  });

  it('frames out of receive order are delivered at the clock\'s time and counted; book events go into the same graph', async () => {
    const swapped: RawFrame[] = [...frames];
    const k = swapped.length - 10;
    swapped[k] = { ...swapped[k]!, tsReceived: swapped[k]!.tsReceived - 60_000 };
    const { stats } = await streamed({ frames: swapped });
    expect(stats).toMatchObject({ late: 1 });

    const ev: BookEvent[] = [
      { kind: 'snapshot', venue: 'polymarket', marketId: pairs[0]!.legs[0].marketId, tsVenue: t0, tsReceived: t0, ladders: { yesBid: [{ price: 380_000, qty: 5_000_000 }], yesAsk: [{ price: 400_000, qty: 5_000_000 }], noBid: [{ price: 580_000, qty: 5_000_000 }], noAsk: [{ price: 620_000, qty: 5_000_000 }] } },
      { kind: 'snapshot', venue: 'kalshi', marketId: pairs[0]!.legs[1].marketId, tsVenue: t0 + 5, tsReceived: t0 + 5, ladders: { yesBid: [{ price: 470_000, qty: 5_000_000 }], yesAsk: [{ price: 490_000, qty: 5_000_000 }], noBid: [{ price: 510_000, qty: 5_000_000 }], noAsk: [{ price: 530_000, qty: 5_000_000 }] } },
    ];
    const e = await streamed({ bookEvents: slowly(ev) });
    expect(e.stats).toMatchObject({ frames: 0, inputEvents: 2, bookEvents: 2 });
    // YES on Polymarket at 0.40 + NO on Kalshi at 0.53 < 1: the planted edge comes out
    expect(e.text).toContain('"stage":"edges"');
  });
});
