/**
 * The simulator's side of Kalshi API-key auth: the accepted public keys (or a generated key pair
 * exposed to clients) and the check of the KALSHI-ACCESS-* headers of a request.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { verifyKalshiSignature, type KalshiAuthConfig } from '../auth.js';

export interface SimKeys {
  /** keyId → public key */
  readonly keys: ReadonlyMap<string, KeyObject>;
  /** Credentials of the generated key pair (only when no public keys were configured). */
  readonly auth?: KalshiAuthConfig;
}

/** keyId → PEM when given; otherwise one generated RSA key pair. */
export function simulatorKeys(publicKeys?: Readonly<Record<string, string>>): SimKeys {
  const keys = new Map<string, KeyObject>();
  if (publicKeys) {
    for (const [id, pem] of Object.entries(publicKeys)) keys.set(id, createPublicKey(pem));
    return { keys };
  }
  const kp = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const auth: KalshiAuthConfig = { keyId: '00000000-0000-4000-8000-00000000517a', privateKeyPem: kp.privateKey };
  keys.set(auth.keyId, createPublicKey(kp.publicKey));
  return { keys, auth };
}

/** Checks a request's signature over `<ts><METHOD><path>`: null = accepted, else the reason for 401. */
export type AuthCheck = (req: IncomingMessage, path: string) => string | null;

export function authCheck(keys: ReadonlyMap<string, KeyObject>, now: () => number, maxSkewMs: number): AuthCheck {
  return (req, path) => {
    const h = (k: string) => {
      const v = req.headers[k.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    };
    const keyId = h('KALSHI-ACCESS-KEY');
    const ts = h('KALSHI-ACCESS-TIMESTAMP');
    const sig = h('KALSHI-ACCESS-SIGNATURE');
    if (!keyId || !ts || !sig) return 'missing KALSHI-ACCESS-* headers';
    const key = keys.get(keyId);
    if (!key) return 'unknown key id';
    if (!/^\d{1,16}$/.test(ts) || Math.abs(now() - Number(ts)) > maxSkewMs) return 'stale or invalid timestamp';
    if (!verifyKalshiSignature(key, ts, req.method ?? 'GET', path, sig)) return 'invalid signature';
    return null;
  };
}
