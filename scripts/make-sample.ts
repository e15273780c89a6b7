/**
 * Makes the shipped sample dataset, data/sample/ (issue 13, point 6): three hours of both venue
 * simulators serving the demo scenario with planted arbitrage episodes, lookalikes, a YES↔NO
 * pair, a lead-lag pair, random-walk fillers and a Kalshi feed outage (src/demo/sampleSession.ts).
 *
 *   npx tsx scripts/make-sample.ts [--out data/sample] [--no-parquet]
 *
 * Writes <out>/pairs.json (pairs-file format) and <out>/recording/ exactly as `arbstream record`
 * lays a recording out: meta.json (pairs as loaded from the pairs file, the feeds' subscriptions
 * and fee schedules from the simulators' REST, as `startRecording` fetches them) and the frames
 * through the recorder's own writer (gzip JSONL, hourly files per venue, index.jsonl).
 * The frames are generated on a virtual clock, not received over sockets (see the module
 * comment of src/demo/sampleSession.ts). Then <out>/parquet/ is the same recording as a Parquet
 * dataset (`arbstream dataset export`, src/datasets/export.ts: <venue>/<YYYY-MM>/<market>_<YYYYMMDD>.parquet
 * plus meta.json). Deterministic: two runs give byte-identical files.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { from } from 'rxjs';
import { loadConfig } from '../src/config.js';
import { buildSampleScenario, sampleFrames, SAMPLE_DAY_MS, SAMPLE_DURATION_MS, SAMPLE_SEED, SAMPLE_START_MS } from '../src/demo/sampleSession.js';
import { exportDataset } from '../src/datasets/export.js';
import { FeeBook } from '../src/fees/schedule.js';
import { refreshFees, type VenueFeeSource } from '../src/fees/refresher.js';
import { writeRecordingMeta } from '../src/history/meta.js';
import { recordFrames } from '../src/history/recorder.js';
import { INDEX_FILE } from '../src/history/format.js';
import { legMarkets } from '../src/app/marketSubscriptions.js';
import { loadPairsFile } from '../src/pairs/file.js';
import { perVenue, venueList } from '../src/venues/registry.js';
import type { VenueSimulator } from '../src/venues/venue.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'data/sample' }, 'no-parquet': { type: 'boolean', default: false } } });
const out = path.resolve(values.out);
const recDir = path.join(out, 'recording');
const parquetDir = path.join(out, 'parquet');
for (const d of [recDir, parquetDir]) if (existsSync(d)) rmSync(d, { recursive: true });
mkdirSync(recDir, { recursive: true });

const sample = buildSampleScenario();

// the pairs file, in the documented format (src/pairs/file.ts), and the pairs as `record` loads them
const pairsFile = path.join(out, 'pairs.json');
const entries = sample.pairs.map(({ resolutionTs, source: _s, humanReviewed: _h, ...p }) => ({ ...p, resolution: new Date(resolutionTs).toISOString() }));
writeFileSync(pairsFile, JSON.stringify({ pairs: entries }, null, 2) + '\n');
const pairs = loadPairsFile(pairsFile);

// meta.json as startRecording (src/app/record.ts) writes it, against the simulators' REST at the session's start
const sims: VenueSimulator[] = [];
try {
  const scenarios = { polymarket: { markets: sample.polyMarkets }, kalshi: { markets: sample.kalshiMarkets, series: sample.scenario.kalshiSeries } };
  for (const v of venueList) sims.push(await v.simulator.start({ seed: SAMPLE_SEED, scenario: scenarios[v.id], rateHz: 0, baseTimeMs: SAMPLE_DAY_MS }));
  const config = sims.reduce((c, s) => s.configure(c), loadConfig({}));
  const rests = perVenue((v) => v.rest(config));
  const sources: VenueFeeSource[] = [];
  for (const [venue, ids] of legMarkets(pairs)) sources.push({ venue, rest: rests[venue], markets: await rests[venue].marketMeta(ids) });
  const feeBook = FeeBook.withDefaults();
  await refreshFees(feeBook, sources, SAMPLE_START_MS);
  const markets = sources.flatMap((s) => s.markets);
  writeRecordingMeta(recDir, {
    pairs,
    markets: markets.map(({ venue, marketId, feedRef }) => ({ venue, marketId, feedRef })),
    feeSchedules: feeBook.all(),
    marketRefs: markets.map((m) => ({ venue: m.venue, ...feeBook.marketRef(m.venue, m.marketId) })),
  });
} finally {
  await Promise.allSettled(sims.map((s) => s.stop()));
}

// the frames, through the recorder (no timed flushes: the files are closed at the end)
const rec = recordFrames(from(sampleFrames(sample)), { dir: recDir, flushMs: 0 });
const stats = await rec.done;
// files are closed concurrently, so index lines land in completion order: sort them by file for identical reruns
const indexPath = path.join(recDir, INDEX_FILE);
const lines = readFileSync(indexPath, 'utf8').split('\n').filter(Boolean).sort();
writeFileSync(indexPath, lines.join('\n') + '\n');
process.stdout.write(`${JSON.stringify({ dir: recDir, ...stats })}\n`);

if (!values['no-parquet']) {
  const r = await exportDataset({ out: parquetDir, recording: recDir, kinds: ['recording'], from: SAMPLE_START_MS, to: SAMPLE_START_MS + SAMPLE_DURATION_MS });
  process.stdout.write(`${JSON.stringify({ dir: parquetDir, rows: r.rows, files: r.files.length, problems: r.problems.length })}\n`);
  if (r.problems.length) process.exitCode = 1;
}
