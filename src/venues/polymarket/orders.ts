/**
 * Polymarket CLOB V2 order-side wire schemas (ORDERS.md section 1) shared by the broker, the
 * simulator and the golden tests: the V2 EIP-712 order struct and domain, `POST /order` answers,
 * OpenOrder (`GET /data/order/{id}`, `/data/orders`), trades (`/data/trades`, user channel),
 * cancel answers, `/balance-allowance` and errors. Amounts: real answers use decimals ("2.35");
 * the docs' 6-dp integers ("100000000") are read the same way (ORDERS.md question 1), so a
 * decimal reading is taken, as in real traffic.
 */
import { z } from 'zod';

/** The V2 order struct (salt … builder), as signed. */
export const ORDER_V2_TYPES = {
  Order: [
    { name: 'salt', type: 'uint256' }, { name: 'maker', type: 'address' }, { name: 'signer', type: 'address' }, { name: 'tokenId', type: 'uint256' },
    { name: 'makerAmount', type: 'uint256' }, { name: 'takerAmount', type: 'uint256' }, { name: 'side', type: 'uint8' }, { name: 'signatureType', type: 'uint8' },
    { name: 'timestamp', type: 'uint256' }, { name: 'metadata', type: 'bytes32' }, { name: 'builder', type: 'bytes32' },
  ],
} as const;
/** Polygon V2 exchanges: [standard, neg-risk]. */
export const EXCHANGE_V2 = ['0xE111180000d2663C0091e4f400237545B87B996B', '0xe2222d279d744050d28e00520010520000310F59'] as const;
export const orderDomain = (negRisk: boolean) => ({ name: 'Polymarket CTF Exchange', version: '2', chainId: 137, verifyingContract: EXCHANGE_V2[negRisk ? 1 : 0] });

export const FOK_TEXT = "order couldn't be fully filled. FOK orders are fully filled or killed.";
export const FAK_TEXT = 'no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.';

const dec = z.string().regex(/^\d+(\.\d+)?$/, 'decimal amount');

/** `POST /order` success (`success:false` answers carry `errorMsg`). */
export const PolyPostOrderResponse = z.object({
  success: z.boolean(),
  errorMsg: z.string().optional(),
  orderID: z.string(),
  status: z.enum(['live', 'matched', 'delayed', 'unmatched']).or(z.string()),
  makingAmount: dec.or(z.literal('')).optional(),
  takingAmount: dec.or(z.literal('')).optional(),
  transactionsHashes: z.array(z.string()).optional(),
  tradeIDs: z.array(z.string()).optional(),
});
export type PolyPostOrderResponse = z.infer<typeof PolyPostOrderResponse>;

/** `{"error": text}` (V2 may add `code`, `retry_after_seconds`). */
export const PolyErrorBody = z.object({ error: z.string(), code: z.string().optional(), retry_after_seconds: z.number().optional() });

export const PolyOpenOrder = z.object({
  id: z.string(),
  status: z.string(),
  owner: z.string(),
  maker_address: z.string(),
  market: z.string(),
  asset_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  original_size: dec,
  size_matched: dec,
  price: dec,
  outcome: z.string(),
  expiration: z.string().optional(),
  order_type: z.string().optional(),
  associate_trades: z.array(z.string()).nullish(),
  created_at: z.number().int().optional(),
});
export type PolyOpenOrder = z.infer<typeof PolyOpenOrder>;

const page = <T extends z.ZodType>(item: T) => z.object({ limit: z.number().optional(), next_cursor: z.string(), count: z.number().optional(), data: z.array(item) });
export const PolyOpenOrdersPage = page(PolyOpenOrder);

export const PolyMakerOrder = z.object({
  order_id: z.string(), owner: z.string(), maker_address: z.string().optional(), matched_amount: dec, price: dec,
  fee_rate_bps: z.string().optional(), asset_id: z.string(), outcome: z.string(), side: z.enum(['BUY', 'SELL']).optional(),
});

export const PolyTrade = z.object({
  id: z.string(),
  taker_order_id: z.string(),
  market: z.string(),
  asset_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  size: dec,
  fee_rate_bps: z.string().optional(),
  price: dec,
  status: z.string(),
  match_time: z.string().optional(),
  matchtime: z.string().optional(),
  last_update: z.string().optional(),
  outcome: z.string(),
  bucket_index: z.union([z.number(), z.string()]).optional(),
  owner: z.string(),
  maker_address: z.string().optional(),
  transaction_hash: z.string().optional(),
  trader_side: z.enum(['TAKER', 'MAKER']).optional(),
  maker_orders: z.array(PolyMakerOrder).optional(),
});
export type PolyTrade = z.infer<typeof PolyTrade>;
export const PolyTradesPage = page(PolyTrade);

export const PolyCancelResponse = z.object({ canceled: z.array(z.string()), not_canceled: z.record(z.string(), z.string()) });

export const PolyBalanceAllowance = z.object({ balance: z.string().regex(/^\d+$/), allowance: z.string().optional(), allowances: z.record(z.string(), z.string()).optional() });

/** User channel `order` event. */
export const PolyUserOrderEvent = z.object({
  event_type: z.literal('order'),
  type: z.enum(['PLACEMENT', 'UPDATE', 'CANCELLATION']),
  id: z.string(),
  owner: z.string().optional(),
  market: z.string(),
  asset_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  original_size: dec,
  /** `""` on a killed FOK (real frame, 2026) */
  size_matched: dec.or(z.literal('')),
  price: dec,
  outcome: z.string().optional(),
  associate_trades: z.array(z.string()).nullish(),
  status: z.string().optional(),
  timestamp: z.string().optional(),
});
/** User channel `trade` event. */
export const PolyUserTradeEvent = PolyTrade.extend({ event_type: z.literal('trade'), type: z.literal('TRADE').optional(), timestamp: z.string().optional() });
