/**
 * The container health checks really answer 200 (issue 11 point 4): the health-check path is
 * extracted from the Dockerfile HEALTHCHECK and from docker-compose.yml's app healthcheck, then
 * called against the real API server (src/api/server.ts, as `arbstream serve` and `run` start it)
 * on the machine's PostgreSQL. Both probe scripts are also run verbatim with `node -e`, pointed at
 * the test server's port, and must exit 0.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadConfig } from '../src/config.js';
import { createLiveEvents, type LiveEventsHandle } from '../src/api/events.js';
import { startApiServer, type ApiServer } from '../src/api/server.js';
import { pgTestPool, type PgTestDb } from './helpers/db.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(path.join(root, p), 'utf8');

/** The `node -e` script of the Dockerfile HEALTHCHECK (exec form). */
function dockerfileProbe(): string {
  const m = /^HEALTHCHECK\b[^\n]*\\\n\s*CMD (\[.*\])$/m.exec(read('Dockerfile'));
  expect(m, 'Dockerfile has a HEALTHCHECK with an exec-form CMD').not.toBeNull();
  const cmd = z.array(z.string()).parse(JSON.parse(m![1]!));
  expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
  return cmd[2]!;
}

/** The `node -e` script of the compose app service's healthcheck. */
function composeProbe(): string {
  const doc = z.object({ services: z.object({ app: z.object({ healthcheck: z.object({ test: z.array(z.string()) }) }) }) }).parse(parse(read('docker-compose.yml')));
  const test = doc.services.app.healthcheck.test;
  expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
  return test[3]!;
}

/** The URL path a probe script fetches (`'/healthz'` after the host:port part). */
/** Runs `node -e script` WITHOUT blocking this process (the server under test lives in it). */
const runProbe = (script: string, env: Record<string, string> = {}): Promise<number> =>
  new Promise((resolve) => {
    const child = execFile(process.execPath, ['-e', script], { env, timeout: 20_000 }, () => resolve(child.exitCode ?? -1));
  });

const probePath = (script: string): string => {
  const m = /fetch\('http:\/\/127\.0\.0\.1:[^/]*?(\/[A-Za-z0-9_/-]*)'\)/.exec(script);
  expect(m, `a fetch of a path in: ${script}`).not.toBeNull();
  return m![1]!;
};

let db: PgTestDb;
let live: LiveEventsHandle;
let api: ApiServer;
let port: number;

beforeAll(async () => {
  db = await pgTestPool({ migrate: true });
  live = await createLiveEvents({ redis: { mode: 'memory' } });
  api = await startApiServer({ config: loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' }), pool: db.pool, events: live, host: '127.0.0.1', port: 0 });
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api?.close();
  await live?.close();
  await db?.drop();
});

describe('health checks of the Dockerfile and docker-compose.yml', () => {
  it('both files probe the same path, and the running API server answers it with 200', async () => {
    const paths = [probePath(dockerfileProbe()), probePath(composeProbe())];
    expect(paths[0]).toBe(paths[1]);
    for (const p of new Set(paths)) {
      const res = await fetch(`http://127.0.0.1:${port}${p}`);
      expect(res.status, p).toBe(200);
      expect(await res.json()).toEqual({ ok: true });
    }
  });

  it('the Dockerfile probe script, run as docker runs it (API_PORT set), exits 0', async () => {
    expect(await runProbe(dockerfileProbe(), { API_PORT: String(port) })).toBe(0);
  });

  it('the compose probe script (its fixed port 4000 pointed at the test server) exits 0', async () => {
    const script = composeProbe();
    expect(script).toContain('127.0.0.1:4000/');
    expect(await runProbe(script.replace('127.0.0.1:4000/', `127.0.0.1:${port}/`))).toBe(0);
  });

  it('a probe of a path that does not exist fails (the check can fail)', async () => {
    expect(await runProbe(dockerfileProbe().replace(/\/healthz'/, "/no-such-path'"), { API_PORT: String(port) })).toBe(1);
  });
});

describe('production API exposure (NODE_ENV=production: GraphiQL off, introspection for admins only)', () => {
  const introspect = async (token: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    return (await res.json()) as { data?: unknown; errors?: { message: string }[] };
  };

  it('the GraphiQL page is not served', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toMatch(/graphiql/i);
  });

  it('introspection is refused for a viewer and an operator, allowed for an admin', async () => {
    const { createToken } = await import('../src/api/auth.js');
    for (const role of ['viewer', 'operator'] as const) {
      const t = await createToken(db.pool, { name: `intro-${role}`, role });
      const r = await introspect(t.token);
      expect(r.data ?? null, role).toBeNull();
      expect(r.errors?.[0]?.message, role).toMatch(/introspection/i);
    }
    const admin = await createToken(db.pool, { name: 'intro-admin', role: 'admin' });
    expect(await introspect(admin.token)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});
