import { describe, expect, it } from 'vitest';
import { parsePairsFile, PairsFileError } from '../../src/pairs/file.js';

const POLY = '0x' + '1f'.repeat(32);
const KAL = 'KXFED-25DEC-T4.25';
const legs = [{ venue: 'polymarket', marketId: POLY }, { venue: 'kalshi', marketId: KAL }];
const good = { pairId: 'a', legs, status: 'approved', resolution: '2025-12-10T19:00:00Z' };
const legacy = { pairId: 'a', polyMarketId: POLY, kalshiMarketId: KAL, status: 'approved', resolution: '2025-12-10T19:00:00Z' };
const expected = {
  pairId: 'a', legs, yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, reasons: [], source: 'file', resolutionTs: Date.parse('2025-12-10T19:00:00Z'),
};

const problems = (pairs: unknown[]): string => {
  try {
    parsePairsFile(JSON.stringify({ pairs }), 'x.json');
  } catch (e) {
    expect(e).toBeInstanceOf(PairsFileError);
    return (e as Error).message;
  }
  throw new Error('expected a PairsFileError');
};

describe('pairs file', () => {
  it('parses the legs format with defaults; an approved entry is human-reviewed (the file\'s author)', () => {
    expect(parsePairsFile(JSON.stringify({ pairs: [good] }))).toEqual([expected]);
    const [pending] = parsePairsFile(JSON.stringify({ pairs: [{ ...good, status: 'pending', confidence: 0.7 }] }));
    expect(pending).toMatchObject({ status: 'pending', confidence: 0.7, humanReviewed: false });
  });

  it('accepts the legacy polyMarketId/kalshiMarketId form as legs [polymarket, kalshi]', () => {
    expect(parsePairsFile(JSON.stringify({ pairs: [legacy] }))).toEqual([expected]);
  });

  it('legs by position: any order of venues, leg A first', () => {
    const [p] = parsePairsFile(JSON.stringify({ pairs: [{ ...good, legs: [legs[1], legs[0]], yesMapsToNo: true }] }));
    expect(p!.legs).toEqual([{ venue: 'kalshi', marketId: KAL }, { venue: 'polymarket', marketId: POLY }]);
  });

  it('lists every problem with its entry and field (legacy form)', () => {
    const msg = problems([{ ...legacy, polyMarketId: 'nope' }, { ...legacy, pairId: 'b', status: 'maybe', resolution: 'tomorrow' }]);
    expect(msg).toMatch(/x\.json: 3 problem/);
    expect(msg).toMatch(/pairs\.0\.polyMarketId: Polymarket condition id/);
    expect(msg).toMatch(/pairs\.1\.status/);
    expect(msg).toMatch(/pairs\.1\.resolution/);
  });

  it('checks each leg\'s market id with its venue\'s format, unknown venues and same-venue legs', () => {
    const msg = problems([
      { ...good, legs: [{ venue: 'polymarket', marketId: 'KX-NOT-A-CONDITION' }, legs[1]] },
      { ...good, pairId: 'b', legs: [legs[0], { venue: 'kalshi', marketId: 'bad ticker!' }] },
      { ...good, pairId: 'c', legs: [legs[0], { venue: 'nowhere', marketId: 'X' }] },
      { ...good, pairId: 'd', legs: [legs[1], { venue: 'kalshi', marketId: 'KX-OTHER' }] },
      { ...good, pairId: 'e', legs: [legs[0]] },
    ]);
    expect(msg).toMatch(/pairs\.0\.legs\.0\.marketId: Polymarket condition id/);
    expect(msg).toMatch(/pairs\.1\.legs\.1\.marketId: Kalshi market ticker/);
    expect(msg).toMatch(/pairs\.2\.legs\.1\.venue/);
    expect(msg).toMatch(/pairs\.3\.legs: the two legs must be on different venues/);
    expect(msg).toMatch(/pairs\.4\.legs/);
  });

  it('rejects invalid JSON and duplicate ids', () => {
    expect(() => parsePairsFile('{')).toThrow(/not valid JSON/);
    expect(() => parsePairsFile(JSON.stringify({ pairs: [good, legacy] }))).toThrow(/duplicate pairId "a"/);
  });
});
