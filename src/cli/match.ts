/**
 * `arbstream match cost [--since <when>]`: LLM usage per provider (calls, tokens, cost, p50 latency)
 * from llm_calls, on the configured database. Part B's `match run` lives in src/cli/pairs.ts and
 * attaches to the same `match` command (both look it up before creating it).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { formatUsageTable, usageSummary, utcDayStart } from '../matching/cost.js';
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
}
