/**
 * The `fraudops` executable: finds the subcommand, resolves its flags (flag > env > config file > default),
 * runs it and maps failures to exit codes. Errors print as `error[CODE]: message` (or a JSON document with
 * --json), never as a stack trace, unless FRAUDOPS_DEBUG is set.
 */
import { parseArgs } from 'node:util';
import { isFraudopsError, ConfigError, FraudopsError } from '../errors.js';
import { resolveFlags } from '../config/resolveFlags.js';
import { loadConfigFile } from '../config/loadConfigFile.js';
import { checkConfigKeys } from '../config/checkConfigKeys.js';
import type { Command, CommandIO } from './command.js';
import { commands } from './commands/index.js';
import { commandHelp, mainHelp } from './help.js';
import { createProgress } from './progress.js';
import { createStageContext } from '../stage/StageContext.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + the signal number, as shells report a process stopped by a signal. */
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;
/** Error codes that mean the command line itself is wrong (a bad flag value, a DAG that cannot be one, a tracking URI that cannot be one). */
const USAGE_CODES = new Set(['CONFIG_INVALID', 'DAG_INVALID', 'TRACKING_URI_INVALID', 'TRACKING_STORE_MISSING', 'PIPELINE_DB_MISSING']);
/** Another process holds what this command needed (the lake's writer lease, the champion alias): rerun later. */
export const EXIT_CONFLICT = 3;
/** Error codes that mean "someone else got there first", not "this job failed". */
const CONFLICT_CODES = new Set(['LAKE_CONFLICT', 'CHAMPION_MOVED', 'PROMOTION_BUSY']);

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Two-word commands (`pipeline run`, `runs show`) are found by their first two words.
  const twoWords = argv.length >= 2 && commands.some((c) => c.name === `${argv[0]} ${argv[1]}`);
  const [name, ...rest] = twoWords ? [`${argv[0]} ${argv[1]}`, ...argv.slice(2)] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? (commands.find((c) => c.name === `${rest[0]} ${rest[1]}`) ?? commands.find((c) => c.name === rest[0])) : undefined;
    process.stdout.write(target ? commandHelp(target) : mainHelp(commands));
    return EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${await version()}\n`);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  const group = command ? [] : commands.filter((c) => c.name.startsWith(`${name} `));
  if (group.length > 0) {
    const usage = `"${name}" needs a subcommand: ${group.map((c) => c.name.slice(name.length + 1)).join(', ')}`;
    if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) {
      process.stdout.write(mainHelp(group).replace('Usage: fraudops <command> [flags]', `Usage: fraudops ${name} <subcommand> [flags]`));
      return rest.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    return fail(new ConfigError(`${usage}; run \`fraudops ${name} --help\``), rest.includes('--json'), EXIT_USAGE);
  }
  const wantsJson = rest.includes('--json');
  if (!command) {
    return fail(new ConfigError(`unknown command "${name}"; run \`fraudops --help\` for the list`), wantsJson, EXIT_USAGE);
  }
  const controller = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while the command winds down stops the process at once.
    if (interruptedBy) process.exit(signal === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT);
    interruptedBy = signal;
    controller.abort(new FraudopsError('INTERRUPTED', `interrupted by ${signal}`, { context: { signal } }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      process.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    const { path, config } = loadConfigFile(parsed.config, env);
    checkConfigKeys(config, path, commands.flatMap((c) => Object.values(c.flags)));
    const flags = resolveFlags(command.flags, { argv: parsed.values, env, config, configPath: path });
    const interactive = !parsed.json && Boolean(process.stderr.isTTY);
    const progress = createProgress(interactive, process.stderr);
    const ctx = createStageContext({
      signal: controller.signal,
      engine: typeof flags.engine === 'string' ? flags.engine : undefined,
      workDir: typeof flags['work-dir'] === 'string' ? flags['work-dir'] : undefined,
      onEvent: (e) => (e.type === 'progress' ? progress.update(`${e.stage}: ${e.message}`) : process.stderr.write(`${e.stage}: ${e.message}\n`)),
    });
    const io: CommandIO = {
      json: parsed.json,
      interactive,
      out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
      err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
      progress: progress.update,
      signal: controller.signal,
      ctx,
    };
    try {
      return await command.run(flags, io, parsed.positionals);
    } finally {
      progress.done();
      await ctx.close();
    }
  } catch (e) {
    if (interruptedBy) {
      // Whatever the command was doing when it was stopped, the user asked for it: one line, no trace.
      process.stderr.write(`fraudops ${name}: interrupted by ${interruptedBy}; nothing was left half-written\n`);
      return interruptedBy === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
    }
    return fail(e, wantsJson, exitCodeOf(e));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  json: boolean;
  help: boolean;
  config?: string;
  positionals: string[];
}

function parseCommandArgs(command: Command, args: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    config: { type: 'string' },
  };
  for (const [flag, spec] of Object.entries(command.flags)) {
    options[flag] = { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: command.positionals !== undefined, strict: true });
  } catch (cause) {
    // Node's messages can run over several lines; an error is one line.
    throw new ConfigError(`${(cause as Error).message.replace(/\s*\n\s*/g, ' ')}; run \`fraudops ${command.name} --help\``, { cause });
  }
  const allowed = command.positionals ?? [];
  if (parsed.positionals.length > allowed.length) {
    throw new ConfigError(`unexpected argument "${parsed.positionals[allowed.length]}"; run \`fraudops ${command.name} --help\``);
  }
  const missing = allowed.slice(parsed.positionals.length).find((p) => p.required);
  if (missing && !parsed.values.help) {
    throw new ConfigError(`missing <${missing.name}> (${missing.description}); run \`fraudops ${command.name} --help\``);
  }
  const { json, help, config, ...values } = parsed.values as Record<string, string | boolean | undefined>;
  return { values, json: json === true, help: help === true, config: typeof config === 'string' ? config : undefined, positionals: parsed.positionals };
}

/** Usage and configuration problems exit 2; another holder of what was needed exits 3; everything else that fails the job exits 1. */
export function exitCodeOf(e: unknown): number {
  if (!isFraudopsError(e)) return EXIT_FAILURE;
  if (USAGE_CODES.has(e.code) || e.code === 'INVALID_DATE' || e.code.startsWith('CONFIG_') || e.code === 'CREDENTIALS_MISSING') return EXIT_USAGE;
  if (CONFLICT_CODES.has(e.code)) return EXIT_CONFLICT;
  return EXIT_FAILURE;
}

function fail(e: unknown, json: boolean, code: number): number {
  if (isFraudopsError(e)) {
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: e.toJSON() })}\n`);
    process.stderr.write(`error[${e.code}]: ${e.message}\n`);
    if (process.env.FRAUDOPS_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
    return code;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: err.message } })}\n`);
  process.stderr.write(`error[INTERNAL]: ${err.message}\n`);
  if (process.env.FRAUDOPS_DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
