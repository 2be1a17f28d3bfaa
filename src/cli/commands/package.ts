/** `fraudops package`: an OCI build context with a registered model baked in (src/delivery/package.ts). */
import { TRACKING_SCHEMES } from '../../config/schemes.js';
import type { Command } from '../command.js';

export const packageCommand: Command = {
  name: 'package',
  summary: 'write an image build context with a model from the registry baked in (labels: version, spec hash, run id)',
  description:
    'Fetches the model an alias (default champion) or version points at from the registry, and writes a build ' +
    'context: the project build inputs, the model files under model/, and a Dockerfile whose last stage copies ' +
    'them to /opt/fraudops/model and labels the image io.fraudops.model.{name,version,run-id,spec-hash,kind}. ' +
    'Build it with any OCI builder. Rerunning into the same folder replaces the earlier package.',
  usage: 'fraudops package --out <dir> [--model champion|<version>|models:/<name>/<version>] [--registered-model <name>] [--json]',
  examples: [
    'fraudops package --model champion --out build/image',
    'MLFLOW_TRACKING_URI=http://127.0.0.1:5050 fraudops package --model 7 --out build/image --json',
    'fraudops package --out build/image && docker buildx build -t ghcr.io/acme/fraudops:model-7 build/image',
  ],
  flags: {
    model: { type: 'string', description: 'alias, version number or models:/ reference', default: 'champion', placeholder: '<ref>' },
    out: { type: 'string', description: 'directory to write the build context to', required: true, placeholder: '<dir>' },
    'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
    tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
    source: { type: 'string', description: 'fraudops source tree to take the build inputs from (default: this installation)', placeholder: '<dir>' },
  },
  async run(flags, io) {
    const { packageImage } = await import('../../delivery/package.js');
    io.progress(`fetching ${String(flags.model)} from the registry`);
    const result = await packageImage({
      model: String(flags.model),
      out: String(flags.out),
      registeredModel: String(flags['registered-model']),
      tracking: flags.tracking as string | undefined,
      source: flags.source as string | undefined,
    }, io.ctx);
    if (io.json) {
      io.out(JSON.stringify({ ok: true, ...result }, null, 2));
      return 0;
    }
    const m = result.model;
    io.out(`packaged ${m.registeredModel} version ${m.version} (${m.ref}; run ${m.runId}, spec ${m.specHash.slice(0, 12)}) into ${result.out}`);
    io.out(`  model files: ${result.modelFiles.join(', ')}`);
    io.out(`  build it:    docker buildx build -t <image>:model-${m.version} ${result.out}`);
    return 0;
  },
};
