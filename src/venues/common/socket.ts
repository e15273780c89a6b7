/**
 * The venue connection lifecycle shared by Polymarket and Kalshi: one WebSocket (the `ws`
 * package) kept alive for as long as the caller wants it.
 *
 * - connects with fresh `headers()` every time (Kalshi signs a timestamp);
 * - calls `onOpen(send, connId)` on every open, so the venue layer (re)subscribes;
 * - optional client heartbeat (a text payload every `intervalMs`, e.g. Polymarket's `PING`);
 * - answers server WS pings (ws's `autoPong`, on by default) and counts pings, pongs and frames
 *   as liveness; every `probeIntervalMs` of silence (default a third of the idle timeout) it probes
 *   the connection: a WS ping, plus the venue's text probe when it has one (Polymarket `PING` →
 *   `PONG`), so a quiet but healthy connection answers well within the idle timeout;
 * - idle timeout (default 5000 ms; the app derives it from RISK_MAX_BOOK_AGE_MS): nothing at all
 *   (no frame, no pong) for that long ⇒ status 'stale', terminate, reconnect; a silent-but-open
 *   socket is therefore detected within `idleTimeoutMs`, so its books are never priced past it;
 * - a handshake refused with HTTP 401/403 is an authentication failure: status reason
 *   `auth failed: HTTP 401`, one clear error line (wrong key id or private key), then backoff;
 * - reconnects with exponential backoff, full jitter and a cap ({@link backoffDelay}); the
 *   attempt counter is reset after `stableMs` connected;
 * - `status$` replays the current status: connecting → live → stale/reconnecting(reason) →
 *   connecting → … → closed;
 * - never throws out of an event handler: failures become status changes, logs and counters.
 *
 * The socket connects as soon as it is created; subscribe to `frames$` in the same tick (the
 * first frame cannot arrive before the next turn of the event loop). `frames$` is hot: frames
 * received while nobody is subscribed are not buffered.
 *
 * `close()` terminates the connection (no closing handshake, so no ws close timer is left
 * behind), clears every timer, stops reconnecting and completes `frames$` and `status$`.
 */
import { randomBytes } from 'node:crypto';
import { BehaviorSubject, Subject } from 'rxjs';
import WebSocket from 'ws';
import { performance } from 'node:perf_hooks';
import { limitedLog, log } from '../../log.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { MAX_FRAME_BYTES } from './frameGuard.js';
import type { FeedCounters, FeedState, FeedStatus, ManagedSocket, ManagedSocketOptions, RawFrame } from './types.js';

export const DEFAULT_IDLE_TIMEOUT_MS = 5_000;
/** Status reason prefix of a handshake refused for credentials (HTTP 401/403). */
export const AUTH_FAILED = 'auth failed';

/** The default probe interval for an idle timeout: a third of it, so two probes go unanswered before stale. */
export const defaultProbeIntervalMs = (idleTimeoutMs: number): number => Math.max(1, Math.floor(idleTimeoutMs / 3));

interface Conn {
  readonly id: string;
  readonly ws: WebSocket;
  open: boolean;
  /** last error seen on this connection, used as the reason of the close that follows */
  lastError?: string;
  /** performance.now() of the last sign of life */
  lastAlive: number;
  idleTimer?: NodeJS.Timeout;
  probeTimer?: NodeJS.Timeout;
  heartbeatTimer?: NodeJS.Timeout;
  stableTimer?: NodeJS.Timeout;
}

const errMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Opens and keeps open one venue WebSocket. See the module comment for the lifecycle. */
export function managedSocket(opts: ManagedSocketOptions): ManagedSocket {
  const { venue } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const probeIntervalMs = opts.probeIntervalMs ?? defaultProbeIntervalMs(idleTimeoutMs);
  if (!(idleTimeoutMs > 0)) throw new RangeError(`idleTimeoutMs must be positive, got ${idleTimeoutMs}`);
  if (!(probeIntervalMs > 0 && probeIntervalMs < idleTimeoutMs)) throw new RangeError(`probeIntervalMs must be in (0, idleTimeoutMs), got ${probeIntervalMs}`);
  if (opts.heartbeat && !(opts.heartbeat.intervalMs > 0)) throw new RangeError('heartbeat.intervalMs must be positive');

  const counters: FeedCounters = { messages: 0, bytes: 0, decodeErrors: 0, gaps: 0, reconnects: 0, resyncs: 0 };
  const frames$ = new Subject<RawFrame>();
  /** reconnect attempts since the last stable connection */
  let attempt = 0;
  let connSeq = 0;
  const session = randomBytes(3).toString('hex');
  let current: Conn | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const status$ = new BehaviorSubject<FeedStatus>({ venue, state: 'connecting', ts: now(), attempt: 0 });
  const setStatus = (state: FeedState, reason?: string, connId?: string, retryInMs?: number): void => {
    const s: FeedStatus = {
      venue,
      state,
      ts: now(),
      attempt: state === 'live' ? 0 : attempt,
      ...(reason !== undefined ? { reason } : {}),
      ...(connId !== undefined ? { connId } : {}),
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    };
    const level = state === 'live' || state === 'connecting' || state === 'closed' ? 'info' : 'warn';
    log[level]({ venue, state, reason, attempt: s.attempt, connId, retryInMs }, 'feed status');
    status$.next(s);
  };

  const clearConnTimers = (c: Conn): void => {
    clearTimeout(c.idleTimer);
    clearInterval(c.probeTimer);
    clearInterval(c.heartbeatTimer);
    clearTimeout(c.stableTimer);
    c.idleTimer = c.probeTimer = c.heartbeatTimer = c.stableTimer = undefined;
  };

  /** Detaches and kills a connection; its late events are ignored (they no longer match `current`). */
  const dispose = (c: Conn): void => {
    clearConnTimers(c);
    if (current === c) current = undefined;
    try {
      c.ws.terminate();
    } catch (err) {
      log.debug({ err, venue, connId: c.id }, 'terminate failed');
    }
  };

  const scheduleReconnect = (reason: string): void => {
    if (closed) return;
    clearTimeout(reconnectTimer);
    const delay = backoffDelay(attempt, backoff, random);
    attempt += 1;
    counters.reconnects += 1;
    setStatus('reconnecting', reason, undefined, delay);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
  };

  /** A connection is gone (closed, failed, stale, or dropped on request): reconnect if it was the current one. */
  const lost = (c: Conn, reason: string): void => {
    if (c !== current) return;
    dispose(c);
    scheduleReconnect(reason);
  };

  /** Any sign of life: a frame, a ping or a pong. */
  const alive = (c: Conn): void => {
    c.lastAlive = performance.now();
    c.idleTimer?.refresh();
  };

  const armLiveness = (c: Conn): void => {
    c.idleTimer = setTimeout(() => {
      if (c !== current) return;
      const reason = `idle ${idleTimeoutMs} ms`;
      setStatus('stale', reason, c.id);
      lost(c, reason);
    }, idleTimeoutMs);
    // Probe whenever the connection has been quiet for a probe interval; any answer refreshes the idle timer.
    c.probeTimer = setInterval(() => {
      if (c !== current || !c.open || performance.now() - c.lastAlive < probeIntervalMs * 0.9) return;
      try {
        c.ws.ping();
        if (opts.probePayload !== undefined) c.ws.send(opts.probePayload, (err) => err && log.debug({ err, venue }, 'probe send failed'));
      } catch (err) {
        log.debug({ err, venue, connId: c.id }, 'probe failed');
      }
    }, probeIntervalMs);
  };

  const onOpen = (c: Conn): void => {
    if (c !== current) return;
    c.open = true;
    alive(c);
    c.stableTimer = setTimeout(() => {
      c.stableTimer = undefined;
      attempt = 0;
    }, backoff.stableMs);
    if (opts.heartbeat) {
      const { payload, intervalMs } = opts.heartbeat;
      c.heartbeatTimer = setInterval(() => {
        if (c === current && c.ws.readyState === WebSocket.OPEN) c.ws.send(payload, (err) => err && log.debug({ err, venue }, 'heartbeat send failed'));
      }, intervalMs);
    }
    setStatus('live', undefined, c.id);
    const send = (data: string): boolean => sendOn(c, data);
    try {
      opts.onOpen(send, c.id);
    } catch (err) {
      log.error({ err, venue, connId: c.id }, 'onOpen failed; reconnecting');
      lost(c, `onOpen failed: ${errMessage(err)}`);
    }
  };

  const onMessage = (c: Conn, data: WebSocket.RawData, isBinary: boolean): void => {
    if (c !== current) return;
    alive(c);
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    counters.messages += 1;
    counters.bytes += buf.length;
    const frame: RawFrame = isBinary
      ? { venue, connId: c.id, tsReceived: now(), data: buf.toString('base64'), binary: true }
      : { venue, connId: c.id, tsReceived: now(), data: buf.toString('utf8') };
    try {
      frames$.next(frame);
    } catch (err) {
      // a subscriber threw synchronously; RxJS normally reports these asynchronously, keep the socket alive anyway
      log.error({ err, venue, connId: c.id }, 'frame subscriber failed');
    }
  };

  const sendOn = (c: Conn, data: string): boolean => {
    if (closed || c !== current || c.ws.readyState !== WebSocket.OPEN) return false;
    try {
      c.ws.send(data, (err) => {
        if (err) log.warn({ err, venue, connId: c.id }, 'send failed');
      });
      return true;
    } catch (err) {
      log.warn({ err, venue, connId: c.id }, 'send failed');
      return false;
    }
  };

  function connect(): void {
    if (closed) return;
    connSeq += 1;
    const id = `${venue}-${session}-${connSeq}`;
    setStatus('connecting', attempt > 0 ? `attempt ${attempt}` : undefined, id);
    let headers: Record<string, string> | undefined;
    try {
      headers = opts.headers?.();
    } catch (err) {
      log.error({ err, venue }, 'headers() failed');
      scheduleReconnect(`headers failed: ${errMessage(err)}`);
      return;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(opts.url, { headers, handshakeTimeout: Math.max(idleTimeoutMs, 1_000), perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES });
    } catch (err) {
      // e.g. an invalid URL: retrying will not help, but keep the contract (never throw) and back off
      log.error({ err, venue, url: opts.url }, 'cannot create WebSocket');
      scheduleReconnect(`connect failed: ${errMessage(err)}`);
      return;
    }
    const c: Conn = { id, ws, open: false, lastAlive: performance.now() };
    current = c;
    armLiveness(c);
    ws.on('open', () => onOpen(c));
    ws.on('message', (data, isBinary) => onMessage(c, data, isBinary));
    ws.on('ping', () => c === current && alive(c));
    ws.on('pong', () => c === current && alive(c));
    ws.on('unexpected-response', (_req, res) => {
      const code = res.statusCode ?? 0;
      c.lastError = `HTTP ${code || '?'}`;
      res.resume();
      if (code === 401 || code === 403) {
        if (c === current) {
          limitedLog.log('error', `${venue} auth failed`, { venue, connId: id, status: code }, `${venue} refused our credentials (HTTP ${code}): check the API key id and private key`);
        }
        lost(c, `${AUTH_FAILED}: HTTP ${code}`);
        return;
      }
      lost(c, `handshake rejected: ${c.lastError}`);
    });
    ws.on('error', (err) => {
      c.lastError = err.message;
      if (c === current) log.warn({ err, venue, connId: id }, 'socket error');
      lost(c, `error: ${err.message}`);
    });
    ws.on('close', (code, reasonBuf) => {
      const text = reasonBuf.toString('utf8');
      lost(c, `close ${code}${text ? ` ${text}` : ''}${c.lastError ? ` (${c.lastError})` : ''}`);
    });
  }

  connect();

  return {
    frames$: frames$.asObservable(),
    status$: status$.asObservable(),
    counters,
    send(data: string): boolean {
      return current ? sendOn(current, data) : false;
    },
    reconnect(reason: string): void {
      if (closed) return;
      if (current) lost(current, reason);
      else if (reconnectTimer) {
        // already waiting: reconnect now instead of after the backoff
        clearTimeout(reconnectTimer);
        reconnectTimer = undefined;
        connect();
      }
    },
    count(counter: 'decodeErrors' | 'gaps' | 'resyncs'): void {
      counters[counter] += 1;
    },
    close(): void {
      if (closed) return;
      closed = true;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      if (current) dispose(current);
      setStatus('closed', 'closed by client');
      frames$.complete();
      status$.complete();
    },
  };
}
