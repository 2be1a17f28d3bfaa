/**
 * How a command-line option is described: its type, help text and where else its value may come from (an
 * environment variable, a config-file key, a default). The CLI parses flags from these specs and the config
 * module resolves their values; both read the same description.
 */
export type FlagType = 'string' | 'boolean' | 'number';

export interface FlagSpec {
  type: FlagType;
  description: string;
  /** Environment variable consulted when the flag is absent (flags > env > config file > default). */
  env?: string;
  /** Key in the config file (dotted, e.g. `prepare.engine`) consulted after the environment. */
  configKey?: string;
  default?: string | number | boolean;
  /** Allowed values for string flags. */
  choices?: readonly string[];
  required?: boolean;
  short?: string;
  /** Shown in help as the value's placeholder, e.g. `<uri>`. */
  placeholder?: string;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;
