/**
 * What `demo` and `run` add around the live pipeline: the live-events bus (Redis pub/sub with
 * REDIS_URL, in process otherwise), the operator controls read from `risk_state` (kill switch and
 * limits changed through the API or Discord reach the risk gate without a restart), and the
 * GraphQL API + dashboard in the same process, and the Discord bot when DISCORD_ENABLED.
 */
import { BehaviorSubject, type Subscription } from 'rxjs';
import type pg from 'pg';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { createLiveEvents, type LiveEventsHandle } from '../api/events.js';
import { startApiServer, type ApiServer } from '../api/server.js';
import { loadRiskControl, riskControl$, setKillSwitch } from '../control/riskState.js';
import type { RiskControl } from '../../pipelines/core.js';
import { startBot } from '../bot/bot.js';
import { alertsFromLive } from '../bot/alerts.js';
import { usageSummary } from '../matching/cost.js';
import { watchLlmBudget } from './llmBudgetWatch.js';

export interface AppServices {
  readonly live: LiveEventsHandle;
  /** the Discord bot, when DISCORD_ENABLED (in the same process: it sees this process's events without Redis) */
  readonly bot?: Awaited<ReturnType<typeof startBot>>;
  /** feed it to runLive({ control }) */
  readonly control: BehaviorSubject<RiskControl>;
  readonly api?: ApiServer;
  stop(): Promise<void>;
}

/**
 * KILL_SWITCH has one meaning: when it is set in the environment (true or false), it wins at
 * start. It is written to risk_state (audited as `cli:env`, like any other change) before the
 * risk controls are read, so the gate, the API, Discord and the dashboard all show the same value;
 * changes made later through the API or Discord apply as usual until the next start. Unset (or
 * empty) = the stored kill switch, off when nothing is stored. Every mode that runs the risk gate
 * (`demo`, `run`) starts through {@link startAppServices}, which applies it first.
 */
export async function applyKillSwitchFromEnv(config: Pick<Config, 'risk' | 'killSwitchFromEnv'>, pool: pg.Pool): Promise<void> {
  if (!config.killSwitchFromEnv) return;
  await setKillSwitch(pool, config.risk.killSwitch, { actor: { door: 'cli', who: 'env' }, reason: 'KILL_SWITCH set in the environment at start' });
}

export async function startAppServices(config: Config, pool: pg.Pool, opts: { api?: boolean; apiPort?: number; bot?: boolean } = {}): Promise<AppServices> {
  await applyKillSwitchFromEnv(config, pool);
  const live = await createLiveEvents(config);
  const initial = await loadRiskControl(pool, config.risk);
  const control = new BehaviorSubject<RiskControl>({ killSwitch: initial.killSwitch, limits: initial.limits });
  const sub: Subscription = riskControl$(pool, live, config.risk).subscribe({
    next: (c) => {
      if (c.killSwitch !== control.value.killSwitch) log.warn({ killSwitch: c.killSwitch }, 'kill switch changed');
      control.next(c);
    },
    error: (err: unknown) => log.error({ err }, 'risk control stream failed; keeping the last controls'),
  });
  const budget = watchLlmBudget({ read: () => usageSummary(pool), budgetMicros: config.llm.dailyBudgetMicros, publish: (a) => live.events.publishAlert(a) });
  const api = opts.api === false ? undefined : await startApiServer({ config, pool, events: live, ...(opts.apiPort !== undefined ? { port: opts.apiPort } : {}) });
  if (api) log.info({ url: api.url }, 'API and dashboard listening');
  const bot = config.discord.enabled && opts.bot !== false
    ? await startBot({
      config: config.discord,
      pool,
      alerts$: alertsFromLive(live, { minProfitMicros: config.discord.alertMinProfitMicros }),
      riskControl: {
        setKillSwitch: (on, by) => live.events.publishKillSwitch(on, by),
        setPairStatus: (pairId, status, by) => live.events.publishPairStatus({ pairId, status, by }),
      },
    })
    : undefined;
  return {
    live, control, ...(api ? { api } : {}), ...(bot ? { bot } : {}),
    async stop() {
      sub.unsubscribe();
      budget.stop();
      await bot?.stop();
      await api?.close();
      await live.close();
    },
  };
}
