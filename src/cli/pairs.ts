/**
 * `arbstream pairs list [--status <s>] [--json]`, `arbstream pairs approve <pairId> [--reason]`,
 * `arbstream pairs reject <pairId> [--reason]`: human review of the matcher's pairs.
 * `arbstream match run [--no-discover] [--k <n>] [--max-judgements <n>]`: discovery of both
 * venues' open markets, then one matcher run (candidates → guards → LLM verdict → decision).
 */
import os from 'node:os';
import type { Command } from 'commander';
import { createLiveEvents } from '../api/events.js';
import { discoverMarkets } from '../matching/discovery.js';
import { llmJudgeFromConfig } from '../matching/llm/client.js';
import { runMatcher } from '../matching/matcher.js';
import { approvePair, rejectPair } from '../control/pairs.js';
import { listPairs, type PairRecord } from '../store/repos/pairs.js';
import { redactUrl } from '../store/db/index.js';
import { withDb } from './withDb.js';
import { textTable } from '../textTable.js';
import { perVenue, venueList } from '../venues/registry.js';
import { PairStatus } from '../../schema/pair.js';

/** The CLI door's actor: `--by`, else the OS user (decided_by `cli:<who>`). */
const cliActor = (by: string | undefined) => ({ door: 'cli' as const, who: by ?? process.env.USER ?? os.userInfo().username });

/** Long ids (Polymarket condition ids) shortened for the table. */
const shortId = (id: string): string => (id.length > 24 ? id.slice(0, 12) + '…' : id);

/** Table of pairs for the terminal. */
export function formatPairs(rows: readonly PairRecord[]): string {
  if (!rows.length) return 'no pairs';
  const head = ['pair id', 'status', 'conf', 'human', 'map', 'leg A', 'leg B', 'decided by', 'first reason'];
  const lines = rows.map((r) => [
    r.pairId,
    r.status,
    r.confidence === null ? '' : r.confidence.toFixed(2),
    r.humanReviewed ? 'yes' : '',
    r.yesMapsToNo ? 'YES→NO' : 'YES→YES',
    ...r.legs.map((l) => `${l.venue} ${shortId(l.marketId)}`),
    r.decidedBy ?? '',
    (r.reasons[0] ?? '').slice(0, 70),
  ]);
  return textTable(head, lines).join('\n');
}

export function register(program: Command): void {
  const pairs = program.command('pairs').description('matched market pairs: list, approve, reject');

  pairs
    .command('list')
    .description('list pairs, newest first')
    .option('--status <status>', 'pending | approved | rejected')
    .option('--limit <n>', 'at most this many', '200')
    .option('--json', 'print JSON rows')
    .action(async (opts: { status?: string; limit: string; json?: boolean }) => {
      const status = opts.status === undefined ? undefined : PairStatus.safeParse(opts.status);
      if (status && !status.success) throw new Error(`--status: expected pending, approved or rejected, got "${opts.status}"`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit: expected a positive integer, got "${opts.limit}"`);
      await withDb(async (db) => {
        const rows = await listPairs(db.pool, { ...(status?.success ? { status: status.data } : {}), limit });
        if (opts.json) console.log(JSON.stringify(rows, null, 2));
        else {
          console.log(`database: ${db.mode} ${redactUrl(db.url)}`);
          console.log(formatPairs(rows));
        }
      });
    });

  for (const action of ['approve', 'reject'] as const) {
    pairs
      .command(`${action} <pairId>`)
      .description(action === 'approve' ? 'approve a pair (the live pipeline picks it up without restart)' : 'reject a pair')
      .option('--reason <text>', 'why (stored with the pair)')
      .option('--by <name>', 'who decides (default: $USER)')
      .action(async (pairId: string, opts: { reason?: string; by?: string }) => {
        await withDb(async (db) => {
          const decide = action === 'approve' ? approvePair : rejectPair;
          const { pair: row, previous } = await decide(db.pool, pairId, { actor: cliActor(opts.by), ...(opts.reason ? { reason: opts.reason } : {}) });
          const failed = guardProblems(row);
          const conf = row.confidence === null ? '' : `; matcher confidence ${row.confidence.toFixed(2)} kept`;
          console.log(`${row.pairId}: ${row.status} by ${row.decidedBy} (was ${previous}${conf})`);
          if (action === 'approve' && failed.length) {
            console.log(`warning: approved against ${failed.length} guard finding(s):\n  ${failed.join('\n  ')}`);
          }
        });
      });
  }

  const match = program.commands.find((c) => c.name() === 'match') ?? program.command('match').description('market matching: LLM verdicts, pairs, costs');
  match
    .command('run')
    .description('discover open markets on both venues, then judge candidate pairs and store decisions')
    .option('--no-discover', 'skip discovery; match the markets already stored')
    .option('--k <n>', 'candidates per Polymarket market', '5')
    .option('--max-judgements <n>', 'stop after this many LLM verdicts (cost cap)')
    .option('--max-markets <n>', 'discovery: at most this many markets per venue')
    .action(async (opts: { discover: boolean; k: string; maxJudgements?: string; maxMarkets?: string }) => {
      const k = Number(opts.k);
      if (!Number.isInteger(k) || k < 1 || k > 50) throw new Error(`--k: expected 1..50, got "${opts.k}"`);
      const maxJ = opts.maxJudgements === undefined ? undefined : Number(opts.maxJudgements);
      if (maxJ !== undefined && (!Number.isInteger(maxJ) || maxJ < 0)) throw new Error(`--max-judgements: expected an integer ≥ 0`);
      const maxM = opts.maxMarkets === undefined ? undefined : Number(opts.maxMarkets);
      if (maxM !== undefined && (!Number.isInteger(maxM) || maxM < 1)) throw new Error(`--max-markets: expected a positive integer`);
      await withDb(async (db, cfg) => {
        if (opts.discover) {
          const d = await discoverMarkets({ pool: db.pool, sources: perVenue((v) => v.rest(cfg)), ...(maxM ? { maxPerVenue: maxM } : {}) });
          const counts = venueList.map((v) => `${d.counts[v.id] ?? 0} ${v.name}`).join(', ');
          console.log(`discovery: ${counts} markets (${d.inserted} new, ${d.updated} updated, ${d.changed.length} rules changed, ${d.rejected} rejected)`);
        }
        // the budget alert reaches the bot over the live bus (Redis); on the in-process default the
        // running app's ledger watcher (src/app/serve.ts) raises it from the llm_calls rows
        const events = cfg.redis.mode === 'redis' ? await createLiveEvents(cfg) : undefined;
        try {
          const judge = llmJudgeFromConfig(cfg.llm, { pool: db.pool, onAlert: (a) => events?.events.publishAlert(a) });
          const r = await runMatcher({
            pool: db.pool,
            judge: (a, b, o) => judge.judge(a, b, o),
            autoApproveConfidence: cfg.llm.autoApproveConfidence,
            candidates: { k },
            ...(maxJ !== undefined ? { maxJudgements: maxJ } : {}),
          });
          console.log(
            `matcher: ${r.candidates} candidates, ${r.skipped} unchanged/skipped, ${r.judged} judged ($${(r.costMicros / 1e6).toFixed(4)}), ` +
              `${r.approved} approved, ${r.pending} pending, ${r.rejected} rejected, ${r.errors} errors`,
          );
        } finally {
          await events?.close();
        }
      });
    });
}

/** Non-passing guard results stored with a pair, as text. */
function guardProblems(row: PairRecord): string[] {
  const g = row.guards as { results?: { guard?: unknown; outcome?: unknown; reason?: unknown }[] } | null;
  return (g?.results ?? []).filter((x) => x.outcome !== 'pass').map((x) => `${String(x.guard)} ${String(x.outcome)}: ${String(x.reason)}`);
}
