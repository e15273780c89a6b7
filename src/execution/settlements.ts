/**
 * Market settlements from the venues' lifecycle messages: what one YES contract pays when a market
 * resolves. Pure mappers from the venues' own decoded messages:
 *
 * - Polymarket market channel `market_resolved`: `winning_asset_id` is one of `assets_ids`
 *   (`[yes, no]`, the order `new_market` and Gamma give); the winner pays 1$, the loser 0.
 * - Kalshi `market_lifecycle_v2` `determined` / `settled` with `result` `yes` | `no` (1$ / 0) or
 *   `scalar` (`settlement_value`, dollars per YES contract); an empty result (not yet known, or a
 *   `settled` that repeats an earlier `determined`) is no settlement.
 *
 * These belong in `src/venues/<venue>/market.ts` as a `settlement` on each venue's
 * `LifecycleEvent` (see pipelines/execute.ts, `lifecycle$`); they live here until that move.
 */
import { MarketSettlement } from '../../schema/execution.js';
import { SCALE } from '../../schema/money.js';
import { log } from '../log.js';
import type { MarketLifecycleMsg } from '../venues/kalshi/wire.js';
import type { PolyMarketResolvedMsg } from '../venues/polymarket/market.js';

/** Polymarket `market_resolved` → settlement (undefined, logged, when the winner is not one of the market's two tokens). */
export function polymarketSettlement(msg: PolyMarketResolvedMsg, yesTokenId: string | undefined = msg.assets_ids[0]): MarketSettlement | undefined {
  const noTokenId = msg.assets_ids.find((a) => a !== yesTokenId);
  const winner = msg.winning_asset_id === yesTokenId ? 'yes' : msg.winning_asset_id === noTokenId ? 'no' : undefined;
  // the venue's outcome name agrees with the token order, when it is a plain Yes/No
  const named = msg.winning_outcome.trim().toLowerCase();
  if (winner && (named === 'yes' || named === 'no') && named !== winner) {
    log.error({ venue: 'polymarket', marketId: msg.market, winning: msg.winning_asset_id, winningOutcome: msg.winning_outcome, yesTokenId }, 'market_resolved: winning outcome name disagrees with the token order: not settled');
    return undefined;
  }
  if (!winner) {
    log.error({ venue: 'polymarket', marketId: msg.market, winning: msg.winning_asset_id, assets: msg.assets_ids }, 'market_resolved: winning asset is not a token of the market');
    return undefined;
  }
  return MarketSettlement.parse({ venue: 'polymarket', marketId: msg.market, winner, yesPayoutMicros: winner === 'yes' ? SCALE : 0, event: msg.event_type, ts: msg.timestamp });
}

/** Kalshi `market_lifecycle_v2` determined/settled → settlement (undefined for other events or no result yet). */
export function kalshiSettlement(frame: MarketLifecycleMsg, receivedMs: number): MarketSettlement | undefined {
  const m = frame.msg;
  if (m.event_type !== 'determined' && m.event_type !== 'settled') return undefined;
  const tsS = m.event_type === 'settled' ? (m.settled_ts ?? m.determination_ts) : (m.determination_ts ?? m.settled_ts);
  const base = { venue: 'kalshi' as const, marketId: m.market_ticker, event: m.event_type, ts: tsS !== undefined ? tsS * 1000 : receivedMs };
  switch (m.result) {
    case 'yes':
    case 'no':
      return MarketSettlement.parse({ ...base, winner: m.result, yesPayoutMicros: m.result === 'yes' ? SCALE : 0 });
    case 'scalar':
      if (m.settlement_value === undefined) break;
      return MarketSettlement.parse({ ...base, yesPayoutMicros: m.settlement_value });
    case undefined:
    case '':
      return undefined;
  }
  log.error({ venue: 'kalshi', marketId: m.market_ticker, event: m.event_type, result: m.result, settlementValue: m.settlement_value }, 'market_lifecycle_v2: settlement not understood');
  return undefined;
}
