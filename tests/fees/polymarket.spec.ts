import { describe, expect, it } from 'vitest';
import { divRound } from '../../schema/money.js';
import {
  GammaFeeSchedule, POLYMARKET_CATEGORY_FEES, polymarketCategory, polymarketEarly2026Fee, polymarketFee,
  polymarketFeeExact, polymarketMakerRebateEstimate, polymarketTakerFee, type FeeRounding,
} from '../../src/fees/polymarket.js';
import { parseRational } from '../../src/fees/rational.js';
import { atPublishedPrecision, fixture, usd } from './helpers.js';

interface CurrentRow { category: string; shares: string; fee_rate: string; exponent: number; price: string; exact_fee_usdc: string; published_usdc_2dp: string }
interface EarlyRow { price: string; trade_value_usdc: string; published_fee_usdc: string; published_effective_rate: string }
interface BuyRow { price: string; fee_tokens: string; fee_usdc: string; effective_rate: string }
interface SellRow { price: string; proceeds_usdc: string; fee_usdc: string; effective_rate: string }
interface PolyFixture {
  current_era: { rows: CurrentRow[] };
  early_2026_era: {
    params: { crypto_5m_15m: { fee_rate: string; exponent: number } };
    crypto_table_100_shares: EarlyRow[];
    maker_rebates_page_buy_100_shares: BuyRow[];
    maker_rebates_page_sell_100_shares_partial: SellRow[];
  };
}
const fx = fixture<PolyFixture>('polymarket/fee_examples.json');
const MODES: FeeRounding[] = ['ceil', 'floor', 'half-up'];

/** effective rate fee/value in percent, rounded half-up to the decimals the doc shows, as text-free micros */
function effectivePct(feeMicros: number, valueMicros: number, published: string): [number, number] {
  const shown = published.replace('%', '');
  const decimals = (shown.split('.')[1] ?? '').length;
  const scaled = Number(divRound(BigInt(feeMicros) * 100n * 10n ** BigInt(decimals), BigInt(valueMicros), 'half-up'));
  return [scaled, Number(shown.replace('.', ''))];
}

describe('Polymarket current era: every fixture row', () => {
  for (const r of fx.current_era.rows) {
    it(`${r.category}: ${r.shares} shares @ ${r.price}, rate ${r.fee_rate} → ${r.exact_fee_usdc} (docs ${r.published_usdc_2dp})`, () => {
      const sched = { rate: r.fee_rate, exponent: r.exponent };
      for (const rounding of MODES) expect(polymarketTakerFee(usd(r.price), usd(r.shares), sched, { rounding })).toBe(usd(r.exact_fee_usdc));
      const fee = polymarketTakerFee(usd(r.price), usd(r.shares), sched);
      expect(atPublishedPrecision(fee, r.published_usdc_2dp)).toBe(usd(r.published_usdc_2dp));
    });
  }
});

describe('Polymarket early-2026 crypto era: every fixture row', () => {
  const sched = { rate: fx.early_2026_era.params.crypto_5m_15m.fee_rate, exponent: fx.early_2026_era.params.crypto_5m_15m.exponent };
  for (const r of fx.early_2026_era.crypto_table_100_shares) {
    it(`BUY 100 @ ${r.price} → ${r.published_fee_usdc} USDC (${r.published_effective_rate})`, () => {
      const { feeMicros } = polymarketEarly2026Fee('buy', usd(r.price), usd('100'), sched);
      expect(atPublishedPrecision(feeMicros, r.published_fee_usdc)).toBe(usd(r.published_fee_usdc));
      const [got, want] = effectivePct(feeMicros, usd(r.trade_value_usdc), r.published_effective_rate);
      expect(got).toBe(want);
    });
  }
  for (const r of fx.early_2026_era.maker_rebates_page_buy_100_shares) {
    it(`maker-rebates page BUY 100 @ ${r.price}: ${r.fee_tokens} shares = ${r.fee_usdc} USDC`, () => {
      const f = polymarketEarly2026Fee('buy', usd(r.price), usd('100'), sched);
      expect(atPublishedPrecision(f.feeShares, r.fee_tokens)).toBe(usd(r.fee_tokens));
      expect(atPublishedPrecision(f.feeMicros, r.fee_usdc)).toBe(usd(r.fee_usdc));
      const [got, want] = effectivePct(f.feeMicros, usd(r.price) * 100, r.effective_rate);
      expect(got).toBe(want);
    });
  }
  for (const r of fx.early_2026_era.maker_rebates_page_sell_100_shares_partial) {
    it(`maker-rebates page SELL 100 @ ${r.price}: ${r.fee_usdc} USDC (${r.effective_rate} of proceeds)`, () => {
      const f = polymarketEarly2026Fee('sell', usd(r.price), usd('100'), sched);
      expect(f.feeShares).toBe(0);
      expect(atPublishedPrecision(f.feeMicros, r.fee_usdc)).toBe(usd(r.fee_usdc));
      const [got, want] = effectivePct(f.feeMicros, usd(r.proceeds_usdc), r.effective_rate);
      expect(got).toBe(want);
    });
  }
  it('rounds the share fee to 4 dp: 100 @ 0.45 = 1.53140625 shares → 1.5315 (ceil) / 1.5314 (floor)', () => {
    expect(polymarketEarly2026Fee('buy', 450_000, 100_000_000, sched).feeShares).toBe(1_531_500);
    expect(polymarketEarly2026Fee('buy', 450_000, 100_000_000, sched, { rounding: 'floor' }).feeShares).toBe(1_531_400);
  });
});

describe('Polymarket rounding and roles', () => {
  const sched = { rate: '0.04', exponent: 1, takerOnly: true, rebateRate: '0.25' };
  it('exact fee is a rational: 1 share @ 0.4 at 0.04 = 0.0096 USDC = 9600 micros', () => {
    const e = polymarketFeeExact(400_000, 1_000_000, '0.04', 1);
    expect(Number(e.num) / Number(e.den)).toBe(9600);
  });
  it('rounds to 5 dp with the chosen mode (0.123456 shares @ 0.5 at 0.07 → 0.00216048)', () => {
    // 0.123456 × 0.07 × 0.25 = 0.00216048 USDC = 2160.48 micros
    expect(polymarketTakerFee(500_000, 123_456, { rate: '0.07', exponent: 1 }, { rounding: 'ceil' })).toBe(2170);
    expect(polymarketTakerFee(500_000, 123_456, { rate: '0.07', exponent: 1 }, { rounding: 'floor' })).toBe(2160);
    expect(polymarketTakerFee(500_000, 123_456, { rate: '0.07', exponent: 1 }, { rounding: 'half-up' })).toBe(2160);
  });
  it('minimum fee 0.00001 when non-zero; zero when the exact fee is zero', () => {
    // 0.000001 share @ 0.5 at 0.04: 1e-8 USDC
    expect(polymarketTakerFee(500_000, 1, sched, { rounding: 'floor' })).toBe(10);
    expect(polymarketTakerFee(500_000, 1, sched, { rounding: 'floor', minimumFee: false })).toBe(0);
    expect(polymarketTakerFee(1_000_000, 5_000_000, sched)).toBe(0);
    expect(polymarketTakerFee(500_000, 0, sched)).toBe(0);
  });
  it('makers pay nothing on taker-only schedules; the rebate is an estimate on its own', () => {
    expect(polymarketFee('maker', 400_000, 100_000_000, sched)).toBe(0);
    expect(polymarketFee('taker', 400_000, 100_000_000, sched)).toBe(960_000);
    expect(polymarketFee('maker', 400_000, 100_000_000, { ...sched, takerOnly: false })).toBe(960_000);
    expect(polymarketMakerRebateEstimate(400_000, 100_000_000, sched)).toBe(240_000);
  });
  it('rejects non-integer or out-of-range inputs with a clear error', () => {
    expect(() => polymarketTakerFee(0.4, 1, sched)).toThrow(/price/);
    expect(() => polymarketTakerFee(400_000, -1, sched)).toThrow(/quantity/);
    expect(() => polymarketTakerFee(400_000, 1, { rate: 'abc', exponent: 1 })).toThrow(/decimal/);
  });
  it('parses Gamma feeSchedule numbers to exact decimals (sports fixture)', () => {
    const m = fixture<{ feeSchedule: unknown }[] | { feeSchedule: unknown }>('polymarket/rest_gamma_market_sports_fee_schedule.json');
    const market = Array.isArray(m) ? m[0]! : m;
    const s = GammaFeeSchedule.parse(market.feeSchedule);
    expect(s).toEqual({ rate: '0.03', exponent: 1, takerOnly: true, rebateRate: '0.25' });
    expect(parseRational(s.rate)).toEqual({ num: 3n, den: 100n });
    expect(GammaFeeSchedule.safeParse({ rate: -1, exponent: 1, takerOnly: true }).success).toBe(false);
  });
  it('category table and lookup', () => {
    expect(POLYMARKET_CATEGORY_FEES.Crypto).toEqual({ rate: '0.07', rebateRate: '0.2' });
    expect(POLYMARKET_CATEGORY_FEES.Geopolitics.rate).toBe('0');
    expect(polymarketCategory('politics')).toBe('Politics');
    expect(polymarketCategory('Something new')).toBe('Other');
  });
});
