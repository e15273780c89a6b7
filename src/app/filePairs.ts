/**
 * Mirrors the pairs that come from the pairs file into `market_pairs` (so the API, the
 * dashboard and Discord see them like the matcher's), on every pairs update.
 */
import type { Observable, Subscription } from 'rxjs';
import type pg from 'pg';
import type { Pair } from '../../schema/pair.js';
import { log } from '../log.js';
import { syncFilePairs } from '../control/pairs.js';

export function mirrorFilePairs(pairs$: Observable<readonly Pair[]>, pool: pg.Pool): Subscription {
  return pairs$.subscribe((pairs) => {
    const fromFile = pairs.filter((p) => p.source === 'file');
    if (fromFile.length) void syncFilePairs(pool, fromFile).catch((err: unknown) => log.warn({ err }, 'file pairs not mirrored'));
  });
}
