/**
 * Spark's schema (a `spark.connect.DataType` struct) as a list of fields with SQL type names, the way a
 * person reads them in `DESCRIBE`: `bigint`, `string`, `timestamp`, `decimal(10,2)`, `array<int>`...
 */

export interface SparkField {
  name: string;
  type: string;
  nullable: boolean;
}

type DataType = Record<string, any>;

const SIMPLE: Record<string, string> = {
  null: 'void',
  binary: 'binary',
  boolean: 'boolean',
  byte: 'tinyint',
  short: 'smallint',
  integer: 'int',
  long: 'bigint',
  float: 'float',
  double: 'double',
  string: 'string',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ntz: 'timestamp_ntz',
  calendar_interval: 'interval',
  variant: 'variant',
};

export function describeSchema(schema: DataType): SparkField[] {
  const fields = (schema?.struct?.fields ?? []) as { name: string; data_type: DataType; nullable: boolean }[];
  return fields.map((f) => ({ name: f.name, type: typeName(f.data_type), nullable: Boolean(f.nullable) }));
}

export function typeName(t: DataType): string {
  const kind = t.kind as string;
  const v = t[kind];
  if (kind in SIMPLE) return SIMPLE[kind];
  switch (kind) {
    case 'decimal':
      return `decimal(${v.precision ?? 10},${v.scale ?? 0})`;
    case 'char':
      return `char(${v.length})`;
    case 'var_char':
      return `varchar(${v.length})`;
    case 'array':
      return `array<${typeName(v.element_type)}>`;
    case 'map':
      return `map<${typeName(v.key_type)},${typeName(v.value_type)}>`;
    case 'struct':
      return `struct<${describeSchema(t).map((f) => `${f.name}:${f.type}`).join(',')}>`;
    default:
      return kind;
  }
}
