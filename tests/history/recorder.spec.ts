import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { firstValueFrom, from, Subject, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexEntry } from '../../src/history/format.js';
import { recordFrames } from '../../src/history/recorder.js';
import { newReplayCounters, readRecordedFile, replayFrames } from '../../src/history/replaySource.js';
import { createLogger, log, setLogger, type Logger } from '../../src/log.js';
import type { RawFrame } from '../../src/venues/common/types.js';

let dir: string;
let logLines: string[];
let savedLog: Logger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arbstream-rec-'));
  logLines = [];
  savedLog = log;
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  setLogger(createLogger({ level: 'info', destination }));
});
afterEach(() => {
  setLogger(savedLog);
  rmSync(dir, { recursive: true, force: true });
});

/** Deterministic frames of both venues, interleaved, strictly increasing receive times, awkward payloads. */
function makeFrames(n: number, t0 = Date.UTC(2026, 0, 2, 3, 4, 5)): RawFrame[] {
  const out: RawFrame[] = [];
  let ts = t0;
  for (let i = 0; i < n; i++) {
    ts += 1 + (i % 3);
    const venue = i % 5 < 3 ? 'kalshi' : 'polymarket';
    const connId = `${venue}-c${Math.floor(i / 1000)}`;
    if (i % 97 === 0) {
      out.push({ venue, connId, tsReceived: ts, data: Buffer.from([i % 256, 0, 255, 10]).toString('base64'), binary: true });
      continue;
    }
    const data =
      i % 11 === 0
        ? 'PONG'
        : i % 13 === 0
          ? `weird "quotes" \\ back\nslash\r\n tab\t unicode é€😀 \u2028 #${i}`
          : JSON.stringify({ type: 'orderbook_delta', sid: 1, seq: i, msg: { market_ticker: 'KXBTC-26', price_dollars: '0.4500', delta_fp: `${i}.00` } });
    out.push({ venue, connId, tsReceived: ts, data });
  }
  return out;
}

const readIndex = (): IndexEntry[] =>
  readFileSync(join(dir, 'index.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => IndexEntry.parse(JSON.parse(l)));

describe('recordFrames + replayFrames', () => {
  it('records a few thousand frames across rotation and replays them identically', async () => {
    const input = makeFrames(3000);
    const rec = recordFrames(from(input), { dir, rotateBytes: 32 * 1024 });
    const stats = await rec.done;
    expect(stats).toMatchObject({ frames: 3000, errors: 0, dropped: 0 });

    const index = readIndex();
    expect(stats.files).toBe(index.length);
    expect(index.filter((e) => e.venue === 'kalshi').length).toBeGreaterThan(3);
    expect(index.filter((e) => e.venue === 'polymarket').length).toBeGreaterThan(2);
    expect(index.reduce((a, e) => a + e.count, 0)).toBe(3000);
    for (const e of index) {
      expect(e.file).toMatch(/^(kalshi|polymarket)\/20260102-0304\d\d-\d{4}\.jsonl\.gz$/);
      expect(e.firstTs).toBeLessThanOrEqual(e.lastTs);
    }

    const counters = newReplayCounters();
    const out = await firstValueFrom(replayFrames(dir, { counters }).pipe(toArray()));
    expect(out).toEqual(input);
    expect(counters).toMatchObject({ frames: 3000, files: index.length, badLines: 0, badFiles: 0, badIndexLines: 0 });
    // byte for byte: the text of every frame, not just structurally equal
    expect(out.map((f) => f.data).join('\u0000')).toBe(input.map((f) => f.data).join('\u0000'));
  });

  it('rotates by receive time', async () => {
    const input = makeFrames(600); // about 1200 ms of receive time
    await recordFrames(from(input), { dir, rotateMs: 100 }).done;
    const index = readIndex();
    expect(index.length).toBeGreaterThan(15);
    for (const e of index) expect(e.lastTs - e.firstTs).toBeLessThan(100);
    expect(await firstValueFrom(replayFrames(dir).pipe(toArray()))).toEqual(input);
  });

  it('stop() mid-stream closes valid files with what was received', async () => {
    const input = makeFrames(500);
    const src = new Subject<RawFrame>();
    const rec = recordFrames(src, { dir, rotateBytes: 8 * 1024 });
    input.slice(0, 300).forEach((f) => src.next(f));
    const stats = await rec.stop();
    input.slice(300).forEach((f) => src.next(f)); // after stop: not recorded
    expect(stats.frames).toBe(300);
    expect(await rec.done).toBe(stats);
    expect(await firstValueFrom(replayFrames(dir).pipe(toArray()))).toEqual(input.slice(0, 300));
  });

  it('flushes periodically: a session that crashed without stop() is readable up to the last flush', async () => {
    const input = makeFrames(100).map((f) => ({ ...f, venue: 'kalshi' as const }));
    const src = new Subject<RawFrame>();
    const rec = recordFrames(src, { dir, flushMs: 20 });
    input.forEach((f) => src.next(f));
    const file = () => readdirSync(join(dir, 'kalshi'))[0]!;
    const readBack = async () => {
      const got: RawFrame[] = [];
      for await (const f of readRecordedFile(join(dir, 'kalshi', file()))) got.push(f);
      return got;
    };
    // no stop(), no gzip trailer, no index entry: as after a crash
    let got: RawFrame[] = [];
    for (let i = 0; i < 200 && got.length < 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
      got = await readBack();
    }
    expect(got).toEqual(input);
    await rec.stop();
  });

  it('filters by venue and receive time window [from, to)', async () => {
    const input = makeFrames(1000);
    await recordFrames(from(input), { dir, rotateBytes: 16 * 1024 }).done;
    const fromTs = input[200]!.tsReceived;
    const toTs = input[700]!.tsReceived;
    const out = await firstValueFrom(replayFrames(dir, { venue: 'polymarket', from: fromTs, to: toTs }).pipe(toArray()));
    expect(out).toEqual(input.slice(200, 700).filter((f) => f.venue === 'polymarket'));
  });

  it('merges venues by receive time when they were recorded out of step', async () => {
    const a = makeFrames(200).map((f) => ({ ...f, venue: 'kalshi' as const }));
    const b = makeFrames(200, a[0]!.tsReceived - 50).map((f) => ({ ...f, venue: 'polymarket' as const, tsReceived: f.tsReceived + 0.5 }));
    await recordFrames(from([...a, ...b]), { dir }).done; // all of kalshi first, then all of polymarket
    const out = await firstValueFrom(replayFrames(dir).pipe(toArray()));
    expect(out).toHaveLength(400);
    expect(out.every((f, i) => i === 0 || f.tsReceived >= out[i - 1]!.tsReceived)).toBe(true);
    expect(out.filter((f) => f.venue === 'kalshi')).toEqual(a);
    expect(out.filter((f) => f.venue === 'polymarket')).toEqual(b);
  });

  it('a truncated last line and a gzip stream cut short are reported, and the rest replays', async () => {
    const input = makeFrames(2000);
    await recordFrames(from(input), { dir, rotateBytes: 32 * 1024 }).done;
    const index = readIndex();
    const kalshiFiles = index.filter((e) => e.venue === 'kalshi');
    const cutLine = kalshiFiles[0]!;
    const cutGzip = kalshiFiles[1]!;
    const framesOf = async (file: string) => {
      const fs: RawFrame[] = [];
      for await (const f of readRecordedFile(join(dir, file))) fs.push(f);
      return fs;
    };
    const cutLineFrames = await framesOf(cutLine.file);
    const cutGzipFrames = await framesOf(cutGzip.file);

    // crash mid-write 1: the last line is half written (gzip itself valid)
    const text = gunzipSync(readFileSync(join(dir, cutLine.file))).toString('utf8');
    const lastNl = text.lastIndexOf('\n', text.length - 2);
    writeFileSync(join(dir, cutLine.file), gzipSync(text.slice(0, lastNl + 1 + 25)));
    // crash mid-write 2: the compressed file stops in the middle (no gzip trailer)
    const gz = readFileSync(join(dir, cutGzip.file));
    writeFileSync(join(dir, cutGzip.file), gz.subarray(0, Math.floor(gz.length * 0.6)));

    const counters = newReplayCounters();
    const out = await firstValueFrom(replayFrames(dir, { counters }).pipe(toArray()));

    expect(counters.badLines).toBeGreaterThanOrEqual(1);
    expect(counters.badFiles).toBe(1);
    expect(logLines.some((l) => l.includes('truncated last line') && l.includes(cutLine.file))).toBe(true);
    expect(logLines.some((l) => l.includes('cut short') && l.includes(cutGzip.file))).toBe(true);

    // what survived of the cut gzip file is a prefix of it
    const key = (f: RawFrame) => `${f.venue}|${f.tsReceived}`;
    const cutKeys = new Set(cutGzipFrames.map(key));
    const recovered = out.filter((f) => cutKeys.has(key(f)));
    expect(recovered).toEqual(cutGzipFrames.slice(0, recovered.length));
    expect(recovered.length).toBeLessThan(cutGzipFrames.length);
    // everything else is there, in order, except the half-written line
    const lost = key(cutLineFrames.at(-1)!);
    expect(out.filter((f) => !cutKeys.has(key(f)))).toEqual(input.filter((f) => !cutKeys.has(key(f)) && key(f) !== lost));
  });

  it('replays files missing from the index (crashed session) and survives a bad index line', async () => {
    const input = makeFrames(800);
    await recordFrames(from(input), { dir, rotateBytes: 16 * 1024 }).done;
    const lines = readFileSync(join(dir, 'index.jsonl'), 'utf8').split('\n').filter(Boolean);
    // drop the last two entries (never written) and add garbage
    writeFileSync(join(dir, 'index.jsonl'), [...lines.slice(0, -2), '{"file": 42', ''].join('\n'));
    const counters = newReplayCounters();
    const out = await firstValueFrom(replayFrames(dir, { counters }).pipe(toArray()));
    expect(out).toEqual(input);
    expect(counters.badIndexLines).toBe(1);
    expect(logLines.filter((l) => l.includes('not in the index')).length).toBe(2);
  });

  it('a bad line in the middle of a file is skipped and counted', async () => {
    const input = makeFrames(50).filter((f) => f.venue === 'kalshi');
    await recordFrames(from(input), { dir }).done;
    const [entry] = readIndex();
    const lines = gunzipSync(readFileSync(join(dir, entry!.file))).toString('utf8').split('\n');
    lines.splice(5, 0, '{"venue":"kalshi","connId":"x","tsReceived":"not a number","data":""}', 'garbage');
    writeFileSync(join(dir, entry!.file), gzipSync(lines.join('\n')));
    const counters = newReplayCounters();
    const out = await firstValueFrom(replayFrames(dir, { counters }).pipe(toArray()));
    expect(out).toEqual(input);
    expect(counters.badLines).toBe(2);
  });

  it('paced replay (speed) emits the same frames; unsubscribing stops it', async () => {
    const input = makeFrames(100);
    await recordFrames(from(input), { dir }).done;
    expect(await firstValueFrom(replayFrames(dir, { speed: 1000 }).pipe(toArray()))).toEqual(input);
    expect(await firstValueFrom(replayFrames(dir, { speed: 1000 }).pipe(take(10), toArray()))).toEqual(input.slice(0, 10));
  });

  it('an empty recording replays nothing; a missing one errors clearly', async () => {
    await recordFrames(from([]), { dir }).done;
    expect(readdirSync(dir)).toEqual([]);
    expect(await firstValueFrom(replayFrames(dir).pipe(toArray()))).toEqual([]);
    await expect(firstValueFrom(replayFrames(join(dir, 'nope')).pipe(toArray()))).rejects.toThrow(/no recording at/);
  });
});
