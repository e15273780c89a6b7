import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseScaled, roundTo } from '../../schema/money.js';

export const fixture = <T>(rel: string): T => JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url)), 'utf8')) as T;

/** micro-dollars rounded half-up to as many decimals as `published` shows, compared as micros */
export function atPublishedPrecision(micros: number, published: string): number {
  const decimals = (published.split('.')[1] ?? '').length;
  return roundTo(micros, 10 ** (6 - decimals), 'half-up');
}

export const usd = (s: string): number => parseScaled(s);
