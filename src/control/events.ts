/**
 * What the control layer tells the running processes after a decision is committed. The API's
 * `LiveEvents` fits this shape; the Discord bot and the CLI pass what they have (or nothing:
 * the pipeline also polls the tables). Fire and forget: implementations never throw.
 */
import type { PairStatus } from '../../schema/pair.js';
import type { RiskLimits } from '../../schema/risk.js';

export interface ControlEvents {
  publishPairStatus?(e: { readonly pairId: string; readonly status: PairStatus; readonly by: string }): void | Promise<void>;
  publishKillSwitch?(on: boolean, by: string): void | Promise<void>;
  publishRiskLimits?(limits: RiskLimits, by: string): void | Promise<void>;
  publishAlert?(a: { readonly level: 'info' | 'warn' | 'critical'; readonly message: string; readonly ts: number }): void | Promise<void>;
}
