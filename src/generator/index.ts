/**
 * The transaction generator's public API: `generate` (the stage), its options and result, the manifest it writes
 * and `openOutput` (where files go). Everything else in this folder is internal.
 */
export { generate, type GenerateHooks, type GenerateProgress, type GenerateResult } from './generate.js';
export {
  DEFAULT_NOISE_RATES,
  DEFAULTS,
  resolveOptions,
  type GenerateOptions,
  type NoiseMode,
  type NoiseRates,
  type ResolvedOptions,
} from './options.js';
export {
  expectedAccounting,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  type ExpectedAccounting,
  type FraudCounts,
  type Manifest,
  type ManifestFile,
  type ManifestTotals,
} from './manifest.js';
export { openOutput, type ChunkSink, type Output } from './openOutput.js';
