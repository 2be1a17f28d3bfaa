/**
 * The options of one pipeline task, described as data: each field's type, whether it is required, its allowed
 * values. `checkOptions` validates a task's options against its stage's schema when a DAG loads, so a missing or
 * mistyped option is refused before anything runs, naming the task and the field.
 */

export type OptionType = 'string' | 'number' | 'boolean' | 'integer';

export interface OptionField {
  type: OptionType;
  description: string;
  required?: boolean;
  choices?: readonly string[];
  /** Smallest allowed value for numbers. */
  min?: number;
}

export type OptionSchema = Record<string, OptionField>;

/** One problem per entry: "option <name>: <what is wrong>". Empty when the options fit the schema. */
export function checkOptions(schema: OptionSchema, options: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, field] of Object.entries(schema)) {
    const value = options[name];
    if (value === undefined || value === null || value === '') {
      if (field.required) problems.push(`option ${name} is required (${field.description})`);
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) problems.push(`option ${name}: ${problem}`);
  }
  for (const name of Object.keys(options)) {
    if (!(name in schema)) problems.push(`option ${name} is not an option of this stage (known: ${Object.keys(schema).join(', ') || 'none'})`);
  }
  return problems;
}

function checkValue(field: OptionField, value: unknown): string | undefined {
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return `expected a string, got ${JSON.stringify(value)}`;
      if (field.choices && !field.choices.includes(value)) return `expected one of ${field.choices.join(', ')}, got "${value}"`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a number, got ${JSON.stringify(value)}`;
      if (field.type === 'integer' && !Number.isInteger(value)) return `expected an integer, got ${value}`;
      if (field.min !== undefined && value < field.min) return `expected at least ${field.min}, got ${value}`;
      return undefined;
  }
}
