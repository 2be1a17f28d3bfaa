/**
 * Embedded DuckDB behind the SqlEngine interface. One instance per stage run; memory is capped and the engine
 * spills to `tempDir`, so a 50M-row file fits on a small machine.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FraudopsError } from '../errors.js';
import { sqlString, type SqlEngine, type SqlRow } from './SqlEngine.js';

export interface DuckDbOptions {
  /** Database file, or ':memory:' (default). */
  path?: string;
  /** e.g. '4GB'. */
  memoryLimit?: string;
  /** Directory for spilled intermediate data. */
  tempDir?: string;
  threads?: number;
}

export class DuckDbEngine implements SqlEngine {
  readonly name = 'duckdb';

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async create(options: DuckDbOptions = {}): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(options.path ?? ':memory:');
    const connection = await instance.connect();
    const engine = new DuckDbEngine(instance, connection);
    try {
      if (options.memoryLimit) await engine.run(`SET memory_limit = ${sqlString(options.memoryLimit)}`);
      if (options.tempDir) await engine.run(`SET temp_directory = ${sqlString(options.tempDir)}`);
      if (options.threads) await engine.run(`SET threads = ${Math.max(1, Math.floor(options.threads))}`);
      await engine.run('SET preserve_insertion_order = true');
    } catch (e) {
      await engine.close();
      throw e;
    }
    return engine;
  }

  async run(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch (cause) {
      throw engineError(cause, sql);
    }
  }

  async query<T extends SqlRow = SqlRow>(sql: string): Promise<T[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjects() as T[];
    } catch (cause) {
      throw engineError(cause, sql);
    }
  }

  async queryColumns(sql: string): Promise<Record<string, unknown[]>> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getColumnsObjectJS() as Record<string, unknown[]>;
    } catch (cause) {
      throw engineError(cause, sql);
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function engineError(cause: unknown, sql: string): FraudopsError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new FraudopsError('ENGINE_FAILED', `duckdb: ${message.split('\n')[0]}`, {
    cause,
    context: { engine: 'duckdb', sql: sql.length > 400 ? `${sql.slice(0, 400)}…` : sql },
  });
}
