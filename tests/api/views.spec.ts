/**
 * Views (src/api/views.ts): live domain objects → what the schema serves. Legs keep their
 * position, times become Dates, a Level flattens to price + qty, and only the documented fields
 * (tests/api/sdlDrift.spec.ts VIEWS) are dropped: every other field of the domain type is carried.
 */
import { describe, expect, it } from 'vitest';
import type { Book } from '../../schema/book.js';
import { Edge } from '../../schema/edge.js';
import { bookTopFromLive, decisionFromLive, edgeFromLive, feedView, pairView } from '../../src/api/views.js';
import { KALSHI_ID, makeEdge, POLY_ID } from './helpers.js';

describe('views', () => {
  it('edge: legs by position, ts = tsDetected, only oldestBookTsReceived dropped', () => {
    const e = Edge.parse(makeEdge({ tsDetected: 1_000_000 }));
    const v = edgeFromLive(e);
    expect(Object.keys(v).sort()).toEqual([...Object.keys(Edge.shape).filter((k) => k !== 'tsDetected' && k !== 'oldestBookTsReceived'), 'ts'].sort());
    expect(v.ts).toEqual(new Date(1_000_000));
    expect(v.legs.map((l) => [l.position, l.venue, l.marketId, l.outcome, l.tsVenue])).toEqual([
      [0, 'polymarket', POLY_ID, 'yes', new Date(e.legs[0].tsVenue)],
      [1, 'kalshi', KALSHI_ID, 'no', new Date(e.legs[1].tsVenue)],
    ]);
    expect(v.legs[0]).not.toHaveProperty('tsReceived');
    expect(decisionFromLive({ edge: e, accepted: false, reasons: ['kill switch'], ts: 5 })).toEqual({ edge: v, accepted: false, reasons: ['kill switch'], ts: new Date(5) });
  });

  it('book top: tsReceived → ts, levels flattened, empty ladders null', () => {
    const book = {
      venue: 'kalshi', marketId: KALSHI_ID, tsVenue: 10, tsReceived: 20, issues: [],
      yes: { bids: [{ price: 480_000, qty: 2_000_000 }], asks: [] }, no: { bids: [], asks: [{ price: 520_000, qty: 1_000_000 }] },
    } as unknown as Book;
    expect(bookTopFromLive(book)).toEqual({
      venue: 'kalshi', marketId: KALSHI_ID, ts: new Date(20), tsVenue: new Date(10), issues: [],
      yesBid: 480_000, yesBidQty: 2_000_000, yesAsk: null, yesAskQty: null, noBid: null, noBidQty: null, noAsk: 520_000, noAskQty: 1_000_000,
    });
  });

  it('feed status: retryInMs (live only) dropped, optional fields null', () => {
    expect(feedView({ venue: 'kalshi', state: 'reconnecting', ts: 7, attempt: 2, retryInMs: 500 })).toEqual({ venue: 'kalshi', state: 'reconnecting', ts: new Date(7), attempt: 2, reason: null, connId: null });
  });

  it('pair: legs with their position; matcher internals not served', () => {
    const v = pairView({
      pairId: 'p', legs: [{ venue: 'polymarket', marketId: POLY_ID }, { venue: 'kalshi', marketId: KALSHI_ID }], status: 'approved', confidence: 0.85,
      humanReviewed: true, yesMapsToNo: false, reasons: [], guards: { rulesHash: 'x' }, source: 'llm', verdictModel: 'm', decidedBy: 'api:otto', createdAt: new Date(1), updatedAt: new Date(2),
    });
    expect(v).toEqual({
      pairId: 'p', legs: [{ position: 0, venue: 'polymarket', marketId: POLY_ID }, { position: 1, venue: 'kalshi', marketId: KALSHI_ID }], status: 'approved', confidence: 0.85,
      humanReviewed: true, yesMapsToNo: false, reasons: [], source: 'llm', decidedBy: 'api:otto', updatedAt: new Date(2),
    });
  });
});
