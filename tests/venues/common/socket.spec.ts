/**
 * managedSocket against a real local ws server on 127.0.0.1 (port 0). Small timeouts keep it
 * fast; assertions are about order and state, never about how long something took.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { managedSocket } from '../../../src/venues/common/socket.js';
import type { FeedStatus, ManagedSocket, ManagedSocketOptions, RawFrame } from '../../../src/venues/common/types.js';

interface TestServer {
  wss: WebSocketServer;
  url: string;
  /** every connection, in order, with the request headers and the messages it received */
  conns: { ws: WebSocket; headers: Record<string, string | string[] | undefined>; received: string[] }[];
  close(): Promise<void>;
}

async function startServer(
  onConnection: (ws: WebSocket, index: number) => void = () => {},
  options: { autoPong?: boolean } = {},
): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: options.autoPong ?? true });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const conns: TestServer['conns'] = [];
  wss.on('connection', (ws, req) => {
    const c = { ws, headers: req.headers, received: [] as string[] };
    conns.push(c);
    ws.on('message', (d) => c.received.push(d.toString()));
    onConnection(ws, conns.length - 1);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    wss,
    url: `ws://127.0.0.1:${port}`,
    conns,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

async function waitFor(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sockets: ManagedSocket[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const s of servers.splice(0)) await s.close();
});

function open(opts: Partial<ManagedSocketOptions> & { url: string }) {
  const opened: string[] = [];
  const frames: RawFrame[] = [];
  const statuses: FeedStatus[] = [];
  let framesDone = false;
  let clock = 1_000;
  const sock = managedSocket({
    venue: 'kalshi',
    onOpen: (send, connId) => {
      opened.push(connId);
      send(`sub ${connId}`);
    },
    backoff: { baseMs: 10, maxMs: 40, stableMs: 60_000 },
    idleTimeoutMs: 2_000,
    now: () => ++clock,
    ...opts,
  });
  sockets.push(sock);
  sock.frames$.subscribe({ next: (f) => frames.push(f), complete: () => (framesDone = true) });
  sock.status$.subscribe((s) => statuses.push(s));
  return { sock, opened, frames, statuses, framesDone: () => framesDone };
}

const states = (ss: FeedStatus[]) => ss.map((s) => s.state);

describe('managedSocket', () => {
  it('connects, calls onOpen, delivers frames in order with the connId and our receive time', async () => {
    const srv = await startServer((ws) => {
      ws.once('message', () => {
        for (let i = 0; i < 50; i++) ws.send(`m${i}`);
        ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
      });
    });
    servers.push(srv);
    const t = open({ url: srv.url });
    await waitFor(() => t.frames.length === 51, '51 frames');
    expect(t.opened).toHaveLength(1);
    const connId = t.opened[0]!;
    expect(srv.conns[0]!.received).toEqual([`sub ${connId}`]);
    expect(t.frames.slice(0, 50).map((f) => f.data)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(t.frames.every((f) => f.connId === connId && f.venue === 'kalshi')).toBe(true);
    // tsReceived comes from opts.now (strictly increasing fake clock)
    const ts = t.frames.map((f) => f.tsReceived);
    expect(ts.every((v, i) => i === 0 || v > ts[i - 1]!)).toBe(true);
    expect(t.frames[50]).toMatchObject({ binary: true, data: Buffer.from([0, 1, 2, 255]).toString('base64') });
    expect(t.sock.counters.messages).toBe(51);
    expect(t.sock.counters.bytes).toBe(10 * 2 + 40 * 3 + 4); // m0..m9: 2 bytes, m10..m49: 3 bytes, the binary frame 4
    expect(states(t.statuses)).toEqual(['connecting', 'live']);
    expect(t.statuses[1]).toMatchObject({ state: 'live', attempt: 0, connId });
  });

  it('reconnects after the server drops the connection and calls onOpen again (resubscribe)', async () => {
    const srv = await startServer((ws, i) => {
      ws.once('message', () => {
        ws.send(`hello ${i}`);
        if (i === 0) setTimeout(() => ws.terminate(), 20);
      });
    });
    servers.push(srv);
    const t = open({ url: srv.url });
    await waitFor(() => t.frames.length === 2, 'a frame on each connection');
    expect(t.opened).toHaveLength(2);
    expect(t.opened[0]).not.toBe(t.opened[1]);
    expect(srv.conns[1]!.received).toEqual([`sub ${t.opened[1]}`]);
    expect(t.frames.map((f) => [f.data, f.connId])).toEqual([
      ['hello 0', t.opened[0]],
      ['hello 1', t.opened[1]],
    ]);
    expect(states(t.statuses)).toEqual(['connecting', 'live', 'reconnecting', 'connecting', 'live']);
    expect(t.statuses[2]!.reason).toMatch(/^close 1006/);
    expect(t.sock.counters.reconnects).toBe(1);
  });

  it('a stalled server (open, silent, no pongs) goes stale within idleTimeoutMs, then reconnects', async () => {
    const srv = await startServer(() => {}, { autoPong: false });
    servers.push(srv);
    const t = open({ url: srv.url, idleTimeoutMs: 300 });
    await waitFor(() => srv.conns.length >= 2, 'a second connection', 5000);
    expect(states(t.statuses).slice(0, 5)).toEqual(['connecting', 'live', 'stale', 'reconnecting', 'connecting']);
    expect(t.statuses[2]).toMatchObject({ state: 'stale', reason: 'idle 300 ms', connId: t.opened[0] });
    expect(t.statuses[3]).toMatchObject({ state: 'reconnecting', reason: 'idle 300 ms' });
    await waitFor(() => t.opened.length === 2, 'resubscribe');
  });

  it('a quiet server that answers our pings stays live (pong counts as liveness)', async () => {
    const srv = await startServer(); // autoPong on, sends nothing
    servers.push(srv);
    const t = open({ url: srv.url, idleTimeoutMs: 300 });
    await waitFor(() => t.opened.length === 1, 'open');
    await sleep(1000); // more than 3 idle periods of silence
    expect(states(t.statuses)).toEqual(['connecting', 'live']);
    expect(srv.conns).toHaveLength(1);
  });

  it('answers server pings (ws default) and counts them as liveness', async () => {
    let pongs = 0;
    let timer: NodeJS.Timeout | undefined;
    const srv = await startServer(
      (ws) => {
        ws.on('pong', () => pongs++);
        timer = setInterval(() => ws.ping('heartbeat'), 50);
      },
      { autoPong: false }, // the server itself never answers the client's pings
    );
    servers.push(srv);
    const t = open({ url: srv.url, idleTimeoutMs: 200 });
    await waitFor(() => pongs >= 10, '10 pongs');
    clearInterval(timer);
    expect(states(t.statuses)).toEqual(['connecting', 'live']);
  });

  it('sends the client heartbeat payload every intervalMs', async () => {
    const srv = await startServer();
    servers.push(srv);
    const t = open({ url: srv.url, heartbeat: { intervalMs: 20, payload: 'PING' } });
    await waitFor(() => (srv.conns[0]?.received.filter((m) => m === 'PING').length ?? 0) >= 3, '3 PINGs');
    expect(srv.conns[0]!.received[0]).toBe(`sub ${t.opened[0]}`);
  });

  it('backoff grows and is capped (random = 1), with the delay on the status', async () => {
    const srv = await startServer();
    const url = srv.url;
    await srv.close(); // nothing listens there now: every connect is refused
    const t = open({ url, random: () => 1, backoff: { baseMs: 5, maxMs: 40, stableMs: 60_000 } });
    await waitFor(() => t.statuses.filter((s) => s.state === 'reconnecting').length >= 6, '6 reconnects');
    t.sock.close();
    const recon = t.statuses.filter((s) => s.state === 'reconnecting');
    expect(recon.slice(0, 6).map((s) => s.retryInMs)).toEqual([5, 10, 20, 40, 40, 40]);
    expect(recon.slice(0, 6).map((s) => s.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(recon[0]!.reason).toMatch(/ECONNREFUSED/);
    expect(t.statuses.some((s) => s.state === 'live')).toBe(false);
  });

  it('resets the attempt counter after stableMs connected', async () => {
    const srv = await startServer((ws, i) => {
      // connections 0..2 are dropped at once; connection 3 lives long enough to be stable, then is dropped
      if (i < 3) ws.terminate();
      else if (i === 3) setTimeout(() => ws.terminate(), 150);
    });
    servers.push(srv);
    const t = open({ url: srv.url, random: () => 1, backoff: { baseMs: 5, maxMs: 1000, stableMs: 50 } });
    await waitFor(() => t.statuses.filter((s) => s.state === 'reconnecting').length >= 4, '4 reconnects');
    const recon = t.statuses.filter((s) => s.state === 'reconnecting');
    expect(recon.map((s) => s.retryInMs)).toEqual([5, 10, 20, 5]);
  });

  it('calls headers() before every connect and sends the fresh values', async () => {
    const srv = await startServer((ws, i) => {
      if (i === 0) setTimeout(() => ws.terminate(), 10);
    });
    servers.push(srv);
    let n = 0;
    const t = open({ url: srv.url, headers: () => ({ 'x-sig': `sig-${++n}` }) });
    await waitFor(() => t.opened.length === 2, 'two opens');
    expect(n).toBe(2);
    expect(srv.conns.map((c) => c.headers['x-sig'])).toEqual(['sig-1', 'sig-2']);
  });

  it('a throwing headers() or onOpen becomes a status change, not an exception', async () => {
    const srv = await startServer();
    servers.push(srv);
    let calls = 0;
    const t = open({
      url: srv.url,
      headers: () => {
        if (++calls === 1) throw new Error('no key');
        return {};
      },
      onOpen: (_send, connId) => {
        t2.push(connId);
        if (t2.length === 1) throw new Error('subscribe bug');
      },
    });
    const t2: string[] = [];
    await waitFor(() => t2.length === 2, 'second open');
    const reasons = t.statuses.filter((s) => s.state === 'reconnecting').map((s) => s.reason);
    expect(reasons).toEqual(['headers failed: no key', 'onOpen failed: subscribe bug']);
  });

  // issue 11: 401/403 are classified as authentication failures; other refusals keep the status code as reason
  for (const [code, reason] of [[401, 'auth failed: HTTP 401'], [403, 'auth failed: HTTP 403'], [503, 'handshake rejected: HTTP 503']] as const) {
    it(`a rejected handshake (HTTP ${code}) is a reconnect with reason "${reason}"`, async () => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (_info, cb) => cb(false, code, 'refused') });
      await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
      const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
      try {
        const t = open({ url });
        await waitFor(() => t.statuses.filter((s) => s.state === 'reconnecting').length >= 2, 'two reconnects');
        t.sock.close();
        expect(t.statuses.find((s) => s.state === 'reconnecting')?.reason).toBe(reason);
        expect(t.opened).toEqual([]);
      } finally {
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      }
    });
  }

  it('reconnect(reason) drops the connection and resubscribes; count() counts', async () => {
    const srv = await startServer();
    servers.push(srv);
    const t = open({ url: srv.url });
    await waitFor(() => t.opened.length === 1, 'open');
    t.sock.count('gaps');
    t.sock.count('resyncs');
    t.sock.count('decodeErrors');
    t.sock.reconnect('seq gap sid=2 expected 7 got 9');
    await waitFor(() => t.opened.length === 2, 'second open');
    expect(t.statuses.find((s) => s.state === 'reconnecting')?.reason).toBe('seq gap sid=2 expected 7 got 9');
    expect(t.sock.counters).toMatchObject({ gaps: 1, resyncs: 1, decodeErrors: 1, reconnects: 1 });
  });

  it('close() completes frames$ and status$, reports closed, never reconnects, leaves no handles', async () => {
    // Handles we care about: timers and TCP sockets/servers. The test runner holds a timer of its own.
    const handles = () => {
      const r = process.getActiveResourcesInfo();
      return { timers: r.filter((x) => x === 'Timeout').length, tcp: r.filter((x) => x.startsWith('TCP')).length };
    };
    await waitFor(() => handles().tcp === 0, 'sockets of earlier tests to go', 2000);
    const before = handles();
    const srv = await startServer((ws) => ws.send('x'));
    const t = open({ url: srv.url, heartbeat: { intervalMs: 20, payload: 'PING' }, idleTimeoutMs: 300 });
    let statusDone = false;
    t.sock.status$.subscribe({ complete: () => (statusDone = true) });
    await waitFor(() => t.frames.length === 1, 'a frame');
    t.sock.close();
    expect(t.framesDone()).toBe(true);
    expect(statusDone).toBe(true);
    expect(t.statuses.at(-1)).toMatchObject({ state: 'closed' });
    expect(t.sock.send('late')).toBe(false);
    t.sock.reconnect('after close'); // ignored
    await sleep(400); // longer than idle timeout and backoff
    expect(srv.conns).toHaveLength(1);
    expect(t.statuses.at(-1)!.state).toBe('closed');
    await srv.close();
    await waitFor(() => handles().tcp === 0, 'no TCP handles left', 2000);
    expect(handles().timers).toBeLessThanOrEqual(before.timers);
  });
});
