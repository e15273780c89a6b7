/**
 * What the control layer tells the running processes after a decision is committed. The API's
 * `LiveEvents` fits this shape; the Discord bot and the CLI pass what they have (or nothing:
 * the pipeline also polls the tables). Fire and forget: implementations never throw.
 */
import type { PairStatus } from '../../schema/pair.js';
import type { RiskLimits } from '../../schema/risk.js';
import { log } from '../log.js';

export interface ControlEvents {
  publishPairStatus?(e: { readonly pairId: string; readonly status: PairStatus; readonly by: string }): void | Promise<void>;
  publishKillSwitch?(on: boolean, by: string): void | Promise<void>;
  publishRiskLimits?(limits: RiskLimits, by: string): void | Promise<void>;
  publishAlert?(a: { readonly level: 'info' | 'warn' | 'critical'; readonly message: string; readonly ts: number }): void | Promise<void>;
}

/** Calls one publisher after a commit; a failure is logged, never thrown (the decision stands). */
export async function notify(publish: () => void | Promise<void> | undefined): Promise<void> {
  try {
    await publish();
  } catch (err) {
    log.warn({ err }, 'control: event not published (the pipeline still polls the tables; other processes re-read on their next event)');
  }
}
