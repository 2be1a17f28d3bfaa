import { describe, expect, it } from 'vitest';
import { deduplicateRelation, dropNaRelation, fillNaRelation, literal, sqlExpression, sqlRelation, withColumnsRelation, writeCommand } from './plans.js';

describe('engine > spark > plans', () => {
  const input = sqlRelation('SELECT 1 AS id');

  it('types literals the way Spark reads them: bigint as BIGINT (a decimal string), number as DOUBLE', () => {
    expect(literal(2n ** 62n)).toEqual({ long: '4611686018427387904' });
    expect(literal(0)).toEqual({ double: 0 });
    expect(literal('x')).toEqual({ string: 'x' });
    expect(literal(false)).toEqual({ boolean: false });
  });

  it('builds DataFrame relations on their input, in the protocol’s field names', () => {
    expect(deduplicateRelation(input, ['id'])).toEqual({ deduplicate: { input, column_names: ['id'] } });
    expect(withColumnsRelation(input, { a: sqlExpression('id + 1'), b: sqlExpression('abs(id)') })).toEqual({
      with_columns: {
        input,
        aliases: [
          { expr: { expression_string: { expression: 'id + 1' } }, name: ['a'] },
          { expr: { expression_string: { expression: 'abs(id)' } }, name: ['b'] },
        ],
      },
    });
    expect(fillNaRelation(input, { t: 0n, s: 'none' })).toEqual({ fill_na: { input, cols: ['t', 's'], values: [{ long: '0' }, { string: 'none' }] } });
    expect(dropNaRelation(input, ['id'])).toEqual({ drop_na: { input, cols: ['id'] } });
  });

  it('writes partitioned by the given columns, failing on an existing path unless told otherwise', () => {
    const plan = writeCommand(input, 'parquet', '/x', { partitionBy: ['day'], options: { compression: 'zstd' } });
    expect(plan).toEqual({
      command: {
        write_operation: { input, source: 'parquet', path: '/x', mode: 'SAVE_MODE_ERROR_IF_EXISTS', partitioning_columns: ['day'], options: { compression: 'zstd' } },
      },
    });
  });
});
