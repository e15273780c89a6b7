/**
 * API tokens, roles and the per-token rate limit.
 *
 * A token is `arb_` + 43 base64url characters (32 random bytes). Only its sha256 (hex) is stored
 * (`api_tokens.token_hash`); the token itself is shown once, at creation. A request presents it
 * as `Authorization: Bearer arb_…` (HTTP) or `{ "authorization": "Bearer arb_…" }` /
 * `{ "token": "arb_…" }` in the graphql-ws `connection_init` payload. Roles are ordered
 * viewer < operator < admin: viewers read, operators also approve/reject pairs and flip the kill
 * switch, admins also change risk limits and manage tokens.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { NonRetryableError } from '../errors.js';
import { findActiveTokenByHash, insertToken, listTokenRows, revokeTokenByName } from '../store/repos/tokens.js';
import type { Queryable } from '../store/repos/types.js';

export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Who is calling: the token's name and role (never the token or its hash). */
export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
}

export const TOKEN_PREFIX = 'arb_';
const TOKEN_RE = /^arb_[A-Za-z0-9_-]{43}$/;
export const TokenName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'token name: 1-64 letters, digits, . _ @ - (starting with a letter or digit)');

/** Whether `token` has the shape of an API token (only such a token is looked up). */
export const isWellFormedToken = (token: string | undefined): token is string => token !== undefined && TOKEN_RE.test(token);

export const hasRole = (p: Pick<Principal, 'role'>, required: Role): boolean => RANK[p.role] >= RANK[required];
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A fresh random token (shown once) and the hash to store. */
export function generateToken(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** The token in an `Authorization` header value (`Bearer arb_…`), or undefined. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export interface CreatedToken extends Principal {
  /** The secret: shown once, never stored. */
  readonly token: string;
}

export async function createToken(pool: Queryable, opts: { name: string; role: Role }): Promise<CreatedToken> {
  const name = TokenName.parse(opts.name);
  const role = Role.parse(opts.role);
  const { token, hash } = generateToken();
  const tokenId = randomUUID();
  try {
    await insertToken(pool, { tokenId, name, role, hash });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new NonRetryableError(`a token named "${name}" already exists (revoked tokens keep their name)`, { name });
    throw err;
  }
  return { tokenId, name, role, token };
}

type RevokedListener = (name: string) => void;
const revokedListeners = new Set<RevokedListener>();

/**
 * Called with the token's name when this process revokes a token (the in-process fast path of
 * ./revocation.ts; revocations by other processes are found by its periodic check). Returns the
 * unsubscribe.
 */
export function onTokenRevoked(listener: RevokedListener): () => void {
  revokedListeners.add(listener);
  return () => void revokedListeners.delete(listener);
}

/** Revokes the token called `name` (what `arbstream token revoke` runs); false when there is no such active token. */
export async function revokeToken(pool: Queryable, name: string): Promise<boolean> {
  const revoked = await revokeTokenByName(pool, name);
  if (revoked) for (const l of revokedListeners) l(name);
  return revoked;
}

export interface TokenInfo extends Principal {
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export async function listTokens(pool: Queryable): Promise<TokenInfo[]> {
  return (await listTokenRows(pool)).map((t) => ({ tokenId: t.tokenId, name: t.name, role: Role.parse(t.role), createdAt: t.createdAt, revokedAt: t.revokedAt }));
}

/**
 * The principal of an active token, or undefined (malformed, unknown or revoked). The row is
 * found by hash; the stored hash is then compared in constant time.
 */
export async function authenticate(pool: Queryable, token: string | undefined): Promise<Principal | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const hash = hashToken(token);
  const row = await findActiveTokenByHash(pool, hash);
  if (!row) return undefined;
  const a = Buffer.from(row.hash, 'hex');
  const b = Buffer.from(hash, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
  const role = Role.safeParse(row.role);
  return role.success ? { tokenId: row.tokenId, name: row.name, role: role.data } : undefined;
}

/** Token bucket per key: `perMin` requests per minute, bursts up to `perMin`. */
export interface RateLimiter {
  /** Takes one token for `key`: 0 when allowed, else the ms to wait before the next one. */
  take(key: string): number;
}

export function createRateLimiter(opts: { perMin: number; now?: () => number; maxKeys?: number }): RateLimiter {
  const now = opts.now ?? Date.now;
  const capacity = opts.perMin;
  const perMs = opts.perMin / 60_000;
  const maxKeys = opts.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) {
          // forget the stalest half (tokens are few; this only guards against unbounded growth)
          const old = [...buckets.entries()].sort((x, y) => x[1].at - y[1].at).slice(0, maxKeys / 2);
          for (const [k] of old) buckets.delete(k);
        }
        b = { tokens: capacity, at: t };
        buckets.set(key, b);
      }
      b.tokens = Math.min(capacity, b.tokens + (t - b.at) * perMs);
      b.at = t;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - b.tokens) / perMs);
    },
  };
}
