/**
 * What the report's charts need beyond the BacktestResult itself, computed here (pure, typed,
 * tested) rather than in the page script: the edge histogram's bins, in whole micro-dollars.
 */
import { cents } from './format.js';

export interface HistogramBin {
  /** inclusive lower bound, micro-dollars per contract */
  readonly fromMicros: number;
  /** exclusive upper bound */
  readonly toMicros: number;
  readonly count: number;
  /** `1.00¢` (the bin's lower bound, for the axis) */
  readonly label: string;
  /** `1.00¢ to 1.25¢` (for the tooltip) */
  readonly range: string;
}

export interface Histogram {
  readonly binWidthMicros: number;
  readonly bins: readonly HistogramBin[];
  readonly total: number;
}

/**
 * Bin widths the histogram may use, micro-dollars: 0.01¢ … $5 in 1-2-2.5-5 steps, keeping only
 * widths that are whole hundredths of a cent (so a bin's bounds print exactly as `x.xx¢`).
 */
const NICE_WIDTHS = [1, 2, 2.5, 5]
  .flatMap((m) => [100, 1_000, 10_000, 100_000, 1_000_000].map((p) => m * p))
  .filter((w) => w % 100 === 0)
  .sort((a, b) => a - b);

/**
 * Histogram of integer micro-dollar values with a "nice" bin width giving at most `maxBins` bins.
 * Bins are aligned to multiples of the width, contiguous (empty bins included), and count every
 * value exactly once.
 */
export function histogram(values: readonly number[], maxBins = 40): Histogram {
  if (values.length === 0) return { binWidthMicros: 0, bins: [], total: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = NICE_WIDTHS.find((w) => Math.floor(max / w) - Math.floor(min / w) + 1 <= maxBins) ?? NICE_WIDTHS.at(-1)!;
  const first = Math.floor(min / width);
  const n = Math.floor(max / width) - first + 1;
  const counts = new Array<number>(n).fill(0);
  for (const v of values) counts[Math.floor(v / width) - first]! += 1;
  const bins = counts.map((count, i) => {
    const fromMicros = (first + i) * width;
    const toMicros = fromMicros + width;
    return { fromMicros, toMicros, count, label: cents(fromMicros), range: `${cents(fromMicros)} to ${cents(toMicros)}` };
  });
  return { binWidthMicros: width, bins, total: values.length };
}

/** Derived data embedded next to the result (`<script type="application/json" id="chart-view">`). */
export interface ChartView {
  readonly edgeHistogram: Histogram;
}

export const chartView = (edges: readonly number[]): ChartView => ({ edgeHistogram: histogram(edges) });
