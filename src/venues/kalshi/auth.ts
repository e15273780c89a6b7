/**
 * Kalshi request signing (REST and the WebSocket handshake).
 *
 * Signature: RSA-PSS, SHA-256, MGF1(SHA-256), salt length = digest length (32), over
 * `timestamp_ms + METHOD + path` (path from the root, no query string), base64.
 * Same parameters as the official `kalshi-typescript` SDK (`KalshiAuth.signPssText`:
 * RSA_PKCS1_PSS_PADDING + RSA_PSS_SALTLEN_DIGEST). We do not call the SDK's class: its signer is
 * private and `generateAuthHeaders` reads `Date.now()` itself, so a clock cannot be injected; the
 * test suite checks that signatures from both verify the same way.
 */
import { constants, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { NonRetryableError } from '../../errors.js';

export const KalshiAuthConfig = z.object({
  keyId: z.string().min(1),
  privateKeyPem: z.string().min(1),
});
export type KalshiAuthConfig = z.infer<typeof KalshiAuthConfig>;

export interface KalshiAuthHeaders {
  'KALSHI-ACCESS-KEY': string;
  'KALSHI-ACCESS-TIMESTAMP': string;
  'KALSHI-ACCESS-SIGNATURE': string;
  [key: string]: string;
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } as const;

/** The text Kalshi signs. `path` may be a full URL or carry a query string: both are stripped. */
export function signingText(tsMs: number | string, method: string, path: string): string {
  return `${tsMs}${method.toUpperCase()}${pathOnly(path)}`;
}

/** `/trade-api/ws/v2` from `wss://host/trade-api/ws/v2?x=1`; a bare path keeps only its path part. */
export function pathOnly(pathOrUrl: string): string {
  if (/^[a-z]+:\/\//i.test(pathOrUrl)) return new URL(pathOrUrl).pathname;
  const q = pathOrUrl.search(/[?#]/);
  return q === -1 ? pathOrUrl : pathOrUrl.slice(0, q);
}

export interface KalshiSigner {
  readonly keyId: string;
  /** Headers for one request; `now` defaults to Date.now. */
  headers(method: string, pathOrUrl: string, now?: number): KalshiAuthHeaders;
}

/** Builds a signer; throws a NonRetryableError (without the key material) when the PEM is not a usable RSA private key. */
export function createKalshiSigner(auth: KalshiAuthConfig, clock: () => number = Date.now): KalshiSigner {
  const { keyId, privateKeyPem } = KalshiAuthConfig.parse(auth);
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new NonRetryableError('Kalshi private key is not a readable PEM', { keyId, reason: (err as Error).message.split('\n')[0] });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new NonRetryableError('Kalshi private key must be RSA', { keyId, type: key.asymmetricKeyType });
  return {
    keyId,
    headers(method, pathOrUrl, now = clock()) {
      const ts = String(Math.trunc(now));
      const sig = sign('sha256', Buffer.from(signingText(ts, method, pathOrUrl)), { key, ...PSS }).toString('base64');
      return { 'KALSHI-ACCESS-KEY': keyId, 'KALSHI-ACCESS-TIMESTAMP': ts, 'KALSHI-ACCESS-SIGNATURE': sig };
    },
  };
}

/** Verifies a Kalshi signature with a public key (PEM, or a KeyObject). Never throws: bad input is `false`. */
export function verifyKalshiSignature(publicKey: string | KeyObject, tsMs: string, method: string, path: string, signatureB64: string): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    return verify('sha256', Buffer.from(signingText(tsMs, method, path)), { key, ...PSS }, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
