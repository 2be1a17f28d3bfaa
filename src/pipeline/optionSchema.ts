/**
 * The options of one pipeline task, described with the same option specs the stages' CLI flags use
 * (config/flags.ts): types, ranges, URI schemes, choices and checks are one description, so a DAG is held to the
 * rules `fraudops train --trials` is. `checkOptions` validates a task's options against its stage's schema when a
 * DAG loads, so a missing or mistyped option is refused before anything runs, naming the task and the field.
 */
import type { FlagSpec } from '../config/flags.js';
import { parseValue } from '../config/parseValue.js';
import { isFraudopsError } from '../errors.js';

export type OptionField = FlagSpec;
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
    try {
      parseValue(name, field, value, `option ${name}`, null);
    } catch (e) {
      if (!isFraudopsError(e)) throw e;
      problems.push(e.message);
    }
  }
  for (const name of Object.keys(options)) {
    if (!(name in schema)) problems.push(`option ${name} is not an option of this stage (known: ${Object.keys(schema).join(', ') || 'none'})`);
  }
  return problems;
}

/**
 * A task's schema from a stage's option specs: the options named (by flag name, `min-effect`), keyed as the task
 * takes them (`minEffect`). Defaults, environment variables and config keys are the CLI's and are left out:
 * a task gets only what its DAG gives, and the stage applies its own defaults.
 */
export function taskSchema(specs: Record<string, FlagSpec>, names: readonly string[], required: readonly string[] = []): OptionSchema {
  return Object.fromEntries(
    names.map((flag) => {
      const spec = specs[flag];
      if (!spec) throw new Error(`no option ${flag} to take into a task schema`);
      const { default: _default, env: _env, configKey: _configKey, ...rest } = spec;
      return [flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()), { ...rest, required: required.includes(flag) }];
    }),
  );
}
