import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CENT } from '../../schema/money.js';
import { kalshiFeeCeilCent, kalshiFeeExact, kalshiOrderFee, type KalshiFeeParams } from '../../src/fees/kalshi.js';
import { polymarketTakerFee, type FeeRounding } from '../../src/fees/polymarket.js';
import { parseRational, type Rational } from '../../src/fees/rational.js';

const price = fc.integer({ min: 0, max: 1_000_000 });
const qty = fc.integer({ min: 0, max: 10_000_000_000 }); // up to 10,000 contracts
const rate = fc.constantFrom('0', '0.0175', '0.03', '0.04', '0.05', '0.07', '0.072', '0.25');
const exponent = fc.constantFrom(1, 2);
const rounding = fc.constantFrom<FeeRounding>('ceil', 'floor', 'half-up');
const kparams = fc.record({ feeType: fc.constantFrom('quadratic', 'quadratic_with_maker_fees') as fc.Arbitrary<KalshiFeeParams['feeType']>, multiplier: fc.constantFrom('1', '0.5', '2') });
const role = fc.constantFrom<'taker' | 'maker'>('taker', 'maker');
/** exact rational ≤ micros ? */
const le = (r: Rational, micros: number): boolean => r.num <= BigInt(micros) * r.den;
const lt = (micros: number, r: Rational, plus: number): boolean => BigInt(micros - plus) * r.den < r.num;

describe('Polymarket fee properties', () => {
  it('≥ 0, symmetric in p, monotone in C, ≤ rate × C / 4^e rounded up', () => {
    fc.assert(
      fc.property(price, qty, qty, rate, exponent, rounding, (p, c1, c2, r, e, mode) => {
        const s = { rate: r, exponent: e };
        const f = polymarketTakerFee(p, c1, s, { rounding: mode });
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f % 10).toBe(0);
        expect(polymarketTakerFee(1_000_000 - p, c1, s, { rounding: mode })).toBe(f);
        const [lo, hi] = c1 <= c2 ? [c1, c2] : [c2, c1];
        expect(polymarketTakerFee(p, lo, s, { rounding: mode })).toBeLessThanOrEqual(polymarketTakerFee(p, hi, s, { rounding: mode }));
        // cap: rate × C × (1/4)^e, in micros, rounded up to 10 micros
        const R = parseRational(r);
        const capNum = R.num * BigInt(c1);
        const capDen = R.den * 4n ** BigInt(e);
        const cap = Number(((capNum + capDen * 10n - 1n) / (capDen * 10n)) * 10n);
        expect(f).toBeLessThanOrEqual(Math.max(cap, capNum > 0n ? 10 : 0));
      }),
      { numRuns: 500 },
    );
  });
});

describe('Kalshi fee properties', () => {
  it('≥ 0, monotone in C, ≤ ceil_cent(multiplier × 0.07 × C / 4), rounding within one cent of the exact fee', () => {
    fc.assert(
      fc.property(price, qty, qty, kparams, role, (p, c1, c2, params, who) => {
        const f = kalshiFeeCeilCent(who, p, c1, params);
        const exact = kalshiFeeExact(who, p, c1, params);
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f % CENT).toBe(0);
        const [lo, hi] = c1 <= c2 ? [c1, c2] : [c2, c1];
        expect(kalshiFeeCeilCent(who, p, lo, params)).toBeLessThanOrEqual(kalshiFeeCeilCent(who, p, hi, params));
        const capExact = kalshiFeeExact(who, 500_000, c1, params);
        expect(f).toBeLessThanOrEqual(kalshiFeeCeilCent(who, 500_000, c1, params));
        expect(le(capExact, kalshiFeeCeilCent(who, 500_000, c1, params))).toBe(true);
        // per-order rounding: ≥ unrounded and < unrounded + 1 cent
        expect(le(exact, f)).toBe(true);
        expect(lt(f, exact, CENT)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('the per-order accumulator over several fills: ≥ Σ exact and < Σ exact + 1 cent + $0.0001 per fill', () => {
    const fill = fc.record({ price: fc.integer({ min: 1, max: 999_999 }), qty: fc.integer({ min: 1, max: 500_000_000 }) });
    fc.assert(
      fc.property(fc.array(fill, { minLength: 1, maxLength: 6 }), kparams, fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), (fills, params, side) => {
        const o = kalshiOrderFee('taker', side, fills, params);
        let num = 0n;
        let den = 1n;
        for (const f of fills) {
          const e = kalshiFeeExact('taker', f.price, f.qty, params);
          num = num * e.den + e.num * den;
          den *= e.den;
        }
        const sum = { num, den };
        expect(le(sum, o.netFeeMicros)).toBe(true);
        expect(lt(o.netFeeMicros, sum, CENT + 100 * fills.length)).toBe(true);
        expect(o.netFeeMicros).toBe(o.tradeFeeMicros + o.roundingFeeMicros - o.rebateMicros);
      }),
      { numRuns: 300 },
    );
  });
});
