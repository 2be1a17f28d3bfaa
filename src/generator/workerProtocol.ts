/** Messages between the generator's main thread and its day workers (see dayWorker.ts). */
import type { DayWritten } from './DayEngine.js';
import type { DaySimulation } from './DaySimulator.js';

export type ToWorker =
  | { op: 'simulate'; day: number }
  | { op: 'prepare'; idOffset: number; acrossRows: string[] }
  | { op: 'write'; name: string }
  | { op: 'ack' };

export interface WorkerErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export type FromWorker =
  | { op: 'simulated'; value: DaySimulation }
  | { op: 'prepared'; donors: string[] }
  | { op: 'chunk'; chunk: Uint8Array }
  | { op: 'written'; value: DayWritten }
  | { op: 'error'; error: WorkerErrorInfo };
