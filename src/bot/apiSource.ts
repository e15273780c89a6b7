/**
 * Alerts and control for a standalone bot that shares no event bus with the pipeline (no
 * REDIS_URL: the embedded default): it connects to the running app's GraphQL API instead.
 *
 *   const api = createApiSource({ url: cfg.discord.botApi.url, token, minProfitMicros });
 *   await api.check();                      // FatalError when the API is unreachable or refuses the token
 *   startBot({ ..., alerts$: api.alerts$, riskControl: { setKillSwitch: (on) => api.setKillSwitch(on) } });
 *
 * Alerts: ONE graphql-ws connection (the `ws` package) carrying five subscriptions
 * (`decisionAdded`, `feedStatus`, `alerts`, `killSwitchChanged`, `executionUpdated`). Every
 * payload is validated with zod (what does not parse is counted and logged, never forwarded),
 * turned into the live-bus shapes and filtered and mapped by `alertsFromInputs`
 * (./alerts.ts), exactly as `alertsFromLive` does for the in-process or Redis bus.
 *
 * Reconnection: when the connection ends (API restarted, network, a missed keep-alive pong, a
 * refused token) every subscription is dropped, the client is disposed and a new one connects
 * after a full-jitter exponential backoff (reset once connected). The first loss of an outage
 * raises a critical 'error' alert (source `bot-api`), the reconnection an info one; events
 * published while disconnected are not replayed (the API keeps no history of live events).
 *
 * Control: /kill and /approve tell the running pipeline through the API's mutations
 * (`setKillSwitch`, `approvePair`) with the bot's token (operator role), so the app's
 * in-process bus publishes the change (riskControl$ re-reads risk_state on it). The API audits
 * them as `api:<token name>`; the Discord user is in the bot's log line.
 *
 * Commands: `createApiCommands(source)` answers /edges, /pairs, /status, /positions, /kill and
 * /approve through the API with the texts of src/bot/commands.ts (the app's embedded database
 * is one connection its pipeline keeps busy, out of reach of a second process).
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { Observable, Subject, merge } from 'rxjs';
import WebSocket from 'ws';
import { z } from 'zod';
import { EdgeDirection } from '../../schema/edge.js';
import { ExecutionState } from '../../schema/execution.js';
import { FeedState } from '../../schema/feed.js';
import { formatScaled } from '../../schema/money.js';
import { VenueId } from '../../schema/venue.js';
import { FatalError } from '../errors.js';
import { log, registerSecret } from '../log.js';
import { textTable } from '../textTable.js';
import {
  alertsFromInputs, code, type AlertEvent, type DecisionAlertInput, type ErrorAlertInput, type ExecutionAlertInput, type FeedAlertInput, type KillAlertInput,
} from './alerts.js';

export interface ApiSourceOptions {
  /** the API's GraphQL endpoint, http(s)://host:port/graphql (the WebSocket URL is derived: ws(s)://…) */
  readonly url: string;
  /** an API token (operator role for /kill and /approve) */
  readonly token: string;
  /** accepted decisions below this total profit are not alerts (config.discord.alertMinProfitMicros) */
  readonly minProfitMicros: number;
  /** feed states that are "down" (default stale, reconnecting, closed) */
  readonly feedStates?: readonly string[];
  /** reconnect backoff: full jitter over base · 2^attempt, capped (default 250 ms … 30 s) */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** graphql-ws ping interval; a ping without a pong within the same time drops the connection (default 10 s) */
  readonly keepAliveMs?: number;
  /** how long to wait for the server's connection_ack (default 10 s) */
  readonly ackTimeoutMs?: number;
  /** HTTP request timeout of queries and mutations (default 10 s) */
  readonly requestTimeoutMs?: number;
}

export interface ApiSourceCounters {
  /** connections acknowledged by the API */
  connects: number;
  /** connections lost (or failed) */
  disconnects: number;
  /** payloads that did not validate (dropped) */
  invalid: number;
  /** results carrying GraphQL errors (dropped) */
  graphqlErrors: number;
}

export interface ApiSource {
  readonly url: string;
  readonly wsUrl: string;
  /**
   * Checks that the API answers and accepts the token (`me`); returns the token's name and role.
   * Throws FatalError naming the URL and what to start or set.
   */
  check(): Promise<{ name: string; role: string }>;
  /** Alerts from the API; subscribing connects (and keeps reconnecting), unsubscribing disconnects. */
  readonly alerts$: Observable<AlertEvent>;
  /** Whether the alert connection is up right now. */
  connected(): boolean;
  readonly counters: Readonly<ApiSourceCounters>;
  /** One query or mutation with the bot's token, its `data` validated by `data`; throws ApiRequestError. */
  request<T extends z.ZodType>(query: string, variables: Record<string, unknown>, data: T): Promise<z.output<T>>;
  /** `setKillSwitch` mutation; throws ApiRequestError. */
  setKillSwitch(on: boolean): Promise<{ on: boolean; updatedBy: string | null }>;
  /** `approvePair` mutation; throws ApiRequestError (code NOT_FOUND for an unknown pair). */
  approvePair(pairId: string): Promise<{ pairId: string; status: string }>;
}

/** A query or mutation the API refused or could not answer. `code` is the GraphQL extensions.code, or HTTP_<status> / NETWORK. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** the bare cause (e.g. ECONNREFUSED) */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** The source of the bot's own alerts about its API connection (alert dedup key and label). */
export const API_ALERT_SOURCE = 'bot-api';

// ── payloads (what the API sends: schema/api.graphql) ────────────────────────────────────────
const int = z.number().int();
/** DateTime scalar → unix ms */
const dateTime = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

const DecisionPayload = z.object({
  decisionAdded: z.object({
    accepted: z.boolean(),
    reasons: z.array(z.string()),
    ts: dateTime,
    edge: z.object({ edgeId: z.string().min(1), pairId: z.string().min(1), direction: EdgeDirection, sizeQty: int, netEdgePerContractMicros: int, profitMicros: int }),
  }),
});
const FeedPayload = z.object({
  feedStatus: z.object({ venue: VenueId, state: FeedState, reason: z.string().nullable(), attempt: int, ts: dateTime }),
});
const AlertPayload = z.object({
  alerts: z.object({ level: z.enum(['info', 'warn', 'critical']), message: z.string(), ts: dateTime, source: z.string().nullish() }),
});
const KillPayload = z.object({
  killSwitchChanged: z.object({ on: z.boolean(), updatedBy: z.string().nullable(), updatedAt: dateTime.nullable() }),
});
const Role = z.object({ filledQty: int, costMicros: int, feesMicros: int });
const ExecutionPayload = z.object({
  executionUpdated: z.object({
    executionId: z.string().min(1),
    pairId: z.string().min(1),
    state: ExecutionState,
    reason: z.string(),
    sizeQty: int,
    netQty: int,
    tsUpdated: dateTime,
    progress: z.object({ leg1: Role, leg2: Role, unwind: Role, alerts: z.array(z.string()) }),
  }),
});

const ROLE = 'filledQty costMicros feesMicros';
/** The five subscriptions: operation, payload schema, and the live-bus shape each result becomes. */
const SUBSCRIPTIONS = {
  decisions: {
    query: 'subscription BotDecisions { decisionAdded { accepted reasons ts edge { edgeId pairId direction sizeQty netEdgePerContractMicros profitMicros } } }',
    schema: DecisionPayload,
    toInput: (d: z.output<typeof DecisionPayload>): DecisionAlertInput => d.decisionAdded,
  },
  feeds: {
    query: 'subscription BotFeeds { feedStatus { venue state reason attempt ts } }',
    schema: FeedPayload,
    toInput: ({ feedStatus: f }: z.output<typeof FeedPayload>): FeedAlertInput => ({ venue: f.venue, state: f.state, ts: f.ts, attempt: f.attempt, ...(f.reason !== null ? { reason: f.reason } : {}) }),
  },
  errors: {
    query: 'subscription BotAlerts { alerts { level message ts source } }',
    schema: AlertPayload,
    toInput: (a: z.output<typeof AlertPayload>): ErrorAlertInput => ({ level: a.alerts.level, message: a.alerts.message, ts: a.alerts.ts, ...(a.alerts.source ? { source: a.alerts.source } : {}) }),
  },
  kills: {
    query: 'subscription BotKillSwitch { killSwitchChanged { on updatedBy updatedAt } }',
    schema: KillPayload,
    toInput: ({ killSwitchChanged: k }: z.output<typeof KillPayload>): KillAlertInput => ({ on: k.on, by: k.updatedBy ?? '?', ts: k.updatedAt ?? Date.now() }),
  },
  executions: {
    query: `subscription BotExecutions { executionUpdated { executionId pairId state reason sizeQty netQty tsUpdated progress { leg1 { ${ROLE} } leg2 { ${ROLE} } unwind { ${ROLE} } alerts } } }`,
    schema: ExecutionPayload,
    toInput: (e: z.output<typeof ExecutionPayload>): ExecutionAlertInput => e.executionUpdated,
  },
} as const;
type Topic = keyof typeof SUBSCRIPTIONS;
const TOPICS = Object.keys(SUBSCRIPTIONS) as Topic[];

const GraphQLResponse = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  errors: z.array(z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).passthrough().optional() })).optional(),
});

/** ws(s)://… of an http(s)://… URL. */
export function wsUrlOf(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

/** Why a graphql-ws connection ended, for logs and the alert (close code and reason, or the error). */
function describeEnd(why: unknown): string {
  if (why && typeof why === 'object' && 'code' in why && typeof (why as { code: unknown }).code === 'number') {
    const { code, reason } = why as { code: number; reason?: unknown };
    const hint = code === 4401 ? ': the API refused BOT_API_TOKEN' : code === 4403 ? ': BOT_API_TOKEN was revoked' : code === 4429 ? ': too many attempts without a valid token' : '';
    return `closed ${code}${typeof reason === 'string' && reason ? ` ${reason}` : ''}${hint}`;
  }
  if (Array.isArray(why)) return why.map((e: { message?: unknown }) => String(e?.message ?? e)).join('; ');
  if (why instanceof Error) return why.message;
  if (why && typeof why === 'object' && 'message' in why) return String((why as { message: unknown }).message) || 'connection error';
  return String(why);
}

/** The error behind a failed fetch (`fetch failed` hides ECONNREFUSED in its cause). */
function fetchFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Resolves with `p`, or with undefined as soon as `signal` aborts; leaves no listener behind. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  let onAbort!: () => void;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
const delay = (ms: number): { done: Promise<void>; cancel(): void } => {
  let t: NodeJS.Timeout | undefined;
  return { done: new Promise<void>((resolve) => (t = setTimeout(resolve, ms))), cancel: () => clearTimeout(t) };
};

export function createApiSource(opts: ApiSourceOptions): ApiSource {
  const url = opts.url;
  const wsUrl = wsUrlOf(url);
  registerSecret(opts.token);
  const backoff = opts.backoff ?? { baseMs: 250, maxMs: 30_000 };
  const keepAliveMs = opts.keepAliveMs ?? 10_000;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
  const counters: ApiSourceCounters = { connects: 0, disconnects: 0, invalid: 0, graphqlErrors: 0 };
  let isConnected = false;

  async function request<T extends z.ZodType>(query: string, variables: Record<string, unknown>, data: T): Promise<z.output<T>> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${opts.token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (err) {
      const detail = fetchFailure(err);
      throw new ApiRequestError(`the API at ${url} did not answer (${detail})`, 'NETWORK', detail);
    }
    const text = await res.text();
    let body: z.output<typeof GraphQLResponse> | undefined;
    try {
      const r = GraphQLResponse.safeParse(JSON.parse(text));
      if (r.success) body = r.data;
    } catch {
      /* not JSON: reported below */
    }
    const first = body?.errors?.[0];
    if (first) throw new ApiRequestError(first.message, first.extensions?.code ?? `HTTP_${res.status}`);
    if (!body || !res.ok) throw new ApiRequestError(`the API at ${url} answered HTTP ${res.status} without a GraphQL result`, `HTTP_${res.status}`);
    const parsed = data.safeParse(body.data);
    if (!parsed.success) throw new ApiRequestError(`unexpected answer from the API: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'BAD_RESPONSE');
    return parsed.data;
  }

  async function check(): Promise<{ name: string; role: string }> {
    try {
      const r = await request('query BotMe { me { name role } }', {}, z.object({ me: z.object({ name: z.string(), role: z.string() }) }));
      if (r.me.role === 'viewer') log.warn({ url, token: r.me.name }, 'bot: BOT_API_TOKEN is a viewer token: the API will refuse /kill and /approve (give it the operator role)');
      return r.me;
    } catch (err) {
      if (!(err instanceof ApiRequestError)) throw err;
      if (err.code === 'UNAUTHENTICATED' || err.code === 'HTTP_401') {
        throw new FatalError(
          `the arbstream API at ${url} refused BOT_API_TOKEN (${err.message}): create a token with \`arbstream token create --name discord-bot --role operator\` and set BOT_API_TOKEN`,
          { url, code: err.code },
          { cause: err },
        );
      }
      throw new FatalError(
        `the Discord bot cannot reach the arbstream API at ${url} (${err.detail ?? err.message}): without REDIS_URL it takes its alerts from the running app's API, ` +
          'so start the app first (`npm start`, or `arbstream pipeline`) or set BOT_API_URL to where its API listens (or set REDIS_URL on both to use the Redis bus)',
        { url, code: err.code },
        { cause: err },
      );
    }
  }

  const alerts$ = new Observable<AlertEvent>((subscriber) => {
    const inputs = { decisions: new Subject<DecisionAlertInput>(), feeds: new Subject<FeedAlertInput>(), errors: new Subject<ErrorAlertInput>(), kills: new Subject<KillAlertInput>(), executions: new Subject<ExecutionAlertInput>() };
    const own = new Subject<AlertEvent>();
    const sub = merge(
      alertsFromInputs(
        { decisions$: inputs.decisions, feeds$: inputs.feeds, errors$: inputs.errors, kills$: inputs.kills, executions$: inputs.executions },
        { minProfitMicros: opts.minProfitMicros, ...(opts.feedStates ? { feedStates: opts.feedStates } : {}) },
      ),
      own,
    ).subscribe(subscriber);

    const stop = new AbortController();

    const deliver = (topic: Topic, result: FormattedExecutionResult<Record<string, unknown>, unknown>): void => {
      if (result.errors?.length) {
        counters.graphqlErrors++;
        log.warn({ topic, errors: result.errors.slice(0, 3).map((e) => e.message) }, 'bot: the API sent a subscription error; dropped');
        return;
      }
      const spec = SUBSCRIPTIONS[topic];
      const r = spec.schema.safeParse(result.data);
      if (!r.success) {
        counters.invalid++;
        log.warn({ topic, raw: JSON.stringify(result.data)?.slice(0, 2000), issues: r.error.issues.slice(0, 5) }, 'bot: invalid payload from the API; dropped');
        return;
      }
      (inputs[topic] as Subject<unknown>).next((spec.toInput as (d: unknown) => unknown)(r.data));
    };

    void (async () => {
      let attempt = 0;
      let down = false;
      while (!stop.signal.aborted) {
        let socket: WebSocket | undefined;
        let pongTimer: NodeJS.Timeout | undefined;
        const client: Client = createClient({
          url: wsUrl,
          webSocketImpl: WebSocket,
          lazy: true,
          retryAttempts: 0,
          keepAlive: keepAliveMs,
          connectionAckWaitTimeout: ackTimeoutMs,
          connectionParams: { authorization: `Bearer ${opts.token}` },
          on: {
            connected: (s) => {
              socket = s as WebSocket;
              isConnected = true;
              counters.connects++;
              attempt = 0;
              log.info({ url: wsUrl }, 'bot: connected to the arbstream API');
              if (down) {
                down = false;
                own.next({ kind: 'error', ts: Date.now(), level: 'info', source: API_ALERT_SOURCE, message: `connection to the arbstream API at ${url} restored; alerts raised while it was down were missed` });
              }
            },
            // a ping without a pong in time: the connection is dead (half-open); drop it
            ping: (received) => {
              if (received) return;
              clearTimeout(pongTimer);
              pongTimer = setTimeout(() => socket?.terminate(), keepAliveMs);
            },
            pong: (received) => {
              if (received) clearTimeout(pongTimer);
            },
            closed: () => {
              isConnected = false;
              clearTimeout(pongTimer);
            },
          },
        });
        const ended = new Promise<unknown>((resolve) => {
          for (const topic of TOPICS) {
            client.subscribe(
              { query: SUBSCRIPTIONS[topic].query },
              { next: (r) => deliver(topic, r), error: (e) => resolve(e), complete: () => resolve(new Error(`the API ended the ${topic} subscription`)) },
            );
          }
        });
        const why = await unlessAborted(ended, stop.signal);
        clearTimeout(pongTimer);
        isConnected = false;
        await client.dispose();
        if (stop.signal.aborted) break;
        counters.disconnects++;
        const reason = describeEnd(why);
        const retryInMs = Math.floor(Math.random() * Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30)));
        attempt++;
        log.warn({ url: wsUrl, reason, attempt, retryInMs }, 'bot: the connection to the arbstream API is down; reconnecting');
        if (!down) {
          down = true;
          own.next({ kind: 'error', ts: Date.now(), level: 'critical', source: API_ALERT_SOURCE, message: `connection to the arbstream API at ${url} lost (${reason}): no alerts until it is back; reconnecting` });
        }
        const wait = delay(retryInMs);
        await unlessAborted(wait.done, stop.signal);
        wait.cancel();
      }
    })().catch((err: unknown) => {
      log.error({ err }, 'bot: the API alert source failed; no more alerts');
      subscriber.error(err);
    });

    return () => {
      stop.abort();
      sub.unsubscribe();
    };
  });

  return {
    url,
    wsUrl,
    check,
    request,
    alerts$,
    connected: () => isConnected,
    counters,
    setKillSwitch: async (on) =>
      (await request('mutation BotSetKillSwitch($on: Boolean!) { setKillSwitch(on: $on) { on updatedBy } }', { on }, z.object({ setKillSwitch: z.object({ on: z.boolean(), updatedBy: z.string().nullable() }) }))).setKillSwitch,
    approvePair: async (pairId) =>
      (await request('mutation BotApprovePair($pairId: ID!) { approvePair(pairId: $pairId) { pairId status } }', { pairId }, z.object({ approvePair: z.object({ pairId: z.string(), status: z.string() }) }))).approvePair,
  };
}

// ── slash commands over the API (the standalone bot on the embedded default) ─────────────────
/**
 * Why not the database: on the embedded default the app owns its PGlite, served as ONE
 * connection its own pool holds while the pipeline writes, so a second process waits its turn
 * indefinitely (measured against `npm start`: the bot's first query timed out after 60 s). The
 * API answers the same reads from inside the app.
 */
const usdOf = (m: number): string => `$${formatScaled(m, 2)}`;
const signedUsd = (m: number | null): string => (m === null ? 'n/a' : m < 0 ? `-$${formatScaled(-m, 2)}` : `$${formatScaled(m, 2)}`);
const qtyOf = (q: number): string => formatScaled(q, 0);
const contracts = (q: number): string => formatScaled(q, 6).replace(/\.?0+$/, '') || '0';
const isoOf = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const MAX_REPLY = 1900;
const clip = (text: string): string => (text.length <= MAX_REPLY ? text : text.slice(0, MAX_REPLY - 20) + '\n… (truncated)');

const EdgeRow = z.object({ ts: dateTime, pairId: z.string(), direction: z.string(), sizeQty: int, netEdgePerContractMicros: int, profitMicros: int });
const EdgePage = z.object({ edges: z.object({ edges: z.array(z.object({ node: EdgeRow })), pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }) }) });
const PairRow = z.object({
  pairId: z.string(), status: z.string(), humanReviewed: z.boolean(), confidence: z.number().nullable(), decidedBy: z.string().nullable(),
  legs: z.array(z.object({ venue: z.string(), marketId: z.string() })),
});
const PositionRow = z.object({
  venue: z.string(), marketId: z.string(), outcome: z.string(), qty: int, costMicros: int, realizedPnlMicros: int, unrealizedPnlMicros: int.nullable(),
});
const POSITION = 'venue marketId outcome qty costMicros realizedPnlMicros unrealizedPnlMicros';

/** Who ran a command (the bot's Invoker). */
export interface ApiCommandInvoker {
  readonly userId: string;
  readonly username: string;
}

/** The bot's command replies answered through the API (same texts as src/bot/commands.ts). */
export interface ApiCommands {
  edges(args: { pair?: string | null; limit?: number | null }): Promise<string>;
  pairs(args: { status?: 'pending' | 'approved' | 'rejected' | null }): Promise<string>;
  status(): Promise<string>;
  positions(args: { pair?: string | null }): Promise<string>;
  /** setKillSwitch mutation (audited by the API as api:<the bot's token>; the Discord user is logged here) */
  kill(on: boolean, who: ApiCommandInvoker, reason?: string | null): Promise<string>;
  /** approvePair mutation */
  approve(pairId: string, who: ApiCommandInvoker): Promise<{ text: string; approved: boolean }>;
}

export function createApiCommands(api: Pick<ApiSource, 'request' | 'setKillSwitch' | 'approvePair'>): ApiCommands {
  const { request } = api;
  return {
    async edges(args) {
      const r = await request(
        `query BotEdges($filter: EdgeFilter, $first: Int) { edges(filter: $filter, orderBy: TS_DESC, first: $first) { edges { node { ts pairId direction sizeQty netEdgePerContractMicros profitMicros } } pageInfo { hasNextPage endCursor } } }`,
        { filter: args.pair ? { pairId: args.pair } : null, first: args.limit ?? 10 },
        EdgePage,
      );
      const rows = r.edges.edges.map((e) => e.node);
      if (rows.length === 0) return args.pair ? `No edges for pair ${code(args.pair)}.` : 'No edges recorded yet.';
      const lines = rows.map((e) => `${isoOf(e.ts)} ${code(e.pairId, 60)} ${e.direction} size ${qtyOf(e.sizeQty)} · ${usdOf(e.netEdgePerContractMicros)}/contract · profit **${usdOf(e.profitMicros)}**`);
      return clip(`**Latest ${rows.length} edge${rows.length === 1 ? '' : 's'}**\n` + lines.join('\n'));
    },
    async pairs(args) {
      const r = await request(
        'query BotPairs($status: PairStatus) { pairs(status: $status, first: 20) { pairId status humanReviewed confidence decidedBy legs { venue marketId } } }',
        { status: args.status ?? null },
        z.object({ pairs: z.array(PairRow) }),
      );
      if (r.pairs.length === 0) return args.status ? `No ${args.status} pairs.` : 'No pairs yet.';
      const leg = (l: { venue: string; marketId: string }): string => `${l.venue} ${code(l.marketId.length > 24 ? l.marketId.slice(0, 12) + '…' : l.marketId, 60)}`;
      const lines = r.pairs.map(
        (p) =>
          `${code(p.pairId, 60)} **${p.status}**${p.humanReviewed ? ' (human)' : ''} conf ${p.confidence === null ? '?' : p.confidence.toFixed(2)} · ${p.legs.map(leg).join(' · ')}${p.decidedBy ? ` · by ${code(p.decidedBy, 60)}` : ''}`,
      );
      return clip(`**Pairs${args.status ? ` (${args.status})` : ''}**, newest first\n` + lines.join('\n'));
    },
    async status() {
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const r = await request(
        'query BotStatus { killSwitch { on updatedBy updatedAt } feedHealth { venue state reason ts } }',
        {},
        z.object({
          killSwitch: z.object({ on: z.boolean(), updatedBy: z.string().nullable(), updatedAt: dateTime.nullable() }),
          feedHealth: z.array(z.object({ venue: z.string(), state: z.string(), reason: z.string().nullable(), ts: dateTime })),
        }),
      );
      // pairs per status (one request each: the API's query cost limit)
      const PAIR_PAGE = 200;
      const counts: (readonly [string, number])[] = [];
      for (const status of ['pending', 'approved', 'rejected'] as const) {
        const p = await request('query BotPairCount($status: PairStatus, $first: Int) { pairs(status: $status, first: $first) { pairId } }', { status, first: PAIR_PAGE }, z.object({ pairs: z.array(z.object({ pairId: z.string() })) }));
        if (p.pairs.length > 0) counts.push([status, p.pairs.length]);
      }
      // edges of the last hour: counted over pages (at most 10 × 200)
      let n = 0;
      let best: number | null = null;
      let after: string | null = null;
      let more = false;
      for (let page = 0; page < 10; page++) {
        const p: z.output<typeof EdgePage> = await request(
          'query BotEdgesSince($filter: EdgeFilter, $first: Int, $after: String) { edges(filter: $filter, orderBy: TS_DESC, first: $first, after: $after) { edges { node { ts pairId direction sizeQty netEdgePerContractMicros profitMicros } } pageInfo { hasNextPage endCursor } } }',
          { filter: { since }, first: 200, after },
          EdgePage,
        );
        for (const { node } of p.edges.edges) {
          n++;
          best = best === null ? node.profitMicros : Math.max(best, node.profitMicros);
        }
        more = p.edges.pageInfo.hasNextPage;
        after = p.edges.pageInfo.endCursor;
        if (!more || !after) break;
      }
      const k = r.killSwitch;
      return clip(
        [
          `**Kill switch**: ${k.on ? '🛑 ON' : '✅ off'}${k.updatedBy ? ` (by ${code(k.updatedBy, 80)}` + (k.updatedAt !== null ? ` at ${isoOf(k.updatedAt)})` : ')') : ''}`,
          `**Feeds**: ${r.feedHealth.length ? r.feedHealth.map((f) => `${f.venue} ${f.state} since ${isoOf(f.ts)}${f.reason ? ` (${code(f.reason, 80)})` : ''}`).join(' · ') : 'no feed health recorded'}`,
          `**Edges, last hour**: ${n}${more ? '+' : ''}${best !== null ? `, best profit ${usdOf(best)}` : ''}`,
          `**Pairs**: ${counts.length ? counts.map(([s, c]) => `${c}${c >= PAIR_PAGE ? '+' : ''} ${s}`).join(', ') : 'none'}`,
        ].join('\n'),
      );
    },
    async positions(args) {
      const r = await request(
        `query BotPositions { positions { fills unknownFills markets { ${POSITION} } pairs { pairId costMicros realizedPnlMicros unrealizedPnlMicros legs { ${POSITION} } } }
           pnl { realizedPnlMicros unrealizedPnlMicros feesMicros exposureMicros unknownFills } }`,
        {},
        z.object({
          positions: z.object({
            fills: int, unknownFills: int, markets: z.array(PositionRow),
            pairs: z.array(z.object({ pairId: z.string(), costMicros: int, realizedPnlMicros: int, unrealizedPnlMicros: int.nullable(), legs: z.array(PositionRow) })),
          }),
          pnl: z.object({ realizedPnlMicros: int, unrealizedPnlMicros: int.nullable(), feesMicros: int, exposureMicros: int, unknownFills: int }),
        }),
      );
      const pos = r.positions;
      const pairs = pos.pairs.filter((p) => !args.pair || p.pairId === args.pair);
      const paired = new Set(pos.pairs.flatMap((p) => p.legs.map((l) => `${l.venue}|${l.marketId}|${l.outcome}`)));
      const orphans = args.pair ? [] : pos.markets.filter((m) => !paired.has(`${m.venue}|${m.marketId}|${m.outcome}`));
      if (pairs.length === 0 && orphans.length === 0) return args.pair ? `No positions for pair ${code(args.pair)}.` : 'No positions yet (no fills recorded).';
      const id = (s: string, n = 18): string => (s.length > n ? s.slice(0, n - 1) + '…' : s).replace(/`/g, 'ˋ');
      const row = (pair: string, p: z.output<typeof PositionRow>): string[] => [id(pair), p.venue, id(p.marketId), p.outcome.toUpperCase(), contracts(p.qty), signedUsd(p.costMicros), signedUsd(p.realizedPnlMicros), signedUsd(p.unrealizedPnlMicros)];
      const rows = [
        ...pairs.flatMap((p) => [...p.legs.map((l) => row(p.pairId, l)), [`${id(p.pairId)} total`, '', '', '', '', signedUsd(p.costMicros), signedUsd(p.realizedPnlMicros), signedUsd(p.unrealizedPnlMicros)]]),
        ...orphans.map((m) => row('(no execution)', m)),
      ];
      const table = textTable(['pair', 'venue', 'market', 'side', 'qty', 'cost', 'realised', 'unrealised'], rows, { align: ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right'], rule: '-' });
      const t = r.pnl;
      const totals = args.pair
        ? ''
        : `\n**P&L**: realised **${signedUsd(t.realizedPnlMicros)}** · unrealised **${signedUsd(t.unrealizedPnlMicros)}** · fees ${signedUsd(t.feesMicros)} · exposure ${signedUsd(t.exposureMicros)}${t.unknownFills ? ` · ⚠️ ${t.unknownFills} fill(s) of orders no execution sent` : ''}`;
      const head = `**Positions**${args.pair ? ` of ${code(args.pair)}` : ''} (from ${pos.fills} stored fill${pos.fills === 1 ? '' : 's'}; unrealised at the latest stored best bid)`;
      const text = `${head}\n\`\`\`\n${table.join('\n')}\n\`\`\`${totals}`;
      return text.length <= MAX_REPLY ? text : `${head}\n\`\`\`\n${table.slice(0, 25).join('\n')}\n… (${table.length - 25} more rows)\n\`\`\`${totals}`;
    },
    async kill(on, who, reason) {
      const r = await api.setKillSwitch(on);
      log.warn({ on: r.on, by: r.updatedBy, discordUser: `${who.username}(${who.userId})`, reason: reason ?? undefined }, 'bot: kill switch set through the API for a Discord user');
      return r.on ? `🛑 Kill switch **ON**: no new opportunities pass the risk gate.` : `✅ Kill switch **off**: the risk gate is trading again.`;
    },
    async approve(pairId, who) {
      try {
        const r = await api.approvePair(pairId);
        log.info({ pairId, discordUser: `${who.username}(${who.userId})` }, 'bot: pair approved through the API for a Discord user');
        return { text: `✅ Pair ${code(pairId)} approved (now ${r.status}).`, approved: true };
      } catch (err) {
        if (err instanceof ApiRequestError && err.code === 'NOT_FOUND') return { text: `No pair with id ${code(pairId)}.`, approved: false };
        throw err;
      }
    },
  };
}
