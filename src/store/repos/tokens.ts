/** `api_tokens`: the SQL behind src/api/auth.ts (only token hashes are stored, never tokens). */
import type { Queryable } from './types.js';

export interface TokenRow {
  readonly tokenId: string;
  readonly name: string;
  /** unvalidated (auth.ts parses it) */
  readonly role: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** Inserts a token row; a duplicate name raises pg's unique violation (code 23505). */
export async function insertToken(db: Queryable, t: { tokenId: string; name: string; role: string; hash: string }): Promise<void> {
  await db.query('INSERT INTO api_tokens (token_id, name, role, token_hash) VALUES ($1, $2, $3, $4)', [t.tokenId, t.name, t.role, t.hash]);
}

/** Revokes the active token called `name`; false when there is none. */
export async function revokeTokenByName(db: Queryable, name: string): Promise<boolean> {
  const res = await db.query('UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL', [name]);
  return (res.rowCount ?? 0) > 0;
}

export async function listTokenRows(db: Queryable): Promise<TokenRow[]> {
  const res = await db.query('SELECT token_id, name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at, name');
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    tokenId: String(r.token_id),
    name: String(r.name),
    role: String(r.role),
    createdAt: r.created_at as Date,
    revokedAt: (r.revoked_at as Date | null) ?? null,
  }));
}

/** The active (not revoked) token with this sha256 hash (hex), with the stored hash for a constant-time compare. */
export async function findActiveTokenByHash(db: Queryable, hash: string): Promise<{ tokenId: string; name: string; role: string; hash: string } | undefined> {
  const res = await db.query('SELECT token_id, name, role, token_hash FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [hash]);
  const r = res.rows[0] as { token_id: string; name: string; role: string; token_hash: string } | undefined;
  return r && { tokenId: r.token_id, name: r.name, role: r.role, hash: r.token_hash };
}

/** Of `tokenIds`, those still active (present, not revoked): one query for all of them. */
export async function activeTokenIds(db: Queryable, tokenIds: readonly string[]): Promise<Set<string>> {
  if (tokenIds.length === 0) return new Set();
  const res = await db.query('SELECT token_id FROM api_tokens WHERE token_id = ANY($1::text[]) AND revoked_at IS NULL', [tokenIds]);
  return new Set((res.rows as { token_id: string }[]).map((r) => r.token_id));
}
