import { describe, expect, it } from 'vitest';
import { parseTempTable, sparkString, sparkTypes, splitStatements, toSparkSql } from './sparkSql.js';

describe('engine > spark > sparkSql', () => {
  it('quotes literals the way Spark reads them', () => {
    expect(sparkString("it's a\\b")).toBe("'it\\'s a\\\\b'");
  });

  it('splits scripts on semicolons outside literals and comments', () => {
    expect(splitStatements("DROP TABLE a; SELECT ';' AS x -- ; not here\n; SELECT \"a;b\"")).toEqual([
      'DROP TABLE a',
      "SELECT ';' AS x -- ; not here",
      'SELECT "a;b"',
    ]);
  });

  it('recognizes temporary tables with columns or a query', () => {
    expect(parseTempTable('CREATE OR REPLACE TEMP TABLE staged (line BIGINT, w VARCHAR)')).toEqual({
      name: 'staged',
      replace: true,
      columns: '(line BIGINT, w VARCHAR)',
    });
    expect(parseTempTable('create temporary table t as select 1')).toEqual({ name: 't', replace: false, query: 'select 1' });
    expect(parseTempTable("SELECT 'CREATE TEMP TABLE x AS 1'")).toBeUndefined();
  });

  it('spells VARCHAR without a length as STRING, in code only', () => {
    expect(sparkTypes("CAST(x AS VARCHAR) || 'VARCHAR', CAST(y AS VARCHAR(3))")).toBe("CAST(x AS STRING) || 'VARCHAR', CAST(y AS VARCHAR(3))");
  });
});

describe('engine > spark > toSparkSql', () => {
  it('re-quotes standard literals and identifiers the Spark way, code only', () => {
    expect(toSparkSql(`SELECT 'it''s', 'a\\b', "odd ""col""" FROM t -- 'x'\nWHERE starts_with(a, 'strpos(')`)).toBe(
      "SELECT 'it\\'s', 'a\\\\b', `odd \"col\"` FROM t \nWHERE startswith(a, 'strpos(')",
    );
  });

  it('keeps hints, backquoted names and VARCHAR(n); spells bare VARCHAR as STRING', () => {
    expect(toSparkSql('SELECT /*+ COALESCE(1) */ `VARCHAR` , CAST(x AS VARCHAR), CAST(y AS varchar(3)) FROM t /* gone */')).toBe(
      'SELECT /*+ COALESCE(1) */ `VARCHAR` , CAST(x AS STRING), CAST(y AS varchar(3)) FROM t  ',
    );
  });
});
