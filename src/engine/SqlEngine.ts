/**
 * The SQL engine seam. Preparation and feature building speak SQL through this interface only, so the same
 * stages can later run on Spark (via Spark Connect) instead of embedded DuckDB. Dialect differences stay in
 * the engine implementation and in the small SQL builders that take a `Dialect`, never in stage code.
 */

export type SqlRow = Record<string, unknown>;

export interface SqlEngine {
  readonly name: string;
  /** Runs a statement, discarding any result. */
  run(sql: string): Promise<void>;
  /** Runs a query and returns its rows as plain objects (BIGINT as bigint). */
  query<T extends SqlRow = SqlRow>(sql: string): Promise<T[]>;
  /** Runs a query and returns its columns (for large results that go into typed arrays). */
  queryColumns(sql: string): Promise<Record<string, unknown[]>>;
  close(): Promise<void>;
}

/** Quotes a string literal for SQL. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Quotes a list of string literals as a SQL list `['a', 'b']`. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}
