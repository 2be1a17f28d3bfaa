/**
 * One error tree for the whole product. Every error carries a stable `code` (tests and callers branch on it,
 * never on message text), a `context` naming what failed (file, line, field, uri, run id...) and a
 * `retriable` flag that retry loops read instead of guessing from the message.
 */

export type ErrorContext = Record<string, string | number | boolean | undefined>;

export interface FraudopsErrorOptions {
  context?: ErrorContext;
  retriable?: boolean;
  cause?: unknown;
}

export class FraudopsError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: FraudopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
    this.retriable = options.retriable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, context: this.context, retriable: this.retriable };
  }
}

/** A flag, environment variable or config-file value is missing or invalid. */
export class ConfigError extends FraudopsError {
  constructor(message: string, options: FraudopsErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/** Object storage failures: missing objects, unreachable endpoints, denied access. */
export class StorageError extends FraudopsError {}

/** Raw input that cannot be read as transactions at all (empty, binary, wrong header...). */
export class InputError extends FraudopsError {}

/** The lake's own state is inconsistent (unknown commit format, conflicting writer...). */
export class LakeError extends FraudopsError {}

export function isFraudopsError(e: unknown): e is FraudopsError {
  return e instanceof FraudopsError;
}

/** Formats "file:line: field" prefixes the same way everywhere. */
export function where(context: ErrorContext): string {
  const parts: string[] = [];
  if (context.file !== undefined) parts.push(String(context.file));
  if (context.line !== undefined) parts.push(String(context.line));
  const loc = parts.join(':');
  const field = context.field !== undefined ? ` (field ${String(context.field)})` : '';
  return loc ? `${loc}${field}: ` : field ? `${field.trim()}: ` : '';
}

/**
 * The pipeline refused a definition (DAG_INVALID), a run failed (PIPELINE_FAILED), a run was not found
 * (RUN_NOT_FOUND) or the workflow engine could not be reached (PIPELINE_ENGINE). Cluster providers and announcers
 * use it too (CLUSTER_API, ANNOUNCE_FAILED), with the uri or operation in the context.
 */
export class PipelineError extends FraudopsError {}
