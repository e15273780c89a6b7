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

/** Runs `fn` `rounds` times and keeps the best (highest) value: least disturbed by the machine. */
export async function best(rounds: number, fn: () => Promise<number>): Promise<number> {
  let top = 0;
  for (let i = 0; i < rounds; i++) top = Math.max(top, await fn());
  return top;
}

export const withRatio = (name: string, value: number, baseline: number, unit: string, note?: string): BenchRow => ({
  name,
  value: Math.round(value),
  unit,
  baseline: Math.round(baseline),
  ratio: Math.round((value / baseline) * 1000) / 1000,
  ...(note ? { note } : {}),
});
