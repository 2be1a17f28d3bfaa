/**
 * The `fraudops` executable: finds the subcommand, resolves its flags (flag > env > config file > default),
 * runs it and maps failures to exit codes. Errors print as `error[CODE]: message` (or a JSON document with
 * --json), never as a stack trace, unless FRAUDOPS_DEBUG is set.
 */
import { parseArgs } from 'node:util';
import { isFraudopsError, ConfigError } from '../errors.js';
import { resolveFlags } from '../config/resolveFlags.js';
import { loadConfigFile } from '../config/loadConfigFile.js';
import type { Command, CommandIO } from './command.js';
import { commands } from './commands/index.js';
import { commandHelp, mainHelp } from './help.js';
import { createProgress } from './progress.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

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
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      process.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    const { path, config } = loadConfigFile(parsed.config, env);
    const flags = resolveFlags(command.flags, { argv: parsed.values, env, config, configPath: path });
    const interactive = !parsed.json && Boolean(process.stderr.isTTY);
    const progress = createProgress(interactive, process.stderr);
    const io: CommandIO = {
      json: parsed.json,
      interactive,
      out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
      err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
      progress: progress.update,
      signal: controller.signal,
    };
    try {
      return await command.run(flags, io, parsed.positionals);
    } finally {
      progress.done();
    }
  } catch (e) {
    return fail(e, wantsJson, isFraudopsError(e) && (e.code === 'CONFIG_INVALID' || e.code === 'DAG_INVALID') ? EXIT_USAGE : EXIT_FAILURE);
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
    throw new ConfigError(`${(cause as Error).message}; run \`fraudops ${command.name} --help\``, { cause });
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

function fail(e: unknown, json: boolean, code: number): number {
  if (isFraudopsError(e)) {
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: e.toJSON() })}\n`);
    process.stderr.write(`error[${e.code}]: ${e.message}\n`);
    if (process.env.FRAUDOPS_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
    return code;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: err.message } })}\n`);
  process.stderr.write(`error[INTERNAL]: ${err.stack ?? err.message}\n`);
  return EXIT_FAILURE;
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
