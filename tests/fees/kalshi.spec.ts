import { describe, expect, it } from 'vitest';
import {
  KalshiFeeAccumulator, kalshiFeeCeilCent, kalshiFeeExact, kalshiOrderFee,
  kalshiRevenue, kalshiTradeFee, KALSHI_DIRECT_PRECISION, type KalshiFeeParams,
} from '../../src/fees/kalshi.js';
import { parseRational } from '../../src/fees/rational.js';
import { KalshiEventFeeUpdate, KalshiSeriesFeeChange } from '../../src/venues/kalshi/fees.js';
import { fixture, usd } from './helpers.js';

interface Row { role: 'taker' | 'maker'; rate: string; contracts: number; price: string; raw_fee: string; ceil_to_cent: string; ceil_to_centicent: string; third_party_published: string; agrees_with_ceil_to_cent: boolean }
const fx = fixture<{ rows: Row[]; single_example: Omit<Row, 'ceil_to_centicent' | 'third_party_published' | 'agrees_with_ceil_to_cent'> & { reported: string } }>('kalshi/fee_examples.json');
interface Fill { count: string; revenue: string; trade_fee: string; rounding_fee: string; rebate: string; net_fee: string; balance_change: string; accumulator: string; accumulator_after_rebate: string }
const rounding = fixture<{ examples: { name: string; price: string; fills: Fill[] }[] }>('kalshi/docs/fee_rounding_examples.json');

const WITH_MAKER: KalshiFeeParams = { feeType: 'quadratic_with_maker_fees', multiplier: '1' };
const QUAD: KalshiFeeParams = { feeType: 'quadratic', multiplier: '1' };
const C = (n: number): number => n * 1_000_000;

describe('Kalshi fee_examples.json: every row', () => {
  for (const r of fx.rows) {
    it(`${r.role} ${r.contracts} @ ${r.price}: raw ${r.raw_fee} → ${r.ceil_to_cent} (0.0001: ${r.ceil_to_centicent}; third party ${r.third_party_published})`, () => {
      expect(r.rate).toBe(r.role === 'taker' ? '0.07' : '0.0175');
      const price = usd(r.price);
      const exact = kalshiFeeExact(r.role, price, C(r.contracts), WITH_MAKER);
      const raw = parseRational(r.raw_fee); // dollars
      expect(exact.num * raw.den).toBe(raw.num * 1_000_000n * exact.den);
      expect(kalshiFeeCeilCent(r.role, price, C(r.contracts), WITH_MAKER)).toBe(usd(r.ceil_to_cent));
      expect(kalshiTradeFee(r.role, price, C(r.contracts), WITH_MAKER)).toBe(usd(r.ceil_to_centicent));
      expect(r.agrees_with_ceil_to_cent).toBe(true);
      expect(kalshiFeeCeilCent(r.role, price, C(r.contracts), WITH_MAKER)).toBe(usd(r.third_party_published));
      // the documented per-order rounding gives the same for one whole-cent, whole-contract retail fill
      expect(kalshiOrderFee(r.role, 'buy', [{ price, qty: C(r.contracts) }], WITH_MAKER).netFeeMicros).toBe(usd(r.ceil_to_cent));
      if (r.role === 'maker') expect(kalshiFeeCeilCent('maker', price, C(r.contracts), QUAD)).toBe(0);
    });
  }
  it(`single example: taker 10 @ 0.50 → ${fx.single_example.ceil_to_cent}`, () => {
    const s = fx.single_example;
    expect(kalshiFeeCeilCent('taker', usd(s.price), C(s.contracts), QUAD)).toBe(usd(s.ceil_to_cent));
    expect(kalshiFeeCeilCent('taker', usd(s.price), C(s.contracts), QUAD)).toBe(usd(s.reported.split(' ')[0]!));
  });
});

describe('Kalshi fee_rounding_examples.json: every fill of every example', () => {
  for (const ex of rounding.examples) {
    it(ex.name, () => {
      const acc = new KalshiFeeAccumulator();
      for (const f of ex.fills) {
        expect(kalshiRevenue('buy', usd(ex.price), usd(f.count))).toBe(usd(f.revenue));
        const got = acc.addFill(usd(f.revenue), usd(f.trade_fee));
        expect(got).toEqual({
          revenueMicros: usd(f.revenue),
          tradeFeeMicros: usd(f.trade_fee),
          roundingFeeMicros: usd(f.rounding_fee),
          rebateMicros: usd(f.rebate),
          netFeeMicros: usd(f.net_fee),
          balanceChangeMicros: usd(f.balance_change),
          accumulatorMicros: usd(f.accumulator),
          accumulatorAfterRebateMicros: usd(f.accumulator_after_rebate),
        });
      }
    });
  }
  it('direct members floor to $0.0001: 0.03 @ 0.3301 with fee 0.0005 → rounding 0.000097', () => {
    const acc = new KalshiFeeAccumulator({ precisionMicros: KALSHI_DIRECT_PRECISION });
    // −0.009903 − 0.0005 = −0.010403 → floor to 0.0001 = −0.0105 → rounding 0.000097
    const f = acc.addFill(-9_903, 500);
    expect(f.balanceChangeMicros).toBe(-10_500);
    expect(f.roundingFeeMicros).toBe(97);
    expect(f.netFeeMicros).toBe(597);
  });
  it('sells floor the proceeds too', () => {
    // +0.055 − 0.0085 = 0.0465 → 0.04, rounding 0.0065
    const f = new KalshiFeeAccumulator().addFill(55_000, 8_500);
    expect(f.balanceChangeMicros).toBe(40_000);
    expect(f.roundingFeeMicros).toBe(6_500);
  });
  it('a multi-level order: net fee makes the total debit whole cents', () => {
    // 10 @ 0.42 and 5 @ 0.43 as taker: trade fees 0.07×10×0.42×0.58 = 0.17052 → 0.1706 ; 0.07×5×0.43×0.57 = 0.085785 → 0.0858
    const o = kalshiOrderFee('taker', 'buy', [{ price: 420_000, qty: C(10) }, { price: 430_000, qty: C(5) }], QUAD);
    expect(o.tradeFeeMicros).toBe(170_600 + 85_800);
    // cost 4.20 + 2.15 = 6.35; 6.35 + 0.2564 = 6.6064 → 6.61 debited → net fee 0.26
    expect(o.netFeeMicros).toBe(260_000);
    expect(o.fills).toHaveLength(2);
  });
});

describe('Kalshi params and messages', () => {
  it('fee_multiplier scales the formula (× 0.07, see open question)', () => {
    expect(kalshiFeeCeilCent('taker', 500_000, C(100), { feeType: 'quadratic', multiplier: '0.5' })).toBe(880_000); // 0.875 → 0.88
  });
  it('flat series need a configured amount', () => {
    expect(() => kalshiFeeCeilCent('taker', 500_000, C(1), { feeType: 'flat', multiplier: '1' })).toThrow(/PDF/);
    expect(kalshiFeeCeilCent('taker', 500_000, C(3), { feeType: 'flat', multiplier: '1', flatTakerPerContractMicros: 2_500 })).toBe(10_000);
    expect(kalshiFeeCeilCent('maker', 500_000, C(3), { feeType: 'flat', multiplier: '1', flatTakerPerContractMicros: 2_500 })).toBe(0);
  });
  it('parses both ws_event_fee_update fixtures (set, then cleared)', () => {
    const msgs = fixture<{ msg: unknown }[]>('kalshi/docs/ws_event_fee_update.json').map((m) => KalshiEventFeeUpdate.parse(m.msg));
    expect(msgs[0]).toEqual({ event_ticker: 'KXBTCD-26MAY2018', fee_type_override: 'quadratic', fee_multiplier_override: 1 });
    expect(msgs[1]).toEqual({ event_ticker: 'KXBTCD-26MAY2018', fee_type_override: null, fee_multiplier_override: null });
    expect(KalshiEventFeeUpdate.safeParse({ event_ticker: 'X', fee_type_override: 'weird', fee_multiplier_override: 1 }).success).toBe(false);
  });
  it('series fee changes accept RFC3339 or unix seconds', () => {
    const base = { series_ticker: 'KXBTCD', fee_type: 'quadratic', fee_multiplier: 1 };
    expect(KalshiSeriesFeeChange.parse({ ...base, scheduled_ts: '2026-05-01T00:00:00Z' }).scheduled_ts).toBe(Date.UTC(2026, 4, 1));
    expect(KalshiSeriesFeeChange.parse({ ...base, scheduled_ts: 1_777_593_600 }).scheduled_ts).toBe(1_777_593_600_000);
    expect(KalshiSeriesFeeChange.safeParse({ ...base, scheduled_ts: 'soon' }).success).toBe(false);
  });
  it('rejects bad inputs clearly', () => {
    expect(() => kalshiFeeExact('taker', 1_000_001, 1, QUAD)).toThrow(/price/);
    expect(() => new KalshiFeeAccumulator().addFill(0.5, 1)).toThrow(/integer/);
  });
});
