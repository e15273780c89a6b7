import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datasetFile, decodeMarket, encodeMarket, parseDatasetFile } from '../../src/datasets/layout.js';

describe('market file names', () => {
  it('encode/decode round-trips any id and the encoded name is a safe file-name part', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (id) => {
        // lone surrogates have no UTF-8 form: market ids are well-formed text
        fc.pre(Buffer.from(id, 'utf8').toString('utf8') === id);
        const enc = encodeMarket(id);
        expect(enc).toMatch(/^(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})*$/);
        expect(enc.startsWith('.')).toBe(false);
        expect(enc).not.toContain('/');
        expect(decodeMarket(enc)).toBe(id);
      }),
      { numRuns: 500 },
    );
  });

  it('is injective: different ids never share a name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 20 }), (a, b) => {
        fc.pre(a !== b);
        expect(encodeMarket(a)).not.toBe(encodeMarket(b));
      }),
    );
  });

  it('a path round-trips through datasetFile/parseDatasetFile for any id and day', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), fc.integer({ min: 0, max: 4102444800000 }), (id, ts) => {
        const file = datasetFile('kalshi', id, ts);
        const p = parseDatasetFile(file);
        expect(p).toBeDefined();
        expect(p!.market).toBe(id);
        expect(p!.venue).toBe('kalshi');
        expect(p!.day).toBeLessThanOrEqual(ts);
        expect(ts - p!.day).toBeLessThan(86_400_000);
      }),
    );
  });

  it('writes the layout of the issue', () => {
    const ts = Date.UTC(2026, 10, 27, 23, 59, 59, 999);
    expect(datasetFile('polymarket', '0xabc', ts)).toBe('polymarket/2026-11/0xabc_20261127.parquet');
    expect(datasetFile('kalshi', 'KXFED-26DEC-C25.5', ts)).toBe('kalshi/2026-11/KXFED-26DEC-C25.5_20261127.parquet');
    expect(datasetFile('kalshi', '../etc/passwd', ts)).toBe('kalshi/2026-11/%2E.%2Fetc%2Fpasswd_20261127.parquet');
    expect(datasetFile('kalshi', 'a b%', ts)).toBe('kalshi/2026-11/a%20b%25_20261127.parquet');
    expect(datasetFile('kalshi', '', ts)).toBe('kalshi/2026-11/_20261127.parquet');
    expect(datasetFile('kalshi', 'X_20260101', ts)).toBe('kalshi/2026-11/X_20260101_20261127.parquet');
    expect(parseDatasetFile('kalshi/2026-11/X_20260101_20261127.parquet')?.market).toBe('X_20260101');
  });

  it('refuses names it would not write', () => {
    expect(decodeMarket('%41')).toBeUndefined(); // 'A' must be written as A
    expect(decodeMarket('%e2%82%ac')).toBeUndefined(); // lower-case hex
    expect(decodeMarket('.hidden')).toBeUndefined();
    expect(decodeMarket('%FF')).toBeUndefined(); // not UTF-8
    expect(parseDatasetFile('kalshi/2026-12/X_20261127.parquet')).toBeUndefined(); // month folder ≠ day
    expect(parseDatasetFile('kalshi/2026-02/X_20260230.parquet')).toBeUndefined(); // no such day
    expect(parseDatasetFile('nowhere/2026-11/X_20261127.parquet')).toBeUndefined();
  });
});
