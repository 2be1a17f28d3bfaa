/**
 * The shape of one CLI subcommand. The CLI is a thin shell: each command parses flags into the typed options of
 * a stage function, calls it, and prints its typed result (human text, or JSON with --json). Stages never print.
 */

import type { FlagSpec, FlagValues } from '../config/flags.js';
import type { StageContext } from '../stage/StageContext.js';

export type { FlagSpec, FlagType, FlagValues } from '../config/flags.js';

export interface CommandIO {
  /** True when --json was given: print exactly one JSON document on stdout. */
  json: boolean;
  /** True when stderr is a TTY and --json is off: commands may draw progress there. */
  interactive: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Progress reporter; a no-op unless interactive. */
  progress(message: string): void;
  signal: AbortSignal;
  /** The run's composition root: stores, engine factory, work directory, events, signal, retry policy. */
  ctx: StageContext;
}

export interface Command {
  name: string;
  summary: string;
  /** Longer description for --help. */
  description?: string;
  usage: string;
  /** Shown under "Examples:" in --help; each is a full command line. */
  examples: string[];
  flags: Record<string, FlagSpec>;
  /** Positional arguments (e.g. `runs show <id>`); a command without them refuses any. */
  positionals?: { name: string; description: string; required?: boolean }[];
  /** Runs the command; returns the process exit code. Throw FraudopsError for user-facing failures. */
  run(flags: FlagValues, io: CommandIO, args: string[]): Promise<number>;
}
