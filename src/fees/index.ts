/** The fee engine and the fee facts it reads (see engine.ts, schedule.ts). */
export { feeFormula, legFee, type FeeFormula, type FeeLeg, type FeeOptions } from './engine.js';
export { FeeBook, type ResolvedFeeSchedule } from './schedule.js';
export { FeeInputError, type Rational } from './rational.js';
