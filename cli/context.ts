import type { Command } from 'commander';
import type { Deployment, GlobalOptions } from './deployment';
import type { Io } from './io';

/** What every command gets: where to write, the global options, and the deployment they name (resolved once, on first use). */
export interface CliContext {
  readonly io: Io;
  globals(): GlobalOptions;
  deployment(): Promise<Deployment>;
}

/** One command of the CLI: a file under cli/commands/ that adds itself to the program (listed in cli/main.ts). */
export type CommandModule = (program: Command, context: CliContext) => void;
