/** Kalshi's wire formats for times, prices and quantities (fixed-point strings). */
import { formatScaled } from '../../../../schema/money.js';

/** ISO-8601 without milliseconds, as Kalshi writes times. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
/** Micro-dollars as dollars with 4 decimals (`*_dollars`). */
export const px = (micros: number): string => formatScaled(micros, 4);
/** Millionths as contracts with 2 decimals (`*_fp`). */
export const fp = (qty: number): string => formatScaled(qty, 2);
