/**
 * Deterministic history shared by the venue simulators' history endpoints (Kalshi trades and
 * candles, Polymarket price history and trades): the daily outage window, a string hash, a uniform
 * draw keyed by (key, n, salt), and the value-noise YES price walk (hourly knots from the hash,
 * linearly joined, plus a per-minute jitter). Any window asked for, in any slicing, gives the same
 * values; each venue rounds the price to its own grid.
 */
import { mulberry32 } from './prng.js';

/** Seconds of the UTC day during which the simulated venue has no history (12:00–12:20). */
export const HISTORY_OUTAGE = { startS: 12 * 3600, endS: 12 * 3600 + 20 * 60 } as const;

/** Whether unix second `s` falls in the daily outage. */
export const inOutage = (s: number): boolean => {
  const d = ((s % 86_400) + 86_400) % 86_400;
  return d >= HISTORY_OUTAGE.startS && d < HISTORY_OUTAGE.endS;
};

/** 32-bit FNV-1a hash of a string. */
export const fnv = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};

/** A uniform [0, 1) drawn from (key, n, salt). */
export const uniformAt = (key: number, n: number, salt: number): number => mulberry32((key ^ Math.imul(n, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0)();

/**
 * YES probability of the market keyed `key` at unix minute `minute`, in [0.02, 0.98] (unrounded:
 * the caller puts it on its venue's price grid). Uses salts 1 (hourly knots) and 2 (jitter).
 */
export function noiseYes(key: number, minute: number): number {
  const hour = Math.floor(minute / 60);
  const frac = (minute - hour * 60) / 60;
  const k0 = 0.15 + 0.7 * uniformAt(key, hour, 1);
  const k1 = 0.15 + 0.7 * uniformAt(key, hour + 1, 1);
  return Math.min(0.98, Math.max(0.02, k0 + (k1 - k0) * frac + (uniformAt(key, minute, 2) - 0.5) * 0.02));
}
