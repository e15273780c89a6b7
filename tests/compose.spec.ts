/**
 * Static checks of the full stack (docker-compose.yml, Dockerfile, .dockerignore, Grafana
 * provisioning). No Docker daemon is needed: the files are parsed and the app's environment is
 * interpolated the way `docker compose` does and then fed to the real loadConfig().
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { ENV, loadConfig } from '../src/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(path.join(root, p), 'utf8');

const Healthcheck = z.object({
  test: z.union([z.string().min(1), z.array(z.string()).min(2)]),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  retries: z.number().int().positive().optional(),
  start_period: z.string().optional(),
});
const Service = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string(), dockerfile: z.string().optional() })]).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: Healthcheck.optional(),
});
const Compose = z.object({
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.unknown()).optional(),
});

const compose = Compose.parse(parse(read('docker-compose.yml')));
const services = compose.services;
const app = services.app!;
const dockerfile = read('Dockerfile');

/** Compose variable interpolation: ${V}, ${V:-d}, ${V-d}, ${V:?e}, ${V?e}, $V, $$. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g, (m, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (m === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = vars[name];
    const unset = op?.startsWith(':') ? v === undefined || v === '' : v === undefined;
    if (op?.endsWith('?') && unset) throw new Error(`required variable ${name}: ${arg}`);
    if (op?.endsWith('-') && unset) return arg ?? '';
    return v ?? '';
  });
}

function appEnv(vars: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(app.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]));
}

/** The three passwords README tells the user to put in .env; nothing else. */
const DOT_ENV = { POSTGRES_PASSWORD: 'pw0123456789abcdef', GRAFANA_DB_PASSWORD: 'gr0123456789', GRAFANA_ADMIN_PASSWORD: 'ad0123456789' };

/** Variables the app service may set that are not in ENV (none today; add with a reason). */
const DOCUMENTED_EXTRAS: readonly string[] = [];

describe('docker-compose.yml', () => {
  it('has the five services, each with a healthcheck', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'grafana', 'prometheus', 'redis', 'timescaledb']);
    for (const [name, svc] of Object.entries(services)) {
      expect(svc.healthcheck, `${name} healthcheck`).toBeDefined();
      const test = svc.healthcheck!.test;
      if (Array.isArray(test)) expect(['CMD', 'CMD-SHELL']).toContain(test[0]);
    }
  });

  it('pins every image to an exact version tag (no latest, no bare name, no floating major)', () => {
    const images = Object.entries(services).map(([name, s]) => [name, s.image] as const);
    for (const [name, image] of images) {
      expect(image, `${name} has an image`).toBeDefined();
      const m = /^([a-z0-9][a-z0-9._/-]*):([A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(image!);
      expect(m, `${name}: ${image} has a tag`).not.toBeNull();
      const tag = m![2]!;
      expect(tag, name).not.toMatch(/latest|edge|nightly|main/i);
      expect(tag, `${name}: ${tag} is an exact x.y.z version`).toMatch(/^v?\d+\.\d+\.\d+(-[A-Za-z0-9.-]+)?$/);
    }
  });

  it('Dockerfile base images are pinned to an exact Node 20 release', () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(arg).toMatch(/^node:20\.\d+\.\d+-[a-z0-9.-]+$/);
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/gm)].map((m) => ({ image: m[1], stage: m[2] }));
    expect(froms.map((f) => f.stage)).toEqual(['deps', 'runtime']);
    for (const f of froms) expect(f.image).toBe('${NODE_IMAGE}');
    expect(dockerfile).toMatch(/^RUN npm ci\b.*--omit=dev/m);
    expect(dockerfile).toMatch(/^COPY --from=deps \/app\/node_modules/m);
  });

  it('app runs as a non-root user and starts the live command', () => {
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:.*)?$/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER\s+node$/m);
    expect(/^CMD (.+)$/m.exec(runtime)?.[1]).toBe('["node", "--import", "tsx", "src/cli.ts", "run"]');
    expect(app.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
  });

  it('app waits for healthy timescaledb and redis', () => {
    expect(app.depends_on).toEqual({ timescaledb: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(services.grafana!.depends_on?.timescaledb?.condition).toBe('service_healthy');
  });

  it('app environment uses only known config keys', () => {
    const known = new Set([...Object.keys(ENV), ...DOCUMENTED_EXTRAS]);
    for (const key of Object.keys(app.environment ?? {})) expect(known.has(key), `${key} is an ENV key`).toBe(true);
  });

  it('app sets DATABASE_URL and REDIS_URL so it runs in server + redis mode, and the config loads', () => {
    const env = appEnv(DOT_ENV);
    expect(env.DATABASE_URL).toBe(`postgres://arbstream:${DOT_ENV.POSTGRES_PASSWORD}@timescaledb:5432/arbstream`);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    const cfg = loadConfig(env);
    expect(cfg.db.mode).toBe('server');
    expect(cfg.redis.mode).toBe('redis');
    expect(cfg.api.host).toBe('0.0.0.0');
    expect(cfg.api.port).toBe(4000);
    expect(cfg.env).toBe('production');
    expect(cfg.risk.killSwitch).toBe(false);
  });

  it('compose refuses to start without POSTGRES_PASSWORD instead of using an empty one', () => {
    expect(() => appEnv({})).toThrow(/POSTGRES_PASSWORD/);
  });

  it('no variable with a config default can interpolate to an empty string (it would silently mean the default)', () => {
    const env = appEnv(DOT_ENV);
    for (const [key, value] of Object.entries(env)) {
      const spec = ENV[key as keyof typeof ENV];
      // KILL_SWITCH: empty means unset on purpose (the stored kill switch stands; README "KILL_SWITCH")
      if (spec.default !== undefined && key !== 'KILL_SWITCH') expect(value, `${key} would be empty`).not.toBe('');
    }
    for (const v of Object.values(services.app!.environment ?? {})) expect(String(v)).not.toMatch(/^\$\{\w+\}$/);
  });

  it('hard-codes no password: every *PASSWORD* value is a required interpolation', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (/PASSWORD/.test(key)) expect(String(value), `${name}.${key}`).toMatch(/^\$\{\w+:\?[^}]+\}$/);
      }
    }
    expect(String(app.environment?.DATABASE_URL)).toMatch(/:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/);
  });

  it('forwards the secrets the config knows about, but never with a value', () => {
    const secretKeys = Object.entries(ENV).filter(([, s]) => 'secret' in s && s.secret).map(([k]) => k);
    for (const key of ['KALSHI_API_KEY_ID', 'DEEPSEEK_API_KEY', 'OPENAI_API_KEY', 'DISCORD_TOKEN']) {
      expect(secretKeys).toContain(key);
      expect(String(app.environment?.[key])).toBe(`\${${key}:-}`);
    }
  });

  it('redis keeps an append-only file on a volume; timescaledb and grafana data are volumes', () => {
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(services.redis!.volumes).toContain('redis-data:/data');
    expect(services.timescaledb!.volumes).toContain('timescale-data:/var/lib/postgresql/data');
    expect(services.grafana!.volumes).toContain('grafana-data:/var/lib/grafana');
    for (const v of ['timescale-data', 'redis-data', 'grafana-data']) expect(compose.volumes).toHaveProperty(v);
  });

  it('host ports bind to 127.0.0.1 only', () => {
    for (const [name, svc] of Object.entries(services)) for (const p of svc.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
  });

  it('every bind-mounted repo path exists', () => {
    for (const svc of Object.values(services)) {
      for (const v of svc.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./')) expect(existsSync(path.join(root, src)), src).toBe(true);
      }
    }
  });
});

describe('Grafana provisioning', () => {
  const Datasources = z.object({
    apiVersion: z.literal(1),
    datasources: z
      .array(
        z.object({
          name: z.string(),
          uid: z.string(),
          type: z.enum(['postgres', 'grafana-postgresql-datasource']),
          url: z.string(),
          user: z.string(),
          jsonData: z.object({ database: z.string(), timescaledb: z.literal(true), sslmode: z.string() }).loose(),
          secureJsonData: z.object({ password: z.string() }),
        }).loose(),
      )
      .min(1),
  });

  it('every datasources/*.yml parses; the TimescaleDB one points at the compose service with an env password', () => {
    const dir = path.join(root, 'grafana/provisioning/datasources');
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'prometheus.yml');
    expect(files).toContain('timescale.yml');
    for (const f of files) Datasources.parse(parse(readFileSync(path.join(dir, f), 'utf8')));
    const ds = Datasources.parse(parse(read('grafana/provisioning/datasources/timescale.yml'))).datasources[0]!;
    expect(ds.uid).toBe('timescaledb');
    expect(ds.url).toBe('timescaledb:5432');
    expect(ds.jsonData.database).toBe('arbstream');
    const pwVar = /^\$\{(\w+)\}$/.exec(ds.secureJsonData.password)?.[1];
    expect(pwVar, 'password comes from the environment').toBeDefined();
    expect(services.grafana!.environment).toHaveProperty(pwVar!);
    // Grafana's user is the read-only role the init script creates
    expect(read('scripts/db/initdb/10-grafana-reader.sh')).toContain(`CREATE ROLE ${ds.user} LOGIN`);
  });

  it('dashboards provider reads the folder that compose mounts', () => {
    const doc = z
      .object({ apiVersion: z.literal(1), providers: z.array(z.object({ type: z.literal('file'), options: z.object({ path: z.string() }) })) })
      .parse(parse(read('grafana/provisioning/dashboards/dashboards.yml')));
    const mount = services.grafana!.volumes!.find((v) => v.startsWith('./grafana/dashboards:'));
    expect(mount?.split(':')[1]).toBe(doc.providers[0]!.options.path);
    expect(services.grafana!.volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local state and dev-only trees out of the build context', () => {
    const lines = new Set(read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    for (const p of ['.git', '.env', 'secrets', '*.pem', 'node_modules', 'data', 'tests']) expect(lines.has(p), p).toBe(true);
  });
});
