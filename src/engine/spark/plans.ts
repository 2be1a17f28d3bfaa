/**
 * Builders for the few Spark Connect plan messages fraudops sends, as plain objects in the protos' field names
 * (proto-loader encodes them). Relations are SQL text or file reads; commands are SQL statements and file writes.
 * Anything richer is written as SQL, which keeps the dialect in one place (the engine's dialect object).
 */

/** A `spark.connect.Relation`. */
export type Relation = Record<string, unknown>;
/** A `spark.connect.Plan`. */
export type Plan = { root: Relation } | { command: Record<string, unknown> };

export function sqlRelation(query: string): Relation {
  return { sql: { query } };
}

export interface ReadOptions {
  /** A DDL schema (`id BIGINT, name STRING`); without it Spark infers one. */
  schema?: string;
  options?: Record<string, string>;
}

/** Reads files of a data source format (`parquet`, `text`, `csv`, `json`, `delta`) at the given paths. */
export function readRelation(format: string, paths: readonly string[], o: ReadOptions = {}): Relation {
  return {
    read: {
      data_source: {
        format,
        paths: [...paths],
        options: o.options ?? {},
        ...(o.schema ? { schema: o.schema } : {}),
      },
    },
  };
}

export type SaveMode = 'append' | 'overwrite' | 'error' | 'ignore';
const SAVE_MODES: Record<SaveMode, string> = {
  append: 'SAVE_MODE_APPEND',
  overwrite: 'SAVE_MODE_OVERWRITE',
  error: 'SAVE_MODE_ERROR_IF_EXISTS',
  ignore: 'SAVE_MODE_IGNORE',
};

export interface WriteOptions {
  mode?: SaveMode;
  partitionBy?: readonly string[];
  options?: Record<string, string>;
}

export function writeCommand(input: Relation, format: string, path: string, o: WriteOptions = {}): Plan {
  return {
    command: {
      write_operation: {
        input,
        source: format,
        path,
        mode: SAVE_MODES[o.mode ?? 'error'],
        partitioning_columns: [...(o.partitionBy ?? [])],
        options: o.options ?? {},
      },
    },
  };
}

/** A SQL statement run eagerly as a command (DDL, INSERT, SET...). */
export function sqlCommand(statement: string): Plan {
  return { command: { sql_command: { input: sqlRelation(statement) } } };
}

/** Rows sent with the plan, as an Arrow IPC stream (small inputs only: gRPC messages are capped). */
export function localRelation(arrowIpcStream: Uint8Array): Relation {
  return { local_relation: { data: Buffer.from(arrowIpcStream) } };
}

/** Names a relation as a session-scoped temporary view. */
export function createViewCommand(input: Relation, name: string): Plan {
  return { command: { create_dataframe_view: { input, name, is_global: false, replace: true } } };
}

/**
 * DataFrame relations: the plan messages PySpark's DataFrame API sends for the same calls, for jobs that are
 * written as transformations rather than SQL text (the bench's course cleaning, compared with PySpark's run of it).
 */

/** A `spark.connect.Expression`. */
export type Expression = Record<string, unknown>;

/** A SQL expression parsed by Spark (`CAST(trim(terminal_id) AS BIGINT)`), as `F.expr` sends it. */
export function sqlExpression(text: string): Expression {
  return { expression_string: { expression: text } };
}

/** A literal value: bigint is a BIGINT, number a DOUBLE, string a STRING, boolean a BOOLEAN. */
export type LiteralValue = bigint | number | string | boolean;

export function literal(value: LiteralValue): Record<string, unknown> {
  switch (typeof value) {
    case 'bigint':
      return { long: value.toString() };
    case 'number':
      return { double: value };
    case 'string':
      return { string: value };
    default:
      return { boolean: value };
  }
}

/** Keeps one row per distinct value of the columns (`dropDuplicates(columns)`); which one is unspecified. */
export function deduplicateRelation(input: Relation, columns: readonly string[]): Relation {
  return { deduplicate: { input, column_names: [...columns] } };
}

/** Adds or replaces columns (`withColumn`, `withColumns`), in the order given. */
export function withColumnsRelation(input: Relation, columns: Readonly<Record<string, Expression>>): Relation {
  return { with_columns: { input, aliases: Object.entries(columns).map(([name, expr]) => ({ expr, name: [name] })) } };
}

/** Replaces nulls in the named columns with a value each (`fillna({column: value})`). */
export function fillNaRelation(input: Relation, values: Readonly<Record<string, LiteralValue>>): Relation {
  const entries = Object.entries(values);
  return { fill_na: { input, cols: entries.map(([c]) => c), values: entries.map(([, v]) => literal(v)) } };
}

/** Drops the rows with a null in any of the columns (`dropna(subset=columns)`). */
export function dropNaRelation(input: Relation, columns: readonly string[]): Relation {
  return { drop_na: { input, cols: [...columns] } };
}
