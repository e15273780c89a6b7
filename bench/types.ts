/** One result line. `baseline` is the same measure for the reference (raw client); ratio = value / baseline. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: number;
  readonly ratio?: number;
  readonly note?: string;
}

/** A bench module `bench/<name>.bench.ts` exports `run` (and optionally `description`). */
export type BenchFn = () => Promise<BenchRow[]>;

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** rate per second of `n` items done in `ms` */
export const rate = (n: number, ms: number): number => (n * 1000) / ms;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * A measure taken against its baseline in several rounds, each round measuring both back to back
 * (a shared, noisy machine disturbs both alike). Reports medians, and the median of the per-round ratios.
 */
export function pairedRow(name: string, ours: readonly number[], base: readonly number[], unit: string, note?: string): BenchRow {
  const ratios = ours.map((v, i) => v / base[i]!);
  return {
    name,
    value: Math.round(median(ours)),
    unit,
    baseline: Math.round(median(base)),
    ratio: Math.round(median(ratios) * 1000) / 1000,
    note: `${note ? note + '; ' : ''}median of ${ours.length} paired rounds, ratios ${ratios.map((r) => (r * 100).toFixed(0) + '%').join(' ')}`,
  };
}

