/**
 * Embedded TimescaleDB: PGlite (PostgreSQL compiled to WASM) built with the timescaledb
 * extension, persisted to a data directory and served on a TCP port with the PostgreSQL wire
 * protocol, so that `pg`, psql and Grafana connect to it exactly as to a server.
 *
 * This is the ONE module that knows the engine. Facts that shape it (measured with
 * pglite-socket 0.0.19, see schema/README.md):
 *
 *  - PGlite is a single backend. pglite-socket attaches ONE client socket at a time and queues
 *    the others until the active one disconnects. A `pg.Pool` with max > 1 therefore deadlocks
 *    (the second connection waits for the first, which the pool keeps idle). Clients of the
 *    embedded server must use a pool of max 1 with a short idle timeout (see `openDb`).
 *  - Session state survives a disconnect: an open transaction, `SET search_path`, advisory
 *    locks and prepared statements left by one client are seen by the next. A client that dies
 *    mid-transaction would hand its half-done transaction to the next client, which could then
 *    COMMIT it. pglite-socket's own server has no hook for this, so we run our own small accept
 *    loop around its `PGLiteSocketHandler` and reset the session (ROLLBACK; DISCARD ALL) between
 *    clients, as pgbouncer's `server_reset_query` does.
 *  - There is no file lock on the data directory and two processes on one directory corrupt it,
 *    so we hold `<dataDir>.lock` (pid inside) while running.
 *  - PGlite has no background workers: TimescaleDB policies (compression, retention, continuous
 *    aggregate refresh) are registered but never run on their own here.
 */
import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, statSync, accessSync, constants as fsc, openSync, writeSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { FatalError } from '../../errors.js';
import { log } from '../../log.js';

export interface EmbeddedDbOptions {
  /** Data directory (created if missing). */
  dataDir: string;
  /** Listen address, e.g. 127.0.0.1. */
  host: string;
  /** Listen port; 0 picks a free port (read it back from `url`/`port`). */
  port: number;
  /** How long a client waits for its turn on the single connection before it is closed. Default 60 s. */
  queueTimeoutMs?: number;
}

export interface EmbeddedDb {
  /** postgres:// URL of the server (no password: the embedded server trusts local clients). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Closes the server and PGlite (flushing data to disk) and releases the data-dir lock. Idempotent. */
  stop(): Promise<void>;
}

const fail = (why: string, info: Record<string, unknown>, cause?: unknown): FatalError =>
  new FatalError(
    `the embedded TimescaleDB failed to start: ${why}. ` +
      'Fix that, or set DATABASE_URL to use a PostgreSQL/TimescaleDB server instead (e.g. DATABASE_URL=postgres://user@host:5432/db).',
    info,
    cause === undefined ? undefined : { cause },
  );

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    throw fail(`cannot create the data directory ${dataDir} (${errText(e)})`, { dataDir }, e);
  }
  if (!statSync(dataDir).isDirectory()) throw fail(`the data directory ${dataDir} is not a directory`, { dataDir });
  try {
    accessSync(dataDir, fsc.R_OK | fsc.W_OK);
  } catch (e) {
    throw fail(`the data directory ${dataDir} is not readable and writable (${errText(e)})`, { dataDir }, e);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dataDir>.lock` (exclusive create; a lock left by a dead process is taken over). */
function lockDataDir(dataDir: string): () => void {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(lockPath, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw fail(`cannot create the lock file ${lockPath} (${errText(e)})`, { dataDir, lockPath }, e);
      }
      const pid = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw fail(`the data directory ${dataDir} is in use by process ${pid} (lock file ${lockPath})`, { dataDir, lockPath, pid });
      }
      log.warn({ dataDir, lockPath, stalePid: pid }, 'embedded db: taking over a stale data-dir lock');
      rmSync(lockPath, { force: true });
    }
  }
  throw fail(`cannot take the lock file ${lockPath}`, { dataDir, lockPath });
}

/** Settings a client may change with SET (user/superuser context), with their current values. */
async function settingsOf(db: PGlite): Promise<Map<string, string>> {
  const r = await db.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE context IN ('user', 'superuser')`);
  return new Map(r.rows.map((x) => [x.name, x.setting]));
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/**
 * pglite-socket 0.0.19 hands every TCP chunk to PGlite as if it were whole protocol messages, so a
 * message larger than one chunk (about 64 KB: a big batch insert, a large jsonb) reaches PGlite
 * truncated and the WASM aborts ("unreachable"), taking the process down. This wrapper re-frames the
 * stream: it buffers chunks and hands the handler only complete messages, one batch at a time
 * (awaiting the handler before the next, so batches never interleave).
 */
export function framedSocket(socket: Socket): Socket {
  const listeners: ((data: Buffer) => unknown)[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let startup = true; // untyped messages (SSLRequest, StartupMessage) until the startup message
  let chain: Promise<void> = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (startup) {
        if (pending.length - off < 8) break;
        const len = pending.readInt32BE(off);
        if (pending.length - off < len) break;
        const code = pending.readInt32BE(off + 4);
        off += len;
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) startup = false;
      } else {
        if (pending.length - off < 5) break;
        const len = pending.readInt32BE(off + 1);
        if (pending.length - off < 1 + len) break;
        off += 1 + len;
      }
    }
    if (off === 0) return;
    const complete = Buffer.from(pending.subarray(0, off));
    pending = Buffer.from(pending.subarray(off));
    chain = chain.then(async () => {
      for (const l of [...listeners]) await l(complete);
    }).catch((err: unknown) => log.warn({ err }, 'embedded db: client message handling failed'));
  });
  const proxy: Socket = new Proxy(socket, {
    get(target, prop) {
      if (prop === 'on' || prop === 'addListener') {
        return (event: string, fn: (...a: unknown[]) => unknown) => {
          if (event === 'data') listeners.push(fn as (data: Buffer) => unknown);
          else target.on(event, fn);
          return proxy;
        };
      }
      if (prop === 'removeAllListeners') {
        return (event?: string) => {
          if (event === 'data' || event === undefined) listeners.length = 0;
          if (event !== 'data') target.removeAllListeners(event);
          return proxy;
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return proxy;
}

/**
 * Undoes what a client left in the single PGlite session: its open transaction (rolled back, as a
 * server does on disconnect), prepared statements, advisory locks, temp tables (DISCARD ALL) and
 * settings. In PGlite a SET also changes the value RESET goes back to, so settings are restored
 * from the snapshot taken at start.
 */
async function resetSession(db: PGlite, baseline: Map<string, string>): Promise<void> {
  // separate round trips: DISCARD ALL refuses the implicit transaction of a multi-statement query
  await db.exec('ROLLBACK');
  await db.exec('DISCARD ALL');
  for (const [name, value] of await settingsOf(db)) {
    const want = baseline.get(name);
    if (want !== undefined && want !== value) await db.query('SELECT set_config($1, $2, false)', [name, want]);
  }
}

/**
 * Starts PGlite with TimescaleDB on `dataDir` and serves it on `host:port`.
 * Throws a {@link FatalError} that says why and points to DATABASE_URL when it cannot start.
 */
export async function startEmbeddedDb(opts: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const dataDir = resolve(opts.dataDir);
  const queueTimeoutMs = opts.queueTimeoutMs ?? 60_000;
  prepareDataDir(dataDir);
  const unlock = lockDataDir(dataDir);

  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir, extensions: { timescaledb } });
  } catch (e) {
    unlock();
    // PGlite reports a damaged/foreign directory only as "Program terminated with exit(1)"
    throw fail(`PGlite could not open ${dataDir} (${errText(e)}); is it a PGlite data directory of this version?`, { dataDir }, e);
  }

  let baseline: Map<string, string>;
  try {
    // PGlite has no shared_preload_libraries: on a reopened data directory the timescaledb loader is
    // not loaded until something calls into it, and until then hypertable inserts fail ("invalid
    // INSERT on the root table") and continuous-aggregate triggers miss the TSL module. Load it now.
    if ((await db.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).rows.length) await db.exec("LOAD 'timescaledb'");
    baseline = await settingsOf(db);
  } catch (e) {
    await db.close().catch(() => undefined);
    unlock();
    throw fail(`PGlite opened ${dataDir} but does not answer queries (${errText(e)})`, { dataDir }, e);
  }

  const queue: Array<{ socket: Socket; timer: NodeJS.Timeout }> = [];
  let active: PGLiteSocketHandler | null = null;
  let stopping = false;
  let resetting: Promise<void> = Promise.resolve();

  const next = (): void => {
    if (active || stopping) return;
    const item = queue.shift();
    if (!item) return;
    clearTimeout(item.timer);
    if (item.socket.destroyed) return next();
    const handler = new PGLiteSocketHandler({ db, closeOnDetach: true });
    active = handler;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      // the handler's exclusive lock is released in the same tick; this reset queues behind it
      resetting = resetSession(db, baseline)
        .catch((err: unknown) => log.error({ err }, 'embedded db: session reset between clients failed'))
        .finally(() => {
          if (active === handler) active = null;
          next();
        });
    };
    handler.addEventListener('close', finish);
    handler.addEventListener('error', (ev) => {
      log.warn({ err: (ev as CustomEvent<unknown>).detail }, 'embedded db: client connection error');
      finish();
    });
    handler.attach(framedSocket(item.socket)).catch((err: unknown) => {
      log.warn({ err }, 'embedded db: could not attach a client');
      item.socket.destroy();
      finish();
    });
  };

  const server: Server = createServer((socket) => {
    if (stopping) {
      socket.destroy();
      return;
    }
    socket.on('error', (err) => log.debug({ err }, 'embedded db: socket error'));
    const timer = setTimeout(() => {
      const i = queue.findIndex((q) => q.socket === socket);
      if (i >= 0) {
        queue.splice(i, 1);
        log.warn({ queueTimeoutMs }, 'embedded db: a client waited too long for the single connection; closed it');
        socket.destroy();
      }
    }, queueTimeoutMs);
    timer.unref();
    queue.push({ socket, timer });
    next();
  });

  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(opts.port, opts.host, () => {
        server.off('error', rej);
        res();
      });
    });
  } catch (e) {
    await db.close().catch(() => undefined);
    unlock();
    throw fail(`cannot listen on ${opts.host}:${opts.port} (${errText(e)}); set EMBEDDED_DB_PORT to a free port`, { host: opts.host, port: opts.port }, e);
  }
  server.on('error', (err) => log.error({ err }, 'embedded db: server error'));
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `postgres://postgres@${urlHost}:${port}/postgres`;
  log.info({ dataDir, host: opts.host, port }, 'embedded TimescaleDB listening');

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      for (const q of queue.splice(0)) {
        clearTimeout(q.timer);
        q.socket.destroy();
      }
      const closed = new Promise<void>((res) => server.close(() => res()));
      active?.detach(true);
      await closed;
      await resetting;
      try {
        await db.close();
      } finally {
        unlock();
      }
      log.info({ dataDir }, 'embedded TimescaleDB stopped');
    })();
    return stopped;
  };

  return { url, host: opts.host, port, dataDir, stop };
}
