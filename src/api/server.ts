/**
 * The API process's HTTP server: one port for
 *   /graphql   GraphQL over HTTP (yoga; SSE subscriptions) and graphql-ws on the same path,
 *   /          the dashboard (static files in src/api/public),
 *   /healthz   liveness + database check,
 *   /metrics   Prometheus text (src/metrics.ts): read-only counters, no secrets, no auth (as
 *              Prometheus scrapes); with METRICS_PORT it moves to its own listener on that port
 *              (same host) and the API port answers 404 for it.
 *
 *   const live = await createLiveEvents(config);
 *   const api = await startApiServer({ config, pool: db.pool, events: live });
 *   ... api.url ...
 *   await api.close();          // closes sockets and the server (not the pool, not the events)
 *
 * graphql-ws auth: the `connection_init` payload carries `{ authorization: 'Bearer arb_…' }`
 * (or `{ token: 'arb_…' }`). Missing, malformed, unknown or revoked token → close 4401; an address
 * over its limit of attempts without a valid token (./addressLimit.ts, shared with HTTP) → close
 * 4429 before any token lookup. Subscribes share the HTTP rate limit of their token
 * (RATE_LIMITED error). Messages larger than maxBodyBytes close the socket (1009).
 *
 * Revocation (./revocation.ts): a token revoked while connected, by this process or another
 * (`arbstream token revoke`), closes its graphql-ws sockets with 4403 and ends its SSE
 * subscriptions (a last `next` event with a FORBIDDEN error, then `complete`) within
 * config.api.revocationCheckMs.
 *
 * Fan-out: graphql-ws subscribers with identical operations (role, query, operation name,
 * variables) share one GraphQL execution per event (src/api/share.ts); each keeps its own bounded
 * queue. `shareSubscriptions: false` gives every subscriber its own execution.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { metrics as processMetrics, type Metrics } from '../metrics.js';
import { createAddressLimiter, retryAfterSeconds } from './addressLimit.js';
import { authenticate, bearerToken, createRateLimiter, isWellFormedToken, type Principal } from './auth.js';
import { createRevocationWatch } from './revocation.js';
import type { LiveEventsHandle } from './events.js';
import { createSharedSubscriptions, shareKey, type SharedSubscriptionStats, type SubscribeResult } from './share.js';
import { apiError, createApi, GRAPHQL_PATH, isGraphQLError, withCode, type ArmorLimits } from './yoga.js';

export interface StartApiServerOptions {
  readonly config: Pick<Config, 'api' | 'risk'>;
  readonly pool: pg.Pool;
  readonly events: LiveEventsHandle;
  /** Override config.api.host / port (tests: port 0). */
  readonly host?: string;
  readonly port?: number;
  readonly limits?: Partial<ArmorLimits>;
  /** Share one execution among identical graphql-ws subscriptions (default true). */
  readonly shareSubscriptions?: boolean;
  /** Per-subscriber queue of a shared subscription (default 1000). */
  readonly subscriberBuffer?: number;
  /** The registry served on /metrics (default: the process's, src/metrics.ts). */
  readonly metrics?: Metrics;
  /** Override config.api.metricsPort (tests: 0 = any free port). */
  readonly metricsPort?: number;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  /** ws://host:port/graphql */
  readonly wsUrl: string;
  /** Open graphql-ws connections. */
  connections(): number;
  /** Shared graphql-ws subscription executions (all zero when sharing is off). */
  subscriptionStats(): SharedSubscriptionStats;
  /** Where /metrics is served (the API url, or the separate METRICS_PORT listener). */
  readonly metricsUrl: string;
  close(): Promise<void>;
}

const PUBLIC_DIR = new URL('./public/', import.meta.url);
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  // the pair page's chart library, served from the installed package (never a CDN); the package
  // exports only its module entry, so the standalone build is found beside it
  '/assets/lightweight-charts.js': { file: new URL('./lightweight-charts.standalone.production.js', import.meta.resolve('lightweight-charts')).href, type: 'text/javascript; charset=utf-8' },
};
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
const DASHBOARD_CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...SECURITY_HEADERS, ...headers });
  res.end(text);
}

/** The token in a graphql-ws connection_init payload. */
function wsToken(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const auth = params.authorization ?? params.Authorization;
  if (typeof auth === 'string') return bearerToken(auth);
  return typeof params.token === 'string' ? params.token : undefined;
}

export async function startApiServer(opts: StartApiServerOptions): Promise<ApiServer> {
  const { config, pool } = opts;
  const limiter = createRateLimiter({ perMin: config.api.rateLimitPerMin });
  const addresses = createAddressLimiter({ unauthPerMin: config.api.unauthRateLimitPerMin, failuresPerMin: config.api.authFailuresPerMin });
  const revocations = createRevocationWatch({ pool, intervalMs: config.api.revocationCheckMs });
  const yoga = createApi({ config, pool, live: opts.events, limiter, addresses, ...(opts.limits ? { limits: opts.limits } : {}) });
  const files = new Map(Object.entries(STATIC).map(([path, f]) => [path, { body: readFileSync(new URL(f.file, PUBLIC_DIR)), type: f.type }]));

  const metrics = opts.metrics ?? processMetrics;
  const metricsPort = opts.metricsPort ?? config.api.metricsPort;
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    const { contentType, body } = await metrics.scrape();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const routeOf = (path: string): string => (path === GRAPHQL_PATH || path === '/healthz' || path === '/metrics' || path in STATIC ? path : 'other');

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const route = routeOf(new URL(req.url ?? '/', 'http://localhost').pathname);
      metrics.apiRequestSeconds.observe({ route, status: `${Math.floor(res.statusCode / 100)}xx` }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    void handle(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'api: request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL' } }] });
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === GRAPHQL_PATH) return graphql(req, res, url);
    if (url.pathname === '/metrics' && metricsPort === undefined) return serveMetrics(req, res);
    if (url.pathname === '/healthz') {
      try {
        await pool.query('SELECT 1');
        return sendJson(res, 200, { ok: true });
      } catch (err) {
        log.warn({ err }, 'api: health check: database unavailable');
        return sendJson(res, 503, { ok: false, reason: 'database unavailable' });
      }
    }
    const file = files.get(url.pathname);
    if (file && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache', 'content-security-policy': DASHBOARD_CSP, ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : file.body);
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  }

  async function graphql(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const max = config.api.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? '0');
    const tooLarge = (): void => {
      log.warn({ declared, max }, 'api: request body too large');
      sendJson(res, 413, { errors: [{ message: `request body larger than ${max} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }, { connection: 'close' });
      req.resume();
    };
    if (!Number.isFinite(declared) || declared > max) return tooLarge();
    let body: Buffer | undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      try {
        body = await readBody(req, max);
      } catch (err) {
        if (err instanceof BodyTooLarge) return tooLarge();
        throw err;
      }
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
    }
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    let principal: Principal | undefined;
    const serverContext = { remoteAddress: req.socket.remoteAddress, onAuthenticated: (p: Principal) => (principal = p) };
    const response = await yoga.fetch(url.toString(), { method: req.method ?? 'GET', headers, body: body && body.length ? new Uint8Array(body) : null, signal: ac.signal }, serverContext);
    const out: Record<string, string | string[]> = { ...SECURITY_HEADERS };
    response.headers.forEach((v, k) => (out[k] = v));
    res.writeHead(response.status, out);
    if (!response.body) {
      res.end();
      return;
    }
    // yoga's body is a whatwg-node ponyfill stream (not node's ReadableStream): pump it by hand
    const reader = response.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => undefined));
    let revoked = false;
    const sse = response.headers.get('content-type')?.includes('text/event-stream') ?? false;
    if (sse) res.flushHeaders(); // the client knows at once that its subscription is established
    if (principal && sse) {
      // an SSE subscription: ends when its token is revoked
      const unwatch = revocations.watch(principal, () => {
        revoked = true;
        const error = { message: 'token revoked', extensions: { code: 'FORBIDDEN' } };
        res.end(`event: next\ndata: ${JSON.stringify({ errors: [error] })}\n\nevent: complete\ndata:\n\n`);
        void reader.cancel().catch(() => undefined);
      });
      res.on('close', unwatch);
    }
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || revoked) break;
        if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      }
      if (!res.writableEnded) res.end();
    } catch (err) {
      if (!ac.signal.aborted) log.warn({ err }, 'api: response stream error');
      res.destroy();
    }
  }

  // ── graphql-ws on the same port and path ──────────────────────────────────────────────────
  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: config.api.maxBodyBytes });
  const principals = new WeakMap<WebSocket, Principal>();
  const share = opts.shareSubscriptions ?? true;
  const shared = createSharedSubscriptions({ bufferSize: opts.subscriberBuffer ?? 1000 });
  type Root = { execute: (a: ExecutionArgs) => Promise<SubscribeResult> | SubscribeResult; subscribe: (a: ExecutionArgs) => Promise<SubscribeResult> | SubscribeResult; shareKey: string };
  const disposeWs = useServer(
    {
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const address = ctx.extra.request.socket.remoteAddress;
        const token = wsToken(ctx.connectionParams);
        const lookup = isWellFormedToken(token);
        const blockedMs = addresses.wait(address, lookup);
        if (blockedMs > 0) {
          log.warn({ remote: address, lookup }, 'api: ws connection_init rate limited (no token lookup), closing 4429');
          socket.close(CloseCode.TooManyInitialisationRequests, `Too many attempts without a valid token; retry in ${retryAfterSeconds(blockedMs)} s`);
          return false;
        }
        let principal: Principal | undefined;
        try {
          principal = lookup ? await authenticate(pool, token) : undefined;
        } catch (err) {
          log.error({ err }, 'api: ws token lookup failed');
          socket.close(CloseCode.InternalServerError, 'authentication unavailable');
          return false;
        }
        if (!principal) {
          addresses.refused(address, lookup);
          log.info({ remote: address }, 'api: ws connection without a valid token closed (4401)');
          socket.close(CloseCode.Unauthorized, 'Unauthorized');
          return false;
        }
        principals.set(socket, principal);
        const unwatch = revocations.watch(principal, () => socket.close(CloseCode.Forbidden, 'Forbidden: token revoked'));
        socket.once('close', unwatch);
        if (socket.readyState !== socket.OPEN) unwatch(); // closed while the token was looked up
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const socket = ctx.extra.socket;
        const known = principals.get(socket);
        const principal = known && (await authenticate(pool, wsToken(ctx.connectionParams)));
        if (!principal) {
          log.info({ token: known?.name }, 'api: ws token no longer valid (revoked); closing 4403');
          socket.close(CloseCode.Forbidden, 'Forbidden');
          return [apiError('token revoked', 'FORBIDDEN')];
        }
        const waitMs = limiter.take(principal.tokenId);
        if (waitMs > 0) return [apiError(`rate limit exceeded; retry in ${Math.ceil(waitMs / 1000)} s`, 'RATE_LIMITED')];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, request: undefined, socket, params: payload, principal });
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          if (isGraphQLError(err)) return [withCode(err) as typeof err];
          throw err;
        }
        const errors: readonly GraphQLError[] = validate(schema, document);
        if (errors.length) return errors.map((e) => withCode(e) as GraphQLError);
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe, shareKey: shareKey(principal.role, payload) } satisfies Root,
        };
        return args;
      },
      execute: (args) => (args.rootValue as Root).execute(args),
      subscribe: (args) => {
        const root = args.rootValue as Root;
        return share ? shared.subscribe(root.shareKey, () => root.subscribe(args)) : root.subscribe(args);
      },
      onError: (_ctx, _id, _payload, errors) => {
        log.info({ errors: errors.map((e) => e.message) }, 'api: ws operation error');
      },
    },
    wss,
  );
  wss.on('error', (err) => log.warn({ err }, 'api: websocket server error'));

  const host = opts.host ?? config.api.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.api.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const base = `http://${hostPart}:${port}`;
  log.info({ url: base }, 'api: listening');
  const detachMetrics = metrics.instrumentApi({ connections: () => wss.clients.size, subscriptionStats: () => ({ ...shared.stats() }) });
  let metricsServer: ReturnType<typeof createServer> | undefined;
  let metricsUrl = `${base}/metrics`;
  if (metricsPort !== undefined) {
    const ms = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const done = path === '/metrics' ? serveMetrics(req, res) : Promise.resolve(sendJson(res, 404, { error: 'not found' }));
      void done.catch((err: unknown) => {
        log.error({ err }, 'metrics: scrape failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'scrape failed' });
      });
    });
    metricsServer = ms;
    await new Promise<void>((resolve, reject) => {
      ms.once('error', reject);
      ms.listen(metricsPort, host, () => {
        ms.off('error', reject);
        resolve();
      });
    });
    metricsUrl = `http://${hostPart}:${(ms.address() as AddressInfo).port}/metrics`;
    log.info({ url: metricsUrl }, 'metrics: listening');
  }

  let closed: Promise<void> | null = null;
  return {
    url: base,
    port,
    wsUrl: `${base.replace(/^http/, 'ws')}${GRAPHQL_PATH}`,
    connections: () => wss.clients.size,
    subscriptionStats: () => shared.stats(),
    metricsUrl,
    close: () =>
      (closed ??= (async () => {
        detachMetrics();
        revocations.close();
        for (const c of wss.clients) c.close(1001, 'server shutting down');
        await disposeWs.dispose();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (metricsServer) {
          metricsServer.closeAllConnections();
          await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        }
      })()),
  };
}
