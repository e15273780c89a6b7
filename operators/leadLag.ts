import { Observable, type OperatorFunction } from 'rxjs';
import type { SideBook } from '../schema/book.js';
import type { LeadLagStat } from '../schema/leadLag.js';
import type { PairBooks } from '../schema/pair.js';

export type { LeadLagStat };

export interface LeadLagConfig {
  /** Sampling grid on venue time, ms: mids are sampled once per step (last value carried forward). */
  readonly stepMs: number;
  /** Rolling window lengths, ms (each a multiple of stepMs), e.g. [60_000, 300_000]. */
  readonly windowsMs: readonly number[];
  /** Lags tested, in steps: −maxLagSteps … +maxLagSteps. */
  readonly maxLagSteps: number;
  /** Emit every this many completed steps (default 1). */
  readonly emitEverySteps?: number;
  /** Minimum number of (x, y) pairs behind a coefficient (default 10). */
  readonly minSamples?: number;
}

/** Pearson correlation of the pairs (x[i], y[i + lag]) for every i with both in range. */
export function laggedCorrelation(x: readonly number[], y: readonly number[], lag: number): { r: number; n: number } {
  let n = 0, sx = 0, sy = 0;
  const lo = Math.max(0, -lag), hi = Math.min(x.length, y.length - lag);
  for (let i = lo; i < hi; i++) {
    sx += x[i]!;
    sy += y[i + lag]!;
    n++;
  }
  if (n < 2) return { r: Number.NaN, n };
  const mx = sx / n, my = sy / n;
  let cov = 0, vx = 0, vy = 0;
  for (let i = lo; i < hi; i++) {
    const dx = x[i]! - mx, dy = y[i + lag]! - my;
    cov += dx * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  if (vx === 0 || vy === 0) return { r: Number.NaN, n };
  return { r: Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy))), n };
}

/** The lag in −maxLag…maxLag with the highest correlation (ties: the smaller |lag|), or undefined. */
export function bestLag(x: readonly number[], y: readonly number[], maxLag: number, minSamples: number): { lag: number; r: number; n: number } | undefined {
  let best: { lag: number; r: number; n: number } | undefined;
  for (let a = 0; a <= maxLag; a++) {
    for (const lag of a === 0 ? [0] : [a, -a]) {
      const { r, n } = laggedCorrelation(x, y, lag);
      if (Number.isNaN(r) || n < minSamples) continue;
      if (!best || r > best.r) best = { lag, r, n };
    }
  }
  return best;
}

const mid = (s: SideBook): number | undefined => {
  const b = s.bids[0], a = s.asks[0];
  return b && a ? (b.price + a.price) / 2 : undefined;
};
/** Mid of the outcome that leg A's YES corresponds to, on each leg. */
const mids = (pb: PairBooks): [number | undefined, number | undefined] => {
  const [a, b] = pb.books;
  return [mid(a.yes), mid(pb.yesMapsToNo ? b.no : b.yes)];
};

interface PairSeries {
  bucket: number;
  lastA: number;
  lastB: number;
  dA: number[];
  dB: number[];
  prevA?: number;
  prevB?: number;
  sinceEmit: number;
}

/**
 * Rolling cross-correlation of mid-price changes across the two legs of each pair (lagMs > 0:
 * leg A leads leg B).
 * Mids are sampled on a `stepMs` grid of venue time (last value carried forward); for each
 * window the lag of maximum correlation is emitted with its coefficient and sample count.
 *
 * ```
 * in:  -a-b-c-d-e-…   (PairBooks, tsAligned advancing)
 * out: ----------s-…  (one LeadLagStat per window every emitEverySteps steps)
 * ```
 * @see laggedCorrelation (the direct computation it is tested against)
 */
export function leadLag(config: LeadLagConfig): OperatorFunction<PairBooks, LeadLagStat> {
  const { stepMs, maxLagSteps } = config;
  const emitEvery = config.emitEverySteps ?? 1;
  const minSamples = config.minSamples ?? 10;
  const windows = config.windowsMs.map((w) => ({ ms: w, steps: Math.max(2, Math.round(w / stepMs)) }));
  const keep = Math.max(...windows.map((w) => w.steps)) + maxLagSteps;
  return (source) =>
    new Observable<LeadLagStat>((subscriber) => {
      const state = new Map<string, PairSeries>();
      const sub = source.subscribe({
        next: (pb) => {
          const [ma, mb] = mids(pb);
          if (ma === undefined || mb === undefined) return;
          const bucket = Math.floor(pb.tsAligned / stepMs);
          const s = state.get(pb.pairId);
          if (!s) {
            state.set(pb.pairId, { bucket, lastA: ma, lastB: mb, dA: [], dB: [], sinceEmit: 0 });
            return;
          }
          if (bucket < s.bucket) return; // out of order: ignore, never rewrite history
          // close every step from s.bucket up to bucket − 1 with the values carried forward
          const closing = Math.min(bucket - s.bucket, keep + 1);
          for (let i = 0; i < closing; i++) {
            if (s.prevA !== undefined && s.prevB !== undefined) {
              s.dA.push(s.lastA - s.prevA);
              s.dB.push(s.lastB - s.prevB);
              s.sinceEmit++;
            }
            s.prevA = s.lastA;
            s.prevB = s.lastB;
          }
          if (s.dA.length > keep) {
            s.dA.splice(0, s.dA.length - keep);
            s.dB.splice(0, s.dB.length - keep);
          }
          s.bucket = bucket;
          s.lastA = ma;
          s.lastB = mb;
          if (closing === 0 || s.sinceEmit < emitEvery) return;
          s.sinceEmit = 0;
          for (const w of windows) {
            const x = s.dA.slice(-w.steps), y = s.dB.slice(-w.steps);
            const best = bestLag(x, y, maxLagSteps, minSamples);
            if (!best) continue;
            subscriber.next({ pairId: pb.pairId, windowMs: w.ms, lagMs: best.lag * stepMs, coefficient: best.r, samples: best.n, ts: bucket * stepMs });
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => sub.unsubscribe();
    });
}
