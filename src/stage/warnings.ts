/**
 * Warnings: what a stage did not do exactly as asked, or what its result rests on that the user should weigh
 * (a search cut down to what the lake holds, features built on a history cut short by the lake's start). A
 * stage lists them in its result and tells them at once: to the caller's `onWarning`, else to the context's
 * log, which the CLI prints on stderr even when output is piped or --json.
 */
import type { StageContext } from './StageContext.js';

export interface StageWarning {
  code: string;
  message: string;
}

export function reportWarning(stage: string, warning: StageWarning, onWarning: ((w: StageWarning) => void) | undefined, ctx: StageContext | undefined): void {
  if (onWarning) onWarning(warning);
  else ctx?.emit({ type: 'log', stage, level: 'warn', message: `warning[${warning.code}]: ${warning.message}` });
}
