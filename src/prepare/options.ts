/**
 * The options of the preparation stage, described once: the CLI's flags (`fraudops prepare`), their env vars and
 * config keys, and the pipeline's prepare task all come from these specs (see config/flags.ts).
 */
import type { FlagSpec } from '../config/flags.js';
import { STORE_SCHEMES } from '../config/schemes.js';
import { checkEngineUri } from '../engine/openEngine.js';

export const PREPARE_OPTIONS = {
  raw: { type: 'uri', description: 'raw files root', env: 'FRAUDOPS_RAW', configKey: 'raw', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
  lake: { type: 'uri', description: 'lake root', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
  engine: { type: 'string', description: 'SQL engine URI (duckdb: embedded; sc://host:port[/;token=...] Spark Connect)', default: 'duckdb:', env: 'FRAUDOPS_ENGINE', configKey: 'engine', placeholder: '<uri>', check: checkEngineUri },
  'memory-limit': { type: 'size', description: 'engine memory cap (peak RSS stays near it: it spills beyond)', default: '1GB', env: 'FRAUDOPS_MEMORY_LIMIT', configKey: 'prepare.memoryLimit' },
  threads: { type: 'integer', description: 'engine threads (default: all cores)', env: 'FRAUDOPS_THREADS', configKey: 'threads', min: 1, max: 1024 },
  'work-dir': { type: 'string', description: 'scratch directory (default: OS temp dir)', env: 'FRAUDOPS_WORK_DIR', configKey: 'workDir', placeholder: '<dir>' },
  'max-reject-ratio': {
    type: 'number',
    description: 'largest share (0..1) of a file\'s rows that may be quarantined; above it the file is an error and nothing of it is committed',
    default: 0.5,
    min: 0,
    max: 1,
    env: 'FRAUDOPS_MAX_REJECT_RATIO',
    configKey: 'prepare.maxRejectRatio',
  },
} satisfies Record<string, FlagSpec>;
