/** What a validation decided and on what: the shape `validate` returns, records as evidence and prints. */
import type { MetricName } from '../datasets/evaluate.js';
import type { Decision, ValidationTest } from '../statistics/index.js';
import type { StageWarning } from '../stage/warnings.js';

export interface ModelSummary {
  ref: string;
  runId: string;
  version?: string;
  kind: string;
  observed: number;
}

export interface ValidateResult {
  metric: MetricName;
  test: ValidationTest;
  candidate: ModelSummary;
  champion?: ModelSummary;
  window: { from: string; to: string; rows: number; frauds: number; removedKnownCompromised: number };
  bootstrap?: { B: number; blocks: string; meanCandidate: number; meanChampion: number };
  meanDiff: number;
  ci?: [number, number];
  pValue: number;
  alpha: number;
  minEffect: number;
  decision: Decision;
  promoted: boolean;
  aliases: Record<string, string | undefined>;
  report?: { html: string; png: string };
  /** What the decision rests on that the user should know (for example features built on cut-short history). */
  warnings: StageWarning[];
}
