/** The CLI's subcommand modules; each exports `register(program)`. Add one line per concern. */
import type { Command } from 'commander';

export type RegisterCommands = (program: Command) => void;

export const commandModules: RegisterCommands[] = [];
