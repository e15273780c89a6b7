/**
 * The LLM daily budget, watched from the ledger: every matcher process (`arbstream match run`,
 * discovery) writes one `llm_calls` row per call to the shared database, so the long-running app
 * sees today's spend whichever process spent it, on Redis or on the in-process default, and raises
 * the "LLM budget reached" alert once per UTC day on the app's alert bus (the Discord bot, the
 * API's `alerts` subscription). The judge's own `onAlert` hook covers the matcher process itself.
 */
import type { Alert } from '../api/events.js';
import { utcDayStart } from '../matching/cost.js';
import { log } from '../log.js';

export interface LlmBudgetWatchOptions {
  /** today's (UTC) spend per provider, micro-dollars (src/matching/cost.ts `usageSummary`) */
  readonly read: () => Promise<readonly { readonly provider: string; readonly costMicros: number }[]>;
  /** LLM_DAILY_BUDGET_USD in micro-dollars; 0 or less = no budget, nothing watched */
  readonly budgetMicros: number;
  readonly publish: (a: Alert) => void;
  /** default 60 s */
  readonly everyMs?: number;
  readonly now?: () => number;
}

const usd = (micros: number): string => `$${(micros / 1e6).toFixed(4)}`;

/** Checks now and then every `everyMs`; `check()` is exposed for tests and returns whether it alerted. */
export function watchLlmBudget(o: LlmBudgetWatchOptions): { check(): Promise<boolean>; stop(): void } {
  const now = o.now ?? Date.now;
  let alertedDay: number | undefined;
  let running = false;
  const check = async (): Promise<boolean> => {
    if (o.budgetMicros <= 0 || running) return false;
    running = true;
    try {
      const day = utcDayStart(now());
      if (alertedDay === day) return false;
      const rows = await o.read();
      const spent = rows.reduce((s, r) => s + r.costMicros, 0);
      if (spent < o.budgetMicros) return false;
      alertedDay = day;
      const until = new Date(day + 86_400_000).toISOString().slice(0, 10);
      o.publish({
        level: 'critical',
        source: 'llm',
        ts: now(),
        message: `LLM daily budget reached: ${usd(spent)} spent of ${usd(o.budgetMicros)} today (UTC); matcher calls are refused until ${until} 00:00 UTC (LLM_DAILY_BUDGET_USD)`,
      });
      return true;
    } catch (err) {
      log.warn({ err }, 'LLM budget watch: could not read the ledger; will retry');
      return false;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), o.everyMs ?? 60_000);
  timer.unref();
  void check();
  return { check, stop: () => clearInterval(timer) };
}
