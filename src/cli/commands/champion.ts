/** `fraudops champion`: what is serving now, and why. */
import { TRACKING_SCHEMES } from '../../config/schemes.js';
import type { Command } from '../command.js';

export const championCommand: Command = {
  name: 'champion',
  summary: 'show the model serving now (the champion alias) and the evidence that promoted it',
  usage: 'fraudops champion [--registered-model <name>] [--json]',
  examples: ['fraudops champion', 'MLFLOW_TRACKING_URI=http://127.0.0.1:5050 fraudops champion --json'],
  flags: {
    tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
    'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
  },
  async run(flags, io) {
    const { championInfo } = await import('../../promotion/champion.js');
    const info = await championInfo({ tracking: flags.tracking as string | undefined, registeredModel: String(flags['registered-model']) }, io.ctx);
    const healthy = info.champion?.artifact.ok === true;
    if (io.json) {
      io.out(JSON.stringify(info, null, 2));
      return healthy ? 0 : 1;
    }
    if (!info.champion) {
      io.out(`${info.registeredModel}: no champion: ${info.reason?.message ?? 'none set'}`);
      return 1;
    }
    const c = info.champion;
    io.out(`${info.registeredModel} champion: version ${c.version} (run ${c.runId ?? '?'})`);
    if (!c.artifact.ok) io.out(`  artifact: ${c.artifact.code}: ${c.artifact.message} — this champion cannot serve`);
    for (const [k, v] of Object.entries(c.metrics).sort()) io.out(`  ${k} = ${v.toFixed(4)}`);
    const e = c.evidence;
    const d = c.decision;
    if (d && d.by !== 'validate') {
      io.out(`  why: [${d.by.toUpperCase()}] ${d.reason} (by ${d.actor ?? 'unknown'}${d.at ? ` at ${d.at}` : ''}, replacing ${d.replaced === 'none' || !d.replaced ? 'no champion' : `version ${d.replaced}`})`);
    } else if (d) {
      io.out(`  why: [${d.code}] ${d.reason}`);
    }
    if (e['validation.code']) {
      const stats = e['validation.p_value'] ? `, p = ${e['validation.p_value']}, diff = ${e['validation.mean_diff']}, CI ${e['validation.ci'] || 'n/a'}` : '';
      const label = d?.by === 'validate' ? 'evidence' : `earlier validation [${e['validation.code']}]`;
      io.out(`  ${label}: ${e['validation.test']} on ${e['validation.metric']}${stats}, window ${e['validation.window']}, against ${e['validation.champion']}`);
    }
    if (info.previousChampion) io.out(`  previous champion: version ${info.previousChampion.version}`);
    return healthy ? 0 : 1;
  },
};
