import { describe, expect, it } from 'vitest';
import { parsePairsFile, PairsFileError } from '../../src/pairs/file.js';

const POLY = '0x' + '1f'.repeat(32);
const good = { pairId: 'a', polyMarketId: POLY, kalshiMarketId: 'KXFED-25DEC-T4.25', status: 'approved', resolution: '2025-12-10T19:00:00Z' };

describe('pairs file', () => {
  it('parses a valid file with defaults', () => {
    const [p] = parsePairsFile(JSON.stringify({ pairs: [good] }));
    expect(p).toEqual({ ...good, resolution: undefined, yesMapsToNo: false, confidence: 1, reasons: [], source: 'file', resolutionTs: Date.parse('2025-12-10T19:00:00Z') });
  });
  it('lists every problem with its entry and field', () => {
    const bad = { pairs: [{ ...good, polyMarketId: 'nope' }, { ...good, pairId: 'b', status: 'maybe', resolution: 'tomorrow' }] };
    const err = (() => { try { parsePairsFile(JSON.stringify(bad), 'x.json'); } catch (e) { return e as PairsFileError; } })();
    expect(err).toBeInstanceOf(PairsFileError);
    expect(err!.message).toMatch(/x\.json: 3 problem/);
    expect(err!.message).toMatch(/pairs\.0\.polyMarketId/);
    expect(err!.message).toMatch(/pairs\.1\.status/);
    expect(err!.message).toMatch(/pairs\.1\.resolution/);
  });
  it('rejects invalid JSON and duplicate ids', () => {
    expect(() => parsePairsFile('{')).toThrow(/not valid JSON/);
    expect(() => parsePairsFile(JSON.stringify({ pairs: [good, good] }))).toThrow(/duplicate pairId "a"/);
  });
});
