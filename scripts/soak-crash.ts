/**
 * The SIGKILL soak of execution crash recovery (issue 12, point 4): every crash point of
 * tests/execution/crashPoints.ts × N runs. A child process (live Kalshi and Polymarket brokers
 * against simulators in this process, executor on a fresh PostgreSQL schema) takes a decision and
 * is SIGKILLed at the point; the next child recovers; the venues' positions and order counts are
 * checked (tests/execution/crashHarness.ts). Prints a table; exits 1 when any run failed.
 *
 *   npx tsx scripts/soak-crash.ts [--runs 50] [--points leg1-sent,unwind-sent] [--minutes 0] [--verbose]
 *
 * `--minutes N` (0: no limit) stops after the round of points running at N minutes and prints
 * the table of the runs done (start-up of a child dominates a run; on a loaded machine 50 rounds
 * can take over an hour).
 *
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { parseArgs } from 'node:util';
import { CRASH_POINTS } from '../tests/execution/crashPoints.js';
import { startCrashHarness, summarize, type RunResult } from '../tests/execution/crashHarness.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' }, points: { type: 'string' }, minutes: { type: 'string', default: '0' }, verbose: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got ${values.runs}`);
const budgetMs = Number(values.minutes) * 60_000;
const points = values.points ? values.points.split(',') : CRASH_POINTS.map((p) => p.name);

const h = await startCrashHarness({ verbose: values.verbose });
const results: RunResult[] = [];
const t0 = performance.now();
try {
  // points interleaved (each run starts from what the previous recovery left)
  for (let i = 0; i < runs; i++) {
    for (const p of points) {
      const r = await h.run(p);
      results.push(r);
      if (r.problems.length) process.stderr.write(`FAIL ${p} run ${i + 1} (${r.executionId}, ${r.state}): ${r.problems.join('; ')}\n`);
    }
    if (budgetMs > 0 && performance.now() - t0 > budgetMs && i + 1 < runs) {
      process.stderr.write(`\nstopped after ${i + 1} of ${runs} rounds: --minutes ${values.minutes} spent\n`);
      break;
    }
    process.stderr.write(`\r${(i + 1) * points.length}/${runs * points.length} runs, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  process.stderr.write('\n');
  await h.stop();
}
const rows = summarize(results).map((r) => [r.point, r.runs, r.ok, r.notReached, r.duplicates, r.unhedgedBeyondCap, r.meanRestartMs, r.meanRecoverMs].map(String));
const head = ['point', 'runs', 'ok', 'not reached', 'duplicates', 'unhedged>cap', 'mean restart→reconciled ms', 'mean recover() ms'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
const bad = results.filter((r) => r.problems.length).length;
process.stdout.write(
  [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line), '', `${results.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${results.length - bad} ok, ${bad} failed`].join('\n') + '\n',
);
process.exitCode = bad ? 1 : 0;
