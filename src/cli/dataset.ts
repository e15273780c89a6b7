/**
 * `arbstream dataset export --from <iso> --to <iso> [--venue v] [--market id,id] [--kind recording,books,history]
 *  [--recording DIR] --out data/` and `arbstream dataset import --in data/`: recorded sessions,
 * stored books and backfilled history as Parquet files `data/<venue>/<YYYY-MM>/<market>_<YYYYMMDD>.parquet`
 * (src/datasets/). Files or lines that cannot be read are listed at the end and the exit code is 1.
 */
import type { Command } from 'commander';
import { VenueId, type Venue } from '../../schema/venue.js';
import { exportDataset } from '../datasets/export.js';
import { importDataset } from '../datasets/import.js';
import { KIND_GROUPS, type KindGroup } from '../datasets/kinds.js';
import { problemLine, type DatasetProblem } from '../datasets/problems.js';
import { withDb } from './withDb.js';

interface CommonOpts {
  from?: string;
  to?: string;
  venue?: string;
  market?: string;
  kind?: string;
}

const parseTime = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new Error(`--${name}: expected an ISO date/time, got "${v}"`);
  return t;
};
const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

function filters(o: CommonOpts): { from?: number; to?: number; venues?: Venue[]; markets?: string[] } {
  const from = parseTime('from', o.from);
  const to = parseTime('to', o.to);
  if (from !== undefined && to !== undefined && !(to > from)) throw new Error('--to must be after --from');
  const venues = list(o.venue)?.map((v) => {
    const r = VenueId.safeParse(v);
    if (!r.success) throw new Error(`--venue: unknown venue "${v}" (known: ${VenueId.options.join(', ')})`);
    return r.data;
  });
  const markets = list(o.market);
  return { ...(from !== undefined && { from }), ...(to !== undefined && { to }), ...(venues && { venues }), ...(markets && { markets }) };
}

function reportProblems(problems: readonly DatasetProblem[]): void {
  if (!problems.length) return;
  console.log(`\n${problems.length} problem(s), skipped:`);
  for (const p of problems) console.log(`  ${problemLine(p)}`);
  process.exitCode = 1;
}

export function register(program: Command): void {
  const cmd = program.command('dataset').description('Parquet datasets: export recordings, books and history; import them back');
  cmd
    .command('export')
    .description('write data/<venue>/<YYYY-MM>/<market>_<YYYYMMDD>.parquet (existing files are merged: the exported kinds and range replaced)')
    .requiredOption('--from <iso>', 'start (ISO date/time, inclusive)')
    .requiredOption('--to <iso>', 'end (ISO date/time, exclusive)')
    .option('--venue <v,v>', 'only these venues')
    .option('--market <id,id>', 'only these market ids')
    .option('--kind <k,k>', `what to export: ${KIND_GROUPS.join(', ')} (default: recording with --recording, else books,history)`)
    .option('--recording <dir>', 'recording directory of `arbstream record`')
    .option('--out <dir>', 'dataset root', 'data')
    .action(async (o: CommonOpts & { recording?: string; out: string }) => {
      const f = filters(o);
      const kinds = list(o.kind)?.map((k) => {
        if (!(KIND_GROUPS as readonly string[]).includes(k)) throw new Error(`--kind: expected ${KIND_GROUPS.join(', ')}, got "${k}"`);
        return k as KindGroup;
      }) ?? (o.recording ? ['recording' as const] : ['books' as const, 'history' as const]);
      const run = async (pool?: import('pg').Pool) => {
        const r = await exportDataset({ ...f, kinds, out: o.out, ...(o.recording && { recording: o.recording }), ...(pool && { pool }) });
        for (const [kind, n] of Object.entries(r.rows)) console.log(`${kind}: ${n} row(s)`);
        for (const t of r.missingTables) console.log(`${t}: not in the database, skipped`);
        console.log(`${r.files.length} file(s) written under ${o.out}`);
        reportProblems(r.problems);
      };
      if (kinds.some((k) => k !== 'recording')) await withDb((db) => run(db.pool));
      else await run();
    });
  cmd
    .command('import')
    .description('load a dataset\'s books and history into the database (idempotent: a second import adds nothing)')
    .option('--in <dir>', 'dataset root', 'data')
    .option('--from <iso>', 'start (ISO date/time, inclusive)')
    .option('--to <iso>', 'end (ISO date/time, exclusive)')
    .option('--venue <v,v>', 'only these venues')
    .option('--market <id,id>', 'only these market ids')
    .option('--kind <k,k>', 'only these kinds (books, depth, prices, candles, trades)')
    .action(async (o: CommonOpts & { in: string }) => {
      const f = filters(o);
      const kinds = list(o.kind);
      await withDb(async (db) => {
        const r = await importDataset({ ...f, in: o.in, pool: db.pool, ...(kinds && { kinds }) });
        console.log(`${r.files} file(s) read from ${o.in}`);
        for (const [kind, n] of Object.entries(r.inserted)) console.log(`${kind}: ${n} row(s) added, ${r.present[kind] ?? 0} already present`);
        if (r.recordingRows) console.log(`recording: ${r.recordingRows} frame row(s) left in the dataset (replay reads them from the files)`);
        reportProblems(r.problems);
      });
    });
}
