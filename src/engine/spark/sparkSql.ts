/**
 * Spark SQL text helpers. Spark's string literals differ from standard SQL: a backslash escapes, and two quotes
 * side by side are two adjacent literals, not an escaped quote. The rewrites below turn the few portable-SQL forms
 * stages use that Spark spells differently (temporary tables, VARCHAR without a length) into Spark's own, and
 * leave string literals and quoted identifiers untouched.
 */

/** A Spark SQL string literal for any text. */
export function sparkString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Splits a script on top-level semicolons (outside literals, identifiers and comments). */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  scan(sql, (i, ch) => {
    if (ch === ';') {
      out.push(sql.slice(start, i));
      start = i + 1;
    }
  });
  out.push(sql.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Calls `visit` for every character outside string literals, quoted identifiers and comments. Standard SQL
 * quoting ('' inside '...') is what the stages' SQL uses, so it is read that way here.
 */
function scan(sql: string, visit: (index: number, ch: string) => void): void {
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\' && ch === "'") j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      i = j + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else {
      visit(i, ch);
      i++;
    }
  }
}

/** The code parts of a statement with literals blanked out, for matching keywords safely. */
function codeMask(sql: string): string {
  const chars = Array.from(sql, () => ' ');
  scan(sql, (i, ch) => {
    chars[i] = ch;
  });
  return chars.join('');
}

/** Replaces matches of `re` found in code (not in literals) of `sql`. */
function replaceInCode(sql: string, re: RegExp, replacement: (m: RegExpExecArray) => string): string {
  const mask = codeMask(sql);
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  let out = '';
  let last = 0;
  for (let m = global.exec(mask); m; m = global.exec(mask)) {
    out += sql.slice(last, m.index) + replacement(m);
    last = m.index + m[0].length;
  }
  return out + sql.slice(last);
}

export interface TempTableDdl {
  name: string;
  replace: boolean;
  /** `(col TYPE, ...)` for an empty table, or the query after AS. */
  columns?: string;
  query?: string;
}

/** Recognizes `CREATE [OR REPLACE] TEMP[ORARY] TABLE name (...)` and `... name AS query`. */
export function parseTempTable(statement: string): TempTableDdl | undefined {
  const m = /^\s*CREATE\s+(OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*/i.exec(codeMask(statement));
  if (!m) return undefined;
  const rest = statement.slice(m[0].length);
  const ddl: TempTableDdl = { name: m[2], replace: Boolean(m[1]) };
  if (/^AS\b/i.test(rest)) ddl.query = rest.replace(/^AS\s*/i, '');
  else ddl.columns = rest;
  return ddl;
}

/** Portable type names Spark does not accept as written: VARCHAR without a length is STRING there. */
export function sparkTypes(sql: string): string {
  return replaceInCode(sql, /\bVARCHAR\b(?!\s*\()/i, () => 'STRING');
}

/**
 * Portable function names Spark spells differently (same arguments, same meaning). Stages write the portable
 * (DuckDB and PostgreSQL) spelling; differences in arguments or semantics belong in the dialect instead.
 */
const FUNCTION_NAMES: Readonly<Record<string, string>> = {
  starts_with: 'startswith',
  ends_with: 'endswith',
  strpos: 'instr',
};

/**
 * Rewrites portable SQL (standard string literals with '' for a quote and no backslash escapes, "quoted"
 * identifiers) into Spark SQL: literals re-quoted the Spark way, identifiers in backquotes, VARCHAR without a
 * length as STRING, and the function names above. Comments are dropped.
 */
export function toSparkSql(sql: string): string {
  let out = '';
  let code = '';
  const flush = () => {
    out += renameFunctions(sparkTypes(code));
    code = '';
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let text = '';
      while (j < sql.length) {
        if (sql[j] === ch && sql[j + 1] === ch) {
          text += ch;
          j += 2;
        } else if (sql[j] === ch) break;
        else text += sql[j++];
      }
      flush();
      out += ch === "'" ? sparkString(text) : `\`${text.replace(/`/g, '``')}\``;
      i = j + 1;
    } else if (ch === '`') {
      const end = sql.indexOf('`', i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      flush();
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*' && sql[i + 2] !== '+') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      code += ' ';
    } else {
      code += ch;
      i++;
    }
  }
  flush();
  return out;
}

function renameFunctions(code: string): string {
  return code.replace(/\b([A-Za-z_][A-Za-z0-9_]*)(\s*\()/g, (m, name: string, paren: string) => {
    const spark = FUNCTION_NAMES[name.toLowerCase()];
    return spark ? `${spark}${paren}` : m;
  });
}
