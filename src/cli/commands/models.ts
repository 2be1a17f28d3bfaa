/** `fraudops models list|show <version>`, `fraudops promote <version> --reason`, `fraudops rollback`: the registry by hand. */
import { TRACKING_SCHEMES } from '../../config/schemes.js';
import type { Command, CommandIO, FlagSpec, FlagValues } from '../command.js';

const common: Record<string, FlagSpec> = {
  tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
  'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
};

/** The registry from the run's context (opened once, closed with it); reading it never creates a store. */
async function withTracking<T>(flags: FlagValues, io: CommandIO, fn: (t: import('../../tracking/Tracking.js').Tracking) => Promise<T>): Promise<T> {
  return fn(await io.ctx.tracking(flags.tracking as string | undefined, { mustExist: true }));
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

export const modelsListCommand: Command = {
  name: 'models list',
  summary: 'list the registered model versions: aliases, test metrics and the evidence behind them',
  usage: 'fraudops models list [--registered-model <name>] [--tracking <uri>] [--json]',
  description: [
    'Every version, newest first, with its aliases (champion, previous-champion), test metrics and the last',
    'decision recorded on it (validation or manual promotion). `fraudops models show <version>` gives one in full.',
  ].join('\n'),
  examples: ['fraudops models list', 'MLFLOW_TRACKING_URI=http://127.0.0.1:5050 fraudops models list --json'],
  positionals: [],
  flags: common,
  async run(flags, io) {
    const registeredModel = String(flags['registered-model']);
    const { listVersions } = await import('../../registry/models.js');
    const versions = await withTracking(flags, io, (t) => listVersions(t, registeredModel));
    if (io.json) {
      io.out(JSON.stringify({ registeredModel, versions }, null, 2));
      return 0;
    }
    if (versions.length === 0) io.out(`${registeredModel}: no versions yet (\`fraudops train\` registers one)`);
    for (const v of versions) {
      const aliases = v.aliases.length ? ` [${v.aliases.join(', ')}]` : '';
      const metrics = Object.entries(v.testMetrics).map(([k, x]) => `${k}=${fmt(x)}`).join(' ');
      const why = v.evidence['promotion.action'] ? `${v.evidence['promotion.action']}: ${v.evidence['promotion.reason']}` : v.evidence['validation.code'] ?? '';
      io.out(`v${v.version}${aliases}  ${v.model ?? '?'}  ${metrics}  ${v.createdAt}${why ? `  (${why})` : ''}`);
    }
    return 0;
  },
};

export const modelsShowCommand: Command = {
  name: 'models show',
  summary: 'show one registered model version: tags, aliases, its run\'s metrics and params, the evidence',
  usage: 'fraudops models show <version> [--registered-model <name>] [--tracking <uri>] [--json]',
  examples: ['fraudops models show 3', 'fraudops models show 3 --json'],
  positionals: [{ name: 'version', description: 'version number', required: true }],
  flags: common,
  async run(flags, io, args) {
    const registeredModel = String(flags['registered-model']);
    const { showVersion } = await import('../../registry/models.js');
    const v = await withTracking(flags, io, (t) => showVersion(t, String(args[0]), registeredModel));
    if (io.json) {
      io.out(JSON.stringify({ registeredModel, ...v }, null, 2));
      return 0;
    }
    io.out(`${registeredModel} version ${v.version}${v.aliases.length ? ` [${v.aliases.join(', ')}]` : ''}`);
    io.out(`  model: ${v.model ?? '?'}   created: ${v.createdAt}`);
    io.out(`  source: ${v.source}`);
    if (v.run) io.out(`  run: ${v.run.runId} (${v.run.runName}, ${v.run.status})${v.run.loggedModelId ? `   logged model: ${v.run.loggedModelId}` : ''}`);
    for (const [k, x] of Object.entries(v.run?.metrics ?? {}).filter(([k]) => k.startsWith('test_')).sort()) io.out(`  ${k} = ${fmt(x)}`);
    const evidence = Object.entries(v.evidence).sort();
    if (evidence.length) io.out('  evidence:');
    for (const [k, x] of evidence) io.out(`    ${k} = ${x}`);
    return 0;
  },
};

function printDecision(io: CommandIO, d: import('../../registry/promote.js').RegistryDecision): void {
  if (io.json) {
    io.out(JSON.stringify(d, null, 2));
    return;
  }
  const from = d.previousChampion ? `version ${d.previousChampion}` : 'no champion';
  io.out(`${d.registeredModel}: champion is now version ${d.champion} (was ${from})`);
  io.out(`  recorded: ${d.action} by ${d.by} at ${d.at}, reason "${d.reason}", run ${d.runId}`);
}

export const promoteCommand: Command = {
  name: 'promote',
  summary: 'make a version the champion by hand (a manual override, recorded with its reason as evidence)',
  usage: 'fraudops promote <version> --reason "<why>" [--registered-model <name>] [--tracking <uri>] [--json]',
  description: [
    'Moves the `champion` alias to <version> without the statistical gate of `fraudops validate`; the former',
    'champion becomes `previous-champion`. The reason, who, when and what was replaced are written on the',
    'version (promotion.* tags) and in a run of stage `promote`.',
  ].join('\n'),
  examples: ['fraudops promote 4 --reason "v5 mis-scores weekend traffic; back to v4 while we investigate"', 'fraudops promote 7 --reason "approved by risk committee 2026-11-30" --json'],
  positionals: [{ name: 'version', description: 'version number to make the champion', required: true }],
  flags: {
    reason: { type: 'string', description: 'why (recorded as evidence)', required: true, placeholder: '"<text>"' },
    experiment: { type: 'string', description: 'experiment recording the decision', default: 'fraudops', configKey: 'experiment' },
    ...common,
  },
  async run(flags, io, args) {
    const { promote } = await import('../../registry/promote.js');
    const d = await withTracking(flags, io, (t) =>
      promote(t, { version: String(args[0]), reason: String(flags.reason ?? ''), registeredModel: String(flags['registered-model']), experiment: String(flags.experiment) }),
    );
    printDecision(io, d);
    return 0;
  },
};

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'return the champion alias to previous-champion (recorded as evidence)',
  usage: 'fraudops rollback [--reason "<why>"] [--registered-model <name>] [--tracking <uri>] [--json]',
  description: [
    'The `champion` alias goes back to the version `previous-champion` points at, and the demoted version becomes',
    '`previous-champion` (so a second rollback undoes the first). Recorded on the version and in a run of stage',
    '`rollback`. Fails with NO_PREVIOUS_CHAMPION when there is nothing to go back to.',
  ].join('\n'),
  examples: ['fraudops rollback', 'fraudops rollback --reason "alert rate doubled after the last promotion" --json'],
  positionals: [],
  flags: {
    reason: { type: 'string', description: 'why (recorded as evidence)', default: 'rollback', placeholder: '"<text>"' },
    experiment: { type: 'string', description: 'experiment recording the decision', default: 'fraudops', configKey: 'experiment' },
    ...common,
  },
  async run(flags, io) {
    const { rollback } = await import('../../registry/promote.js');
    const d = await withTracking(flags, io, (t) => rollback(t, { reason: String(flags.reason), registeredModel: String(flags['registered-model']), experiment: String(flags.experiment) }));
    printDecision(io, d);
    return 0;
  },
};
