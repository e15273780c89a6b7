/**
 * Bad input on the order side, never ignored: a venue answer that fails its schema, an order id
 * the venue does not know, a fill for an order we never sent. Each is logged (with the raw text),
 * counted per kind and pushed on `anomalies$`, which the executor alerts on and reconciles.
 */
import { Subject, type Observable } from 'rxjs';
import type { Venue } from '../../../schema/venue.js';
import { log } from '../../log.js';

/**
 * - `invalid_answer`  a venue answer (REST body or private-channel frame) that fails its schema
 * - `unknown_order`   an order id the venue does not know (status/cancel answered 404)
 * - `unknown_fill`    a fill for an order we never sent (a foreign fill)
 * - `channel_down`    the private fill channel went silent or closed: reconnecting, missed fills fetched over REST
 */
export type BrokerAnomalyKind = 'invalid_answer' | 'unknown_order' | 'unknown_fill' | 'channel_down';
export const BROKER_ANOMALY_KINDS: readonly BrokerAnomalyKind[] = ['invalid_answer', 'unknown_order', 'unknown_fill', 'channel_down'];

export interface BrokerAnomaly {
  readonly venue: Venue;
  readonly kind: BrokerAnomalyKind;
  /** what was being done: `place`, `status`, `fills$`, `GET /portfolio/fills`, … */
  readonly where: string;
  readonly detail: string;
  /** the venue's text (truncated) */
  readonly raw?: string;
  /** unix ms */
  readonly ts: number;
}

export class BrokerAnomalies {
  private readonly subject = new Subject<BrokerAnomaly>();
  readonly anomalies$: Observable<BrokerAnomaly> = this.subject.asObservable();
  readonly counts: Record<BrokerAnomalyKind, number> = { invalid_answer: 0, unknown_order: 0, unknown_fill: 0, channel_down: 0 };

  constructor(private readonly venue: Venue, private readonly now: () => number = Date.now) {}

  report(kind: BrokerAnomalyKind, where: string, detail: string, raw?: string): BrokerAnomaly {
    const a: BrokerAnomaly = { venue: this.venue, kind, where, detail, ...(raw !== undefined ? { raw: raw.slice(0, 2000) } : {}), ts: this.now() };
    this.counts[kind]++;
    log.warn({ venue: this.venue, kind, where, detail, raw: a.raw }, 'broker anomaly');
    this.subject.next(a);
    return a;
  }

  complete(): void {
    this.subject.complete();
  }
}
