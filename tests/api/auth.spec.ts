import { describe, expect, it } from 'vitest';
import { bearerToken, createRateLimiter, generateToken, hashToken, hasRole, TOKEN_PREFIX } from '../../src/api/auth.js';

describe('tokens', () => {
  it('are arb_ + 43 base64url chars, random, stored as sha256 hex', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).toMatch(/^arb_[A-Za-z0-9_-]{43}$/);
    expect(a.token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.token.slice(4));
  });

  it('are read from a Bearer header only', () => {
    expect(bearerToken('Bearer arb_x')).toBe('arb_x');
    expect(bearerToken('bearer   arb_x ')).toBe('arb_x');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('roles are ordered viewer < operator < admin', () => {
    expect(hasRole({ role: 'viewer' }, 'viewer')).toBe(true);
    expect(hasRole({ role: 'viewer' }, 'operator')).toBe(false);
    expect(hasRole({ role: 'operator' }, 'operator')).toBe(true);
    expect(hasRole({ role: 'operator' }, 'admin')).toBe(false);
    expect(hasRole({ role: 'admin' }, 'operator')).toBe(true);
  });
});

describe('rate limiter (token bucket)', () => {
  it('allows perMin at once, then one more per 60/perMin s, per key', () => {
    let t = 0;
    const rl = createRateLimiter({ perMin: 3, now: () => t });
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 0]);
    const wait = rl.take('a');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(20_000);
    expect(rl.take('b')).toBe(0); // other keys unaffected
    t += 20_000;
    expect(rl.take('a')).toBe(0);
    expect(rl.take('a')).toBeGreaterThan(0);
    t += 10 * 60_000; // refill is capped at perMin
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 0]);
    expect(rl.take('a')).toBeGreaterThan(0);
  });
});
