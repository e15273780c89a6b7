/**
 * `arbstream demo` (the default `npm start`), `arbstream run` (live venues), `arbstream record`
 * (raw frames to disk) and `arbstream replay` (a recording through the same pipeline, virtual time).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { of, type Subscription } from 'rxjs';
import { approvedPairs$, mergePairSources } from '../matching/pairs.js';
import { loadConfig, type Config } from '../config.js';
import path from 'node:path';
import { pino } from 'pino';
import { createLogger, log, setLogger } from '../log.js';
import { openDb } from '../store/db/index.js';
import { createStreamLog } from '../store/streams/index.js';
import { loadPairsFile, pairsFromFile$ } from '../pairs/file.js';
import { formatScaled } from '../../schema/money.js';
import { startRecording } from '../app/record.js';
import { runLive } from '../../pipelines/live.js';
import { feeBookFromMeta, outputLines, readRecordingMeta, recordedFrames, streamReplay, type ReplayStats, type StreamReplay } from '../../pipelines/replay.js';
import { bookRowsSource } from '../history/bookSource.js';
import { FeeBook } from '../fees/schedule.js';
import { startDemo } from '../demo/run.js';
import { startScreen } from '../demo/table.js';
import { metrics } from '../metrics.js';
import { usageSummary } from '../matching/cost.js';
import { startSimulation } from '../demo/simulate.js';
import { FAULTS_HELP, parseFaultSpec, type FaultSpec } from '../demo/faults.js';
import { EdgeTable } from '../demo/table.js';
import { startAppServices } from '../app/serve.js';
import { createToken } from '../api/auth.js';

/**
 * Resolves on the first SIGINT/SIGTERM (the caller stops cleanly); a second one while stopping
 * forces the exit at once (130 for SIGINT, 143 for SIGTERM), whatever is still draining.
 *
 * One Ctrl-C can arrive more than once: the terminal signals the whole foreground process group
 * (npm, tsx or bin/arbstream.js, and this process), and the wrapper forwards it again (tsx does when
 * this process does not acknowledge within 30 ms, which happens under load). A repeat within
 * {@link SAME_KEYPRESS_MS} of the first is that same keypress, not the operator's second Ctrl-C.
 */
export interface SignalTarget {
  on(sig: NodeJS.Signals, f: (sig: NodeJS.Signals) => void): unknown;
  once(sig: NodeJS.Signals, f: (sig: NodeJS.Signals) => void): unknown;
  off(sig: NodeJS.Signals, f: (sig: NodeJS.Signals) => void): unknown;
}

/** repeats of a signal closer than this to the first are one delivery (see {@link untilSignal}) */
export const SAME_KEYPRESS_MS = 750;

export function untilSignal(proc: SignalTarget = process, exit: (code: number) => void = (c) => process.exit(c), now: () => number = () => performance.now()): Promise<string> {
  return new Promise((resolve) => {
    const first = (sig: NodeJS.Signals): void => {
      proc.off('SIGINT', first);
      proc.off('SIGTERM', first);
      const at = now();
      const force = (again: NodeJS.Signals): void => {
        if (now() - at < SAME_KEYPRESS_MS) return; // the same Ctrl-C delivered twice
        proc.off('SIGINT', force);
        proc.off('SIGTERM', force);
        if (process.stdout.isTTY) process.stdout.write('\x1b[?25h'); // the table hid the cursor
        process.stderr.write(`\n${again} again: forcing exit without a clean shutdown\n`);
        exit(again === 'SIGINT' ? 130 : 143);
      };
      proc.on('SIGINT', force);
      proc.on('SIGTERM', force);
      if (process.stderr.isTTY) process.stderr.write(`\nstopping (${sig}); press Ctrl-C again to force\n`);
      resolve(sig);
    };
    proc.on('SIGINT', first);
    proc.on('SIGTERM', first);
  });
}

/** `--seconds n`: resolves 'timeout' after n seconds; the timer is cleared by `cancel` so that nothing keeps the process alive. */
function stopAfter(seconds: string | undefined): { done: Promise<string>; cancel(): void } {
  if (!seconds) return { done: new Promise<string>(() => undefined), cancel: () => undefined };
  const n = Number(seconds);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--seconds must be a positive number, got ${seconds}`);
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), n * 1000)));
  return { done, cancel: () => clearTimeout(timer) };
}

/** Approved pairs: the matcher's (database, polled) merged with the pairs file's manual overrides. */
function livePairs$(config: Config, pool: import('pg').Pool) {
  const file$ = config.venues.pairsFile ? pairsFromFile$(config.venues.pairsFile, { watch: true }) : of([] as const);
  return mergePairSources(file$, approvedPairs$(pool, { pollMs: 5000 }));
}

function pairsFileOrExit(config: Config): string {
  if (!config.venues.pairsFile) throw new Error('PAIRS_FILE is not set: point it at a pairs file (see README "Pairs file"); the matcher fills pairs in the database later');
  return config.venues.pairsFile;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('one-command demo: embedded DB, venue simulators with planted arbitrages, live pipeline, live edge table')
    .option('--no-table', 'log instead of drawing the terminal table')
    .option('--seconds <n>', 'stop after n seconds (default: run until Ctrl-C)')
    .action(async (opts: { table: boolean; seconds?: string }) => {
      const config = loadConfig();
      const tty = opts.table && process.stdout.isTTY === true;
      // while the table is drawn in place, log lines go to a file (they would scroll it away)
      const logFile = tty ? path.resolve(config.db.mode === 'embedded' ? path.dirname(path.resolve(config.db.dataDir)) : './data', 'demo.log') : undefined;
      if (logFile) setLogger(createLogger({ level: config.logLevel, destination: pino.destination({ dest: logFile, mkdir: true, sync: false }) }));
      const table = new EdgeTable();
      const demo = await startDemo({ config, api: true, onOutputs: (out) => table.follow(out.edges$, out.decisions$, out.feed$) });
      if (demo.live.execution) table.followExecutions(demo.live.execution.executions$, demo.live.execution.positions$);
      const token = await createToken(demo.db.pool, { name: `demo-operator-${Date.now()}`, role: 'operator' });
      const banner = demo.services.api ? `dashboard ${demo.services.api.url}/  GraphiQL ${demo.services.api.url}/graphql  demo operator token: ${token.token}` : '';
      table.banner = logFile ? `${banner}\nlogs: ${logFile}` : banner;
      const screen = tty ? startScreen(table) : undefined;
      const timer = tty ? undefined : setInterval(() => console.log(table.render() + '\n'), 5000);
      const after = stopAfter(opts.seconds);
      const why = await Promise.race([untilSignal(), after.done]);
      after.cancel();
      clearInterval(timer);
      screen?.stop();
      table.stop();
      console.log(`\nstopping (${why}); persisted so far: ${JSON.stringify(demo.live.persister?.stats ?? {})}`);
      await demo.stop();
    });

  program
    .command('simulate')
    .description('run both venue simulators with the demo scenario on their own; prints the environment that points run/record/match at them')
    .option('--dir <dir>', 'where to write the simulator key and pairs file', './data/simulate')
    .option('--seconds <n>', 'stop after n seconds (default: until Ctrl-C)')
    .option('--faults <spec>', 'inject faults, e.g. kalshi:gap@5s,polymarket:stall@10s+8s (syntax below)', (v: string) => {
      try {
        return parseFaultSpec(v);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    })
    .addHelpText('after', `\n${FAULTS_HELP}`)
    .action(async (opts: { dir: string; seconds?: string; faults?: FaultSpec[] }) => {
      const sim = await startSimulation({ dir: opts.dir, ...(opts.faults ? { faults: opts.faults } : {}) });
      console.log(Object.entries(sim.env).map(([k, v]) => `export ${k}='${v}'`).join('\n'));
      const after = stopAfter(opts.seconds);
      log.info({ why: await Promise.race([untilSignal(), after.done]) }, 'stopping the simulators');
      after.cancel();
      await sim.stop();
    });

  program
    .command('run')
    .description('live pipeline against the configured venues (approved pairs from the matcher, plus PAIRS_FILE overrides)')
    .action(async () => {
      const config = loadConfig();
      const db = await openDb(config.db);
      const streamLog = createStreamLog(config.redis);
      const services = await startAppServices(config, db.pool, { api: true });
      const live = await runLive({ config, pool: db.pool, streamLog, pairs$: livePairs$(config, db.pool), control: services.control, sink: services.live.events });
      const detachMetrics = [metrics.instrumentLive(live), metrics.instrumentEvents(services.live), metrics.instrumentLlmUsage(() => usageSummary(db.pool), config.llm.dailyBudgetMicros)];
      const sub = live.outputs.decisions$.subscribe((d) => {
        if (d.accepted) log.info({ pairId: d.edge.pairId, direction: d.edge.direction, size: formatScaled(d.edge.sizeQty, 0), netEdge: formatScaled(d.edge.netEdgePerContractMicros), profit: formatScaled(d.edge.profitMicros) }, 'edge accepted');
      });
      log.info({ signal: await untilSignal() }, 'stopping');
      sub.unsubscribe();
      for (const d of detachMetrics) d();
      await live.stop();
      await services.stop();
      await streamLog.close();
      await db.close();
    });

  program
    .command('record')
    .description('record the raw frames of the pairs\' markets (gzip JSONL + index) for byte-for-byte replay')
    .requiredOption('--dir <dir>', 'output directory')
    .action(async (opts: { dir: string }) => {
      const config = loadConfig();
      const pairs = loadPairsFile(pairsFileOrExit(config));
      mkdirSync(opts.dir, { recursive: true });
      const rec = await startRecording({ config, pairs, dir: opts.dir });
      log.info({ dir: opts.dir, signal: await untilSignal() }, 'stopping the recorder');
      console.log(JSON.stringify(await rec.stop()));
    });

  program
    .command('replay')
    .description('replay a recording (or stored books) through the same pipeline on virtual time, streaming; prints the decisions')
    .option('--dir <dir>', 'recording directory (with meta.json)')
    .option('--books', 'replay the books stored in the database (book_depth) instead; pairs from PAIRS_FILE, default fee schedules')
    .option('--from <time>', 'first receive time (ISO 8601 or unix ms)')
    .option('--to <time>', 'end receive time, exclusive (ISO 8601 or unix ms)')
    .option('--out <file>', 'write every output (edges, decisions, lead-lag, tops, depth) as JSON lines')
    .option('--chunk <n>', 'frames per synchronous chunk', '10000')
    .action(async (opts: { dir?: string; books?: boolean; from?: string; to?: string; out?: string; chunk: string }) => {
      const time = (v: string | undefined, name: string): number | undefined => {
        if (v === undefined) return undefined;
        const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
        if (!Number.isFinite(t)) throw new InvalidArgumentError(`--${name}: not a time: ${v}`);
        return t;
      };
      const from = time(opts.from, 'from');
      const to = time(opts.to, 'to');
      const chunkSize = Number(opts.chunk);
      if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new InvalidArgumentError(`--chunk: a positive integer, got ${opts.chunk}`);
      if (!opts.books && !opts.dir) throw new InvalidArgumentError('give --dir <recording> or --books');
      const config = loadConfig();
      let db: Awaited<ReturnType<typeof openDb>> | undefined;
      let r: StreamReplay;
      if (opts.books) {
        if (from === undefined || to === undefined) throw new InvalidArgumentError('--books needs --from and --to');
        db = await openDb(config.db);
        const pairs = loadPairsFile(pairsFileOrExit(config));
        const markets = pairs.flatMap((p) => p.legs.map((l) => ({ venue: l.venue, marketId: l.marketId })));
        r = streamReplay({ bookEvents: bookRowsSource(db.pool, { from, to, markets }), pairs, markets: [], feeBook: FeeBook.withDefaults(), risk: config.risk, chunkSize });
      } else {
        const dir = opts.dir!;
        const meta = readRecordingMeta(dir);
        r = streamReplay({ frames: recordedFrames(dir, { ...(from !== undefined && { from }), ...(to !== undefined && { to }) }), pairs: meta.pairs, markets: meta.markets, feeBook: feeBookFromMeta(meta), risk: config.risk, chunkSize });
      }
      const subs: Subscription[] = [];
      const out = opts.out ? createWriteStream(opts.out) : undefined;
      // the graph runs synchronously per chunk: lines are buffered and written once per chunk
      let buffered: string[] = [];
      if (out) subs.push(outputLines(r.outputs, (l) => buffered.push(l)));
      let n = 0;
      subs.push(r.outputs.decisions$.subscribe((d) => {
        n++;
        if (!out) console.log(`${new Date(d.ts).toISOString()} ${d.edge.pairId} ${d.edge.direction} size ${formatScaled(d.edge.sizeQty, 0)} net ${formatScaled(d.edge.netEdgePerContractMicros)}/ct ${d.accepted ? 'accepted' : 'rejected: ' + d.reasons.join('; ')}`);
      }));
      const flush = async (): Promise<void> => {
        if (!out || !buffered.length) return;
        const text = buffered.join('\n') + '\n';
        buffered = [];
        if (!out.write(text)) await new Promise<void>((res) => out.once('drain', () => res()));
      };
      const started = performance.now();
      let stats: ReplayStats;
      try {
        const timer = setInterval(() => void flush(), 1000);
        stats = await r.run();
        clearInterval(timer);
        await flush();
      } finally {
        subs.forEach((s) => s.unsubscribe());
        if (out) await new Promise<void>((res) => out.end(() => res()));
        await db?.close();
      }
      const secs = (performance.now() - started) / 1000;
      const span = (stats.lastTs ?? 0) - (stats.firstTs ?? 0);
      console.log(`${stats.frames} frames, ${stats.inputEvents} stored books, ${stats.bookEvents} book events, ${n} decisions, ${stats.late} out of order; ${secs.toFixed(1)} s (${Math.round(stats.bookEvents / secs)} events/s, ${Math.round(span / 1000 / secs)}× real time)`);
    });
}
