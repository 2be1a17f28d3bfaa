/**
 * The one scoring path: raw transaction lines in, predictions and dead letters out. The stream scorer, the
 * file scorer (`fraudops score`) and the demo all call `scoreBatch`. Each line is checked by prepare's row rules
 * (prepare/parseRow.ts); an invalid line becomes a dead letter with its original bytes, reason code and source
 * position, and its valid neighbours are scored. Features come from the model artifact's own feature spec, so a
 * model is never fed features of another spec.
 */
import { featureSpecHash } from '../features/spec.js';
import { parseRow } from '../prepare/parseRow.js';
import type { QuarantineReason } from '../quality.js';
import type { ServingModel } from './ModelSource.js';
import type { StreamFeatures } from './StreamFeatures.js';

export interface ScoreInput {
  value: Buffer;
  partition: number;
  offset: bigint;
  /** When the line entered the system (the Kafka record timestamp, or the read time), epoch ms. */
  ingestedAt: number;
}

export interface Prediction {
  id: string;
  score: number;
  decision: 'alert' | 'pass';
  threshold: number;
  model: string;
  modelVersion: string;
  featureSpecHash: string;
  eventTime: string;
  scoringTime: string;
  /** Scoring time minus ingestion time, ms. */
  latencyMs: number;
  partition: number;
  offset: string;
  features?: Record<string, number>;
}

export interface DeadLetter {
  value: Buffer;
  reason: QuarantineReason;
  partition: number;
  offset: bigint;
}

export interface BatchResult {
  predictions: Prediction[];
  deadLetters: DeadLetter[];
  /** Per transaction, the features (row-major, the artifact's column order), when asked for. */
  version: string;
}

export interface ScoreBatchOptions {
  /** false while rebuilding state (replay-without-output): state moves, nothing is returned. */
  emit?: boolean;
  /** Put each transaction's features in its prediction (parity tests). */
  withFeatures?: boolean;
}

export class Scorer {
  constructor(readonly features: StreamFeatures) {}

  async scoreBatch(inputs: readonly ScoreInput[], model: ServingModel, options: ScoreBatchOptions = {}): Promise<BatchResult> {
    const emit = options.emit ?? true;
    const spec = model.artifact.featureSpec;
    const hash = featureSpecHash(spec);
    const names = model.artifact.featureNames;
    const width = names.length;
    const deadLetters: DeadLetter[] = [];
    const rows: { input: ScoreInput; id: string; time: number; datetime: string; customerId: number; terminalId: number; amount: number }[] = [];
    let maxTime = -Infinity;
    let minTime = Infinity;
    for (const input of inputs) {
      const r = parseRow(input.value);
      if (!r.ok) {
        if (emit) deadLetters.push({ value: input.value, reason: r.reason, partition: input.partition, offset: input.offset });
        continue;
      }
      const row = r.row;
      rows.push({ input, id: String(row.transactionId), time: row.time, datetime: row.datetime, customerId: row.customerId, terminalId: row.terminalId, amount: row.amount });
      if (row.time > maxTime) maxTime = row.time;
      if (row.time < minTime) minTime = row.time;
    }
    await this.features.prepareFor(minTime, maxTime);
    const data = new Float64Array(rows.length * width);
    const out = new Float64Array(width);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!this.features.has(row.input.partition)) await this.features.partition(row.input.partition, row.time);
      this.features.score(row.input.partition, { time: row.time, customerId: row.customerId, terminalId: row.terminalId, amount: row.amount }, out);
      data.set(out, i * width);
    }
    if (!emit || rows.length === 0) return { predictions: [], deadLetters, version: model.version };
    const scores = model.model.predictProba({ rows: rows.length, cols: width, data, names });
    const now = Date.now();
    const scoringTime = new Date(now).toISOString();
    const threshold = model.artifact.threshold;
    const predictions: Prediction[] = rows.map((row, i) => {
      const p: Prediction = {
        id: row.id,
        score: scores[i],
        decision: scores[i] >= threshold ? 'alert' : 'pass',
        threshold,
        model: model.registeredModel,
        modelVersion: model.version,
        featureSpecHash: hash,
        eventTime: `${row.datetime.replace(' ', 'T')}Z`,
        scoringTime,
        latencyMs: now - row.input.ingestedAt,
        partition: row.input.partition,
        offset: String(row.input.offset),
      };
      if (options.withFeatures) p.features = Object.fromEntries(names.map((n, j) => [n, data[i * width + j]]));
      return p;
    });
    return { predictions, deadLetters, version: model.version };
  }
}
