/**
 * Gates for suites that need a real service or tool (PostgreSQL, Redis, Chromium).
 *
 * With CI=true a gated suite always runs, so a missing service fails it: CI never skips. Elsewhere
 * a missing service skips the suite, and the reason is part of the skipped suite's title (every
 * reporter shows it) and printed once when the file loads.
 *
 *   const needsPg = await pgGate();
 *   needsPg.describe('migrations on PostgreSQL', () => { ... });
 *   needsPg.it('PostgreSQL', async () => { ... });
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { isCI, pgReachable, TEST_PG_URL } from './db.js';
import { REDIS_URL, redisReachable } from './redis.js';

/** Debian's Chromium, driven through playwright-core (no browser download). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Gate {
  /** whether the gated suites run (always in CI) */
  readonly up: boolean;
  /** whether the service or tool is actually there (in CI a suite checks this to fail with a clear message) */
  readonly available: boolean;
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => unknown, timeout?: number): void;
}

function gate(available: boolean, missing: string): Gate {
  const up = isCI || available;
  const reason = `skipped: ${missing}; with CI=true this fails`;
  const skipped = (name: string): string => {
    console.warn(`[skip] ${name}: ${reason}`);
    return `${name} [${reason}]`;
  };
  return {
    up,
    available,
    describe: (name, fn) => (up ? describe(name, fn) : describe.skip(skipped(name), fn)),
    it: (name, fn, timeout) => (up ? it(name, fn, timeout) : it.skip(skipped(name), fn, timeout)),
  };
}

/**
 * The services a suite needs: PostgreSQL (at `pg`, default TEST_DATABASE_URL) and/or Redis (at
 * REDIS_URL). The reason names every one that is missing.
 */
export async function servicesGate(need: { readonly pg?: boolean | string; readonly redis?: boolean }): Promise<Gate> {
  const missing: string[] = [];
  if (need.pg) {
    const url = typeof need.pg === 'string' ? need.pg : TEST_PG_URL;
    if (!(await pgReachable(url))) missing.push(`PostgreSQL not reachable at ${url}`);
  }
  if (need.redis && !(await redisReachable())) missing.push(`Redis not reachable at ${REDIS_URL}`);
  return gate(missing.length === 0, missing.join(' and '));
}

/** PostgreSQL at TEST_DATABASE_URL (default 127.0.0.1:5432/test). */
export const pgGate = (): Promise<Gate> => servicesGate({ pg: true });

/** Redis at REDIS_URL (default 127.0.0.1:6379). */
export const redisGate = (): Promise<Gate> => servicesGate({ redis: true });

/** Chromium at CHROMIUM_PATH (default /usr/bin/chromium). */
export const chromiumGate = (): Gate => gate(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install -y chromium)`);
