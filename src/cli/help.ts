/** Renders `--help` text from the command specs, so help never drifts from the flags actually parsed. */
import type { Command } from './command.js';

export function mainHelp(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    'fraudops — card-fraud model lifecycle: raw files → Parquet lake → features → models → scoring',
    '',
    'Usage: fraudops <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global flags: --json (machine-readable output), --config <file> (JSON config; also FRAUDOPS_CONFIG), --help',
    'Flag values come from the command line, then the environment, then the config file, then defaults.',
    '',
    'Examples:',
    '  fraudops demo',
    '  fraudops generate --out ./raw --days 7 --customers 5000 --terminals 10000 --seed 1 --noise course',
    '  fraudops prepare --raw ./raw --lake ./lake --json',
    '',
    'Run `fraudops <command> --help` for the flags of one command.',
    '',
  ];
  return lines.join('\n');
}

export function commandHelp(c: Command): string {
  const rows = Object.entries(c.flags).map(([name, f]) => {
    const left = `  ${f.short ? `-${f.short}, ` : ''}--${name}${f.type === 'boolean' ? '' : ` ${f.placeholder ?? `<${f.type}>`}`}`;
    const extra = [
      f.choices ? `one of: ${f.choices.join(', ')}` : '',
      f.default !== undefined ? `default: ${String(f.default)}` : '',
      f.env ? `env: ${f.env}` : '',
      f.required ? 'required' : '',
    ].filter(Boolean);
    return [left, `${f.description}${extra.length ? ` (${extra.join('; ')})` : ''}`] as const;
  });
  rows.push(['  --json', 'print one JSON document on stdout instead of human text']);
  rows.push(['  --config <file>', 'JSON config file (env: FRAUDOPS_CONFIG; default ./fraudops.json if present)']);
  rows.push(['  -h, --help', 'show this help']);
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)));
  const lines = [
    `fraudops ${c.name} — ${c.summary}`,
    '',
    `Usage: ${c.usage}`,
    '',
    ...(c.description ? [c.description, ''] : []),
    ...(c.positionals?.length
      ? ['Arguments:', ...c.positionals.map((a) => `  <${a.name}>`.padEnd(width) + `  ${a.description}${a.required ? ' (required)' : ''}`), '']
      : []),
    'Flags:',
    ...rows.map(([l, r]) => (l.length > width ? `${l}\n${' '.repeat(width + 2)}${r}` : `${l.padEnd(width)}  ${r}`)),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
    '',
  ];
  return lines.join('\n');
}
