/** The CLI's subcommand modules; each exports `register(program)`. Add one line per concern. */
import type { Command } from 'commander';

export type RegisterCommands = (program: Command) => void;

export const commandModules: RegisterCommands[] = [];
import { register as registerDb } from './db.js'; commandModules.push(registerDb);
import { register as registerBot } from './bot.js'; commandModules.push(registerBot);
import { register as registerMatch } from './match.js'; commandModules.push(registerMatch);
import { register as registerPairs } from './pairs.js'; commandModules.push(registerPairs);
import { register as registerPipeline } from './pipeline.js'; commandModules.push(registerPipeline);
import { register as registerServe } from './serve.js'; commandModules.push(registerServe);
import { register as registerBackfill } from './backfill.js'; commandModules.push(registerBackfill);
import { register as registerDataset } from './dataset.js'; commandModules.push(registerDataset);
import { register as registerBacktest } from './backtest.js'; commandModules.push(registerBacktest);
