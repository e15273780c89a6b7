/**
 * Open subscriptions end when their token is revoked. A token may be revoked by another process
 * (`arbstream token revoke` runs its own), so the tokens that hold open subscriptions are
 * re-checked every `intervalMs` (config.api.revocationCheckMs, at most 500 ms) with ONE query for
 * all of them (src/store/repos/tokens.ts `activeTokenIds`), only while something is watched. A
 * revocation made by this process (`revokeToken` in ./auth.ts) is acted on at once.
 *
 *   const revocations = createRevocationWatch({ pool, intervalMs: 250 });
 *   const unwatch = revocations.watch(principal, () => socket.close(4403, 'Forbidden'));
 *   ... unwatch() when the socket closes ...
 *   revocations.close();
 *
 * If the check fails (database down), subscriptions stay open and the failure is logged once
 * per outage; the next check that succeeds closes what was revoked meanwhile.
 */
import type pg from 'pg';
import { log } from '../log.js';
import { activeTokenIds } from '../store/repos/tokens.js';
import { onTokenRevoked, type Principal } from './auth.js';

export interface RevocationWatch {
  /** Calls `onRevoked` once, when `principal`'s token is found revoked. Returns the unwatch. */
  watch(principal: Principal, onRevoked: () => void): () => void;
  /** Runs one check now (also what the timer runs). */
  check(): Promise<void>;
  /** Tokens watched now. */
  watchedTokens(): number;
  /** Stops the timer; nothing is called any more. */
  close(): void;
}

interface Watcher {
  readonly principal: Principal;
  readonly onRevoked: () => void;
}

export function createRevocationWatch(opts: { pool: pg.Pool; intervalMs: number }): RevocationWatch {
  const byToken = new Map<string, Set<Watcher>>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let failing = false;
  let closed = false;

  function fire(tokenId: string, why: string): void {
    const set = byToken.get(tokenId);
    if (!set) return;
    byToken.delete(tokenId);
    syncTimer();
    const name = [...set][0]?.principal.name;
    log.info({ token: name, subscriptions: set.size, why }, 'api: token revoked, closing its subscriptions');
    for (const w of set) {
      try {
        w.onRevoked();
      } catch (err) {
        log.warn({ err, token: name }, 'api: closing a revoked subscription failed');
      }
    }
  }

  async function runCheck(): Promise<void> {
    const ids = [...byToken.keys()];
    if (ids.length === 0) return;
    let active: Set<string>;
    try {
      active = await activeTokenIds(opts.pool, ids);
    } catch (err) {
      if (!failing) log.warn({ err, tokens: ids.length }, 'api: token re-validation failed (subscriptions stay open until it succeeds)');
      failing = true;
      return;
    }
    if (failing) log.info('api: token re-validation works again');
    failing = false;
    for (const id of ids) if (!active.has(id)) fire(id, 'periodic check');
  }

  const check = (): Promise<void> => (inFlight ??= runCheck().finally(() => (inFlight = undefined)));

  function syncTimer(): void {
    if (!closed && byToken.size > 0 && !timer) {
      timer = setInterval(() => void check(), opts.intervalMs);
      timer.unref();
    } else if ((closed || byToken.size === 0) && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  const offRevoked = onTokenRevoked((name) => {
    for (const [tokenId, set] of byToken) if ([...set][0]?.principal.name === name) fire(tokenId, 'revoked by this process');
  });

  return {
    watch(principal, onRevoked) {
      if (closed) return () => undefined;
      const w: Watcher = { principal, onRevoked };
      let set = byToken.get(principal.tokenId);
      if (!set) byToken.set(principal.tokenId, (set = new Set()));
      set.add(w);
      syncTimer();
      return () => {
        const s = byToken.get(principal.tokenId);
        if (!s?.delete(w)) return;
        if (s.size === 0) byToken.delete(principal.tokenId);
        syncTimer();
      };
    },
    check,
    watchedTokens: () => byToken.size,
    close() {
      closed = true;
      offRevoked();
      byToken.clear();
      syncTimer();
    },
  };
}
