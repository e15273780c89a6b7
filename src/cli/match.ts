/**
 * `arbstream match cost [--since <when>]`: LLM usage per provider (calls, tokens, cost, p50 latency)
 * from llm_calls, on the configured database.
 * `arbstream match eval --labels FILE|DIR [--model always-yes|oracle|recorded] [--json] [--auto-approve 0.9] [--check]`:
 * the real matcher over a labelled set, against the local LLM server (no database, no network);
 * exit 2 when the label set has errors (each named by file:line and field); with `--check`, exit 1
 * when one of the issue's targets (EVAL_TARGETS: no lookalike approved, no wrong mapping, oracle
 * recall, cost per judged pair) is missed. Part B's `match run` lives in src/cli/pairs.ts and
 * attaches to the same `match` command (both look it up before creating it).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { formatUsageTable, usageSummary, utcDayStart } from '../matching/cost.js';
import { EVAL_MODELS, formatEvalReport, LabelSetError, loadLabels, runEval, type EvalModel } from '../matching/eval.js';
import { openDb, redactUrl } from '../store/db/index.js';

/** "today" (UTC), "24h", "7d", "90m", or an ISO date/time. */
export function parseSince(value: string, nowMs: number = Date.now()): Date {
  const v = value.trim().toLowerCase();
  if (v === 'today') return new Date(utcDayStart(nowMs));
  const rel = /^(\d+)\s*(m|h|d)$/.exec(v);
  if (rel) return new Date(nowMs - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']);
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`--since: expected today, <n>m, <n>h, <n>d or an ISO date, got "${value}"`);
  return new Date(t);
}

export function register(program: Command): void {
  const match = program.commands.find((c) => c.name() === 'match') ?? program.command('match').description('market matching: LLM verdicts, pairs, costs');
  match
    .command('cost')
    .description('LLM usage per provider: calls, tokens, cost and p50 latency (from llm_calls)')
    .option('--since <when>', 'today (UTC, default), 24h, 7d, 90m, or an ISO date/time', 'today')
    .option('--json', 'print JSON rows instead of a table')
    .action(async (opts: { since: string; json?: boolean }) => {
      const since = parseSince(opts.since);
      const cfg = loadConfig();
      const db = await openDb(cfg.db, { migrate: false });
      try {
        const rows = await usageSummary(db.pool, { since });
        if (opts.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        console.log(`database: ${db.mode} ${redactUrl(db.url)}`);
        console.log(`LLM usage since ${since.toISOString()} (budget ${(cfg.llm.dailyBudgetMicros / 1e6).toFixed(2)} USD per UTC day)`);
        console.log(rows.length ? formatUsageTable(rows) : 'no LLM calls in this period');
      } finally {
        await db.close();
      }
    });

  match
    .command('eval')
    .description('run the real matcher over a labelled set against the local LLM server: precision, recall, confusion by class, cost')
    .requiredOption('--labels <path>', 'a label file (JSONL) or a directory of *.jsonl')
    .option('--model <model>', `the local server's answers: ${EVAL_MODELS.join(' | ')}`, 'always-yes')
    .option('--auto-approve <confidence>', 'auto-approval confidence (default: MATCH_AUTO_APPROVE_CONFIDENCE)')
    .option('--json', 'print one JSON object')
    .option('--check', 'exit 1 when a target is missed (no lookalike approved, no wrong mapping, oracle recall, cost per judged pair)')
    .action(async (opts: { labels: string; model: string; autoApprove?: string; json?: boolean; check?: boolean }) => {
      if (!(EVAL_MODELS as readonly string[]).includes(opts.model)) {
        console.error(`--model: expected ${EVAL_MODELS.join(', ')}, got "${opts.model}"`);
        process.exitCode = 2;
        return;
      }
      const auto = opts.autoApprove === undefined ? undefined : Number(opts.autoApprove);
      if (auto !== undefined && !(auto > 0 && auto <= 1)) {
        console.error(`--auto-approve: expected a number in (0, 1], got "${opts.autoApprove}"`);
        process.exitCode = 2;
        return;
      }
      let pairs;
      try {
        pairs = loadLabels(opts.labels);
      } catch (err) {
        if (!(err instanceof LabelSetError)) throw err;
        for (const p of err.problems) console.error(p);
        console.error(`${err.problems.length} error(s) in the label set; nothing evaluated`);
        process.exitCode = 2;
        return;
      }
      const cfg = loadConfig();
      const report = await runEval({ pairs, model: opts.model as EvalModel, llm: cfg.llm, autoApproveConfidence: auto ?? cfg.llm.autoApproveConfidence });
      console.log(opts.json ? JSON.stringify(report) : formatEvalReport(report));
      const missed = report.targets.filter((t) => !t.ok);
      if (opts.check && missed.length) {
        console.error(`targets missed: ${missed.map((t) => `${t.target} ${t.value ?? '-'} (limit ${t.limit})`).join('; ')}`);
        process.exitCode = 1;
      }
    });
}
