import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KalshiAuth } from 'kalshi-typescript/dist/auth.js';
import { createKalshiSigner, pathOnly, signingText, verifyKalshiSignature } from '../../../src/venues/kalshi/auth.js';

const kp = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const other = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const KEY_ID = 'a952bcbe-ec3b-4b5b-b8f9-11dae589608c';

describe('kalshi auth', () => {
  const signer = createKalshiSigner({ keyId: KEY_ID, privateKeyPem: kp.privateKey });

  it('signs timestamp + METHOD + path (no query) and the public key verifies it', () => {
    const h = signer.headers('get', '/trade-api/v2/markets?limit=5', 1_703_123_456_789);
    expect(h['KALSHI-ACCESS-KEY']).toBe(KEY_ID);
    expect(h['KALSHI-ACCESS-TIMESTAMP']).toBe('1703123456789');
    expect(Buffer.from(h['KALSHI-ACCESS-SIGNATURE'], 'base64')).toHaveLength(256);
    expect(verifyKalshiSignature(kp.publicKey, '1703123456789', 'GET', '/trade-api/v2/markets', h['KALSHI-ACCESS-SIGNATURE'])).toBe(true);
  });

  it('WS handshake path comes from the URL pathname', () => {
    expect(pathOnly('wss://api.elections.kalshi.com/trade-api/ws/v2')).toBe('/trade-api/ws/v2');
    expect(signingText(1, 'GET', 'wss://x/trade-api/ws/v2?a=b')).toBe('1GET/trade-api/ws/v2');
    const h = signer.headers('GET', 'wss://x/trade-api/ws/v2', 5);
    expect(verifyKalshiSignature(kp.publicKey, '5', 'GET', '/trade-api/ws/v2', h['KALSHI-ACCESS-SIGNATURE'])).toBe(true);
  });

  it('tampered signature, other timestamp, method, path or key: refused', () => {
    const h = signer.headers('GET', '/trade-api/ws/v2', 1000);
    const sig = Buffer.from(h['KALSHI-ACCESS-SIGNATURE'], 'base64');
    sig[10] = sig[10]! ^ 0xff;
    expect(verifyKalshiSignature(kp.publicKey, '1000', 'GET', '/trade-api/ws/v2', sig.toString('base64'))).toBe(false);
    expect(verifyKalshiSignature(kp.publicKey, '1001', 'GET', '/trade-api/ws/v2', h['KALSHI-ACCESS-SIGNATURE'])).toBe(false);
    expect(verifyKalshiSignature(kp.publicKey, '1000', 'POST', '/trade-api/ws/v2', h['KALSHI-ACCESS-SIGNATURE'])).toBe(false);
    expect(verifyKalshiSignature(kp.publicKey, '1000', 'GET', '/trade-api/ws/v3', h['KALSHI-ACCESS-SIGNATURE'])).toBe(false);
    expect(verifyKalshiSignature(other.publicKey, '1000', 'GET', '/trade-api/ws/v2', h['KALSHI-ACCESS-SIGNATURE'])).toBe(false);
    expect(verifyKalshiSignature('not a key', '1000', 'GET', '/trade-api/ws/v2', 'AAAA')).toBe(false);
  });

  it('PSS is randomized (salt): two signatures of the same text differ and both verify', () => {
    const a = signer.headers('GET', '/p', 7)['KALSHI-ACCESS-SIGNATURE'];
    const b = signer.headers('GET', '/p', 7)['KALSHI-ACCESS-SIGNATURE'];
    expect(a).not.toBe(b);
    expect([a, b].every((s) => verifyKalshiSignature(kp.publicKey, '7', 'GET', '/p', s))).toBe(true);
  });

  it('interoperates with the official kalshi-typescript signer', () => {
    const sdk = new KalshiAuth(KEY_ID, kp.privateKey).generateAuthHeaders('GET', '/trade-api/ws/v2');
    expect(Object.keys(sdk).sort()).toEqual(['KALSHI-ACCESS-KEY', 'KALSHI-ACCESS-SIGNATURE', 'KALSHI-ACCESS-TIMESTAMP']);
    expect(verifyKalshiSignature(kp.publicKey, sdk['KALSHI-ACCESS-TIMESTAMP']!, 'GET', '/trade-api/ws/v2', sdk['KALSHI-ACCESS-SIGNATURE']!)).toBe(true);
  });

  it('a bad key is a clear error that does not echo the key', () => {
    const bad = '-----BEGIN PRIVATE KEY-----\nnot-base64-secret-material\n-----END PRIVATE KEY-----';
    expect(() => createKalshiSigner({ keyId: KEY_ID, privateKeyPem: bad })).toThrow(/not a readable PEM/);
    try {
      createKalshiSigner({ keyId: KEY_ID, privateKeyPem: bad });
    } catch (e) {
      expect(JSON.stringify((e as { info: unknown }).info)).not.toContain('secret-material');
    }
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expect(() => createKalshiSigner({ keyId: KEY_ID, privateKeyPem: ec.privateKey })).toThrow(/must be RSA/);
  });
});
