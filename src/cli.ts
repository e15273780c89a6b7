#!/usr/bin/env -S node --import tsx
/**
 * arbstream CLI. Each concern registers its subcommands from `src/cli/<concern>.ts`
 * (listed in src/cli/index.ts). `npm start` runs `arbstream demo`.
 */
import { Command } from 'commander';
import { commandModules } from './cli/index.js';
import { ConfigError } from './config.js';
import { log, scrub } from './log.js';

const program = new Command()
  .name('arbstream')
  .description('Cross-venue arbitrage between Polymarket and Kalshi: stream pipeline, matcher, API')
  .showHelpAfterError()
  .exitOverride((err) => {
    // help and version are not failures
    process.exit(err.exitCode);
  });

for (const register of commandModules) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(scrub(err.message));
    process.exit(78); // EX_CONFIG
  }
  log.fatal({ err }, 'command failed');
  console.error(`arbstream: ${scrub((err as Error).message)}`);
  process.exit(1);
}
