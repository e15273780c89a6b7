/**
 * The subscriber side of bench/api.bench.ts, in its OWN process (forked with an IPC channel) so
 * that the API server's event loop is measured, not the clients'. Raw `ws` clients speak
 * graphql-transport-ws, one connection and one `edgeAdded` subscription each.
 *
 * Latency of one delivery = receive time here − publish time in the server, both
 * `performance.timeOrigin + performance.now()` (same machine, same wall clock at start; the
 * publish time travels in the edge id: `<phase>:<seq>:<publish ms, fractional>`). The receive time
 * is taken first thing in the 'message' handler, so it still includes this process's own queueing
 * of the frames that arrived together (one client process reads n sockets in turn).
 *
 * IPC (parent → child → parent):
 *   { op: 'open', wsUrl, token, n, query }  → { op: 'opened', n, failed }
 *   { op: 'reset' }                          → { op: 'reset' }          (drops samples, keeps sockets)
 *   { op: 'status' }                         → { op: 'status', warm, received }
 *   { op: 'collect' }                        → { op: 'collect', received, p50, p90, p99, max, perSubscriberMin, perSubscriberMax, errors }
 *   { op: 'close' }                          → { op: 'closed' }
 */
import WebSocket from 'ws';
import { z } from 'zod';

const Cmd = z.discriminatedUnion('op', [
  z.object({ op: z.literal('open'), wsUrl: z.string(), token: z.string(), n: z.number().int().positive(), query: z.string() }),
  z.object({ op: z.literal('reset') }),
  z.object({ op: z.literal('status') }),
  z.object({ op: z.literal('collect') }),
  z.object({ op: z.literal('close') }),
]);
export type ClientCmd = z.infer<typeof Cmd>;

export interface ClientSummary {
  readonly op: 'collect';
  readonly received: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** fewest / most measured messages one subscriber got (a drop or a stuck socket shows here) */
  readonly perSubscriberMin: number;
  readonly perSubscriberMax: number;
  /** graphql-ws `error` messages and unexpected closes */
  readonly errors: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const pct = (sorted: Float64Array, p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

interface Client {
  ws: WebSocket;
  warm: boolean;
  got: number;
}

let clients: Client[] = [];
let samples = new Float64Array(1 << 16);
let count = 0;
let errors = 0;

function record(ms: number): void {
  if (count === samples.length) {
    const bigger = new Float64Array(samples.length * 2);
    bigger.set(samples);
    samples = bigger;
  }
  samples[count++] = ms;
}

function open(wsUrl: string, token: string, query: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
    const c: Client = { ws, warm: false, got: 0 };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
    ws.on('message', (raw: Buffer) => {
      const t = now();
      const msg = JSON.parse(raw.toString()) as { type: string; payload?: { data?: { edgeAdded?: { edgeId?: string } } } };
      if (msg.type === 'next') {
        const id = msg.payload?.data?.edgeAdded?.edgeId ?? '';
        const [phase, , sent] = id.split(':');
        if (phase === 'w') c.warm = true;
        else if (sent !== undefined) {
          record(t - Number(sent));
          c.got++;
        }
      } else if (msg.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        resolve(c);
      } else if (msg.type === 'error') errors++;
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (code !== 1000 && code !== 1001) {
        errors++;
        reject(new Error(`ws closed ${code}`));
      }
    });
  });
}

async function handle(cmd: ClientCmd): Promise<unknown> {
  switch (cmd.op) {
    case 'open': {
      let failed = 0;
      for (let i = 0; i < cmd.n; i += 250) {
        const batch = await Promise.allSettled(Array.from({ length: Math.min(250, cmd.n - i) }, () => open(cmd.wsUrl, cmd.token, cmd.query)));
        for (const r of batch) if (r.status === 'fulfilled') clients.push(r.value);
        else failed++;
      }
      return { op: 'opened', n: clients.length, failed };
    }
    case 'reset':
      count = 0;
      errors = 0;
      for (const c of clients) c.got = 0;
      return { op: 'reset' };
    case 'status':
      return { op: 'status', warm: clients.filter((c) => c.warm).length, received: count };
    case 'collect': {
      const sorted = samples.slice(0, count).sort();
      let lo = Infinity;
      let hi = 0;
      for (const c of clients) {
        lo = Math.min(lo, c.got);
        hi = Math.max(hi, c.got);
      }
      const s: ClientSummary = { op: 'collect', received: count, p50: pct(sorted, 50), p90: pct(sorted, 90), p99: pct(sorted, 99), max: sorted.at(-1) ?? NaN, perSubscriberMin: lo, perSubscriberMax: hi, errors };
      return s;
    }
    case 'close': {
      await Promise.all(
        clients.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.ws.readyState === WebSocket.CLOSED) return resolve();
              c.ws.once('close', () => resolve());
              c.ws.close(1000);
            }),
        ),
      );
      clients = [];
      return { op: 'closed' };
    }
  }
}

process.on('message', (raw: unknown) => {
  const cmd = Cmd.safeParse(raw);
  if (!cmd.success) {
    process.send?.({ op: 'bad', error: cmd.error.message });
    return;
  }
  handle(cmd.data).then(
    (reply) => process.send?.(reply),
    (err: unknown) => process.send?.({ op: 'failed', error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
