/**
 * Rate limits per client address for requests WITHOUT a valid token, applied before any token
 * lookup so that a flood of bad tokens costs no database work:
 *
 *   - `unauthPerMin`: requests with no token or a malformed one (no lookup needed to refuse them),
 *     plus every failed lookup;
 *   - `failuresPerMin`: failed token lookups (well-formed token, unknown or revoked); while this
 *     bucket is empty, requests from the address that carry a well-formed token are refused
 *     (429) without a lookup: a brute-force cap.
 *
 * Token buckets (burst = the per-minute figure), one entry per address in a Map kept in
 * least-recently-used order and capped at `maxAddresses` (the least recently seen go first), so
 * memory stays bounded whatever the number of addresses. IPv4-mapped IPv6 addresses count as
 * their IPv4 address; other IPv6 addresses by their /64 network (one host holds a whole /64).
 */

export interface AddressLimiterOptions {
  readonly unauthPerMin: number;
  readonly failuresPerMin: number;
  /** default 10,000 */
  readonly maxAddresses?: number;
  readonly now?: () => number;
}

export interface AddressLimiter {
  /**
   * Before authenticating: ms until a request from `address` may be tried (0 = now). `tokenLookup`:
   * the request carries a well-formed token (a database lookup would follow).
   */
  wait(address: string | undefined, tokenLookup: boolean): number;
  /** A request from `address` was refused as unauthenticated; `lookedUp` when a token lookup failed. */
  refused(address: string | undefined, lookedUp: boolean): void;
  /** Addresses tracked now (bounded by maxAddresses). */
  size(): number;
}

/** The bucket key of a remote address (see the header). */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  if (!a.includes(':')) return a;
  // expand '::' enough to take the first four groups
  const [head = '', tail] = a.split('::');
  const groups = head ? head.split(':') : [];
  if (tail !== undefined) while (groups.length < 4) groups.push('0');
  return `${groups.slice(0, 4).join(':')}::/64`;
}

interface Entry {
  unauth: number;
  failures: number;
  at: number;
}

export function createAddressLimiter(opts: AddressLimiterOptions): AddressLimiter {
  const now = opts.now ?? Date.now;
  const max = opts.maxAddresses ?? 10_000;
  const unauthPerMs = opts.unauthPerMin / 60_000;
  const failPerMs = opts.failuresPerMin / 60_000;
  const entries = new Map<string, Entry>();

  /** The address's entry, refilled to now and moved to the most-recent end; undefined (full buckets) when unseen. */
  function touch(key: string): Entry | undefined {
    const e = entries.get(key);
    if (!e) return undefined;
    const t = now();
    e.unauth = Math.min(opts.unauthPerMin, e.unauth + (t - e.at) * unauthPerMs);
    e.failures = Math.min(opts.failuresPerMin, e.failures + (t - e.at) * failPerMs);
    e.at = t;
    entries.delete(key);
    if (e.unauth >= opts.unauthPerMin && e.failures >= opts.failuresPerMin) return undefined; // full again: forget it
    entries.set(key, e);
    return e;
  }
  const waitFor = (level: number, perMs: number): number => (level >= 1 ? 0 : Math.ceil((1 - level) / perMs));

  return {
    wait(address, tokenLookup) {
      const e = touch(addressKey(address));
      if (!e) return 0;
      return tokenLookup ? waitFor(e.failures, failPerMs) : waitFor(e.unauth, unauthPerMs);
    },
    refused(address, lookedUp) {
      const key = addressKey(address);
      const e = touch(key) ?? { unauth: opts.unauthPerMin, failures: opts.failuresPerMin, at: now() };
      e.unauth = Math.max(0, e.unauth - 1);
      if (lookedUp) e.failures = Math.max(0, e.failures - 1);
      entries.set(key, e);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    size: () => entries.size,
  };
}

/** The 429 answer's wait, in whole seconds (at least 1). */
export const retryAfterSeconds = (waitMs: number): number => Math.max(1, Math.ceil(waitMs / 1000));
