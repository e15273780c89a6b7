/**
 * `arbstream record`: the raw frames of the pairs' markets, every venue, to disk (gzip JSONL +
 * index, src/history/recorder.ts), with the meta.json a replay needs (pairs, the feeds'
 * subscriptions, fee schedules and market refs as they were when recording started).
 */
import type { Pair } from '../../schema/pair.js';
import type { Config } from '../config.js';
import { FeeBook } from '../fees/schedule.js';
import { refreshFees, type VenueFeeSource } from '../fees/refresher.js';
import { recordFeeds, type RecorderStats } from '../history/recorder.js';
import { perVenue } from '../venues/registry.js';
import { writeRecordingMeta } from '../history/meta.js';
import { legMarkets } from './marketSubscriptions.js';

export interface Recording {
  /** Closes the feeds and the recording files; resolves with the recorder's stats. */
  stop(): Promise<RecorderStats>;
}

export async function startRecording(o: { readonly config: Pick<Config, 'venues'>; readonly pairs: readonly Pair[]; readonly dir: string }): Promise<Recording> {
  const rests = perVenue((v) => v.rest(o.config));
  const sources: VenueFeeSource[] = [];
  for (const [venue, ids] of legMarkets(o.pairs)) sources.push({ venue, rest: rests[venue], markets: await rests[venue].marketMeta(ids) });
  const feeBook = FeeBook.withDefaults();
  await refreshFees(feeBook, sources, Date.now());
  const markets = sources.flatMap((s) => s.markets);
  writeRecordingMeta(o.dir, {
    pairs: o.pairs,
    markets: markets.map(({ venue, marketId, feedRef }) => ({ venue, marketId, feedRef })),
    feeSchedules: feeBook.all(),
    marketRefs: markets.map((m) => ({ venue: m.venue, ...feeBook.marketRef(m.venue, m.marketId) })),
  });
  const feeds = perVenue((v) => v.feed(o.config));
  const rec = recordFeeds(Object.values(feeds), { dir: o.dir });
  for (const s of sources) feeds[s.venue].subscribe(s.markets);
  return {
    async stop() {
      for (const f of Object.values(feeds)) f.close();
      return rec.stop();
    },
  };
}
