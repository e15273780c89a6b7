import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { EdgeTable } from '../../src/demo/table.js';
import type { Edge, RiskDecision } from '../../schema/edge.js';
import type { FeedStatus } from '../../schema/feed.js';

const leg = (venue: 'polymarket' | 'kalshi', outcome: 'yes' | 'no') =>
  ({ venue, marketId: venue, outcome, vwapMicros: 1, worstPriceMicros: 1, costMicros: 1, feeMicros: 1, levelsUsed: 1, tsVenue: 0, tsReceived: 0 }) as const;
const edge = (direction: 'aYes' | 'aNo', legs: Edge['legs']): Edge => ({
  edgeId: `p1:${direction}`, pairId: 'demo-p1', direction, sizeQty: 150_000_000, netEdgePerContractMicros: 18_984, profitMicros: 1_898_493,
  feesMicros: 4_067_200, capitalCostMicros: 0, payoutMicros: 150_000_000, legs, oldestBookTsReceived: 0, tsDetected: 0,
});

describe('demo EdgeTable', () => {
  it('prints each edge\'s figures and names its legs by venue, leg A first', () => {
    const edges$ = new Subject<Edge>(), decisions$ = new Subject<RiskDecision>(), feed$ = new Subject<FeedStatus>();
    const t = new EdgeTable(() => 1000).follow(edges$, decisions$, feed$);
    const a = edge('aYes', [leg('polymarket', 'yes'), leg('kalshi', 'no')]);
    edges$.next(a);
    decisions$.next({ edge: a, accepted: true, reasons: [], ts: 1000 });
    edges$.next({ ...edge('aNo', [leg('kalshi', 'no'), leg('polymarket', 'no')]), pairId: 'demo-p2' });
    feed$.next({ venue: 'kalshi', state: 'live', ts: 0, attempt: 0 });
    const out = t.render();
    expect(out).toMatch(/demo-p1\s+Polymarket YES \+ Kalshi comp\.\s+150\s+\$0\.0189\s+\$1\.8984\s+\$4\.0672\s+accepted/);
    expect(out).toMatch(/demo-p2\s+Kalshi NO \+ Polymarket comp\./);
    expect(out).toContain('kalshi: live');
    t.stop();
  });
});
