/**
 * How a command-line option is described: its type, help text and where else its value may come from (an
 * environment variable, a config-file key, a default). The CLI parses flags from these specs and the config
 * module resolves their values; both read the same description.
 */
/**
 * `integer` and `number` are decimal literals only (no `0x2`, `1e3` for integers, blanks); `date` is a real
 * calendar date `YYYY-MM-DD`; `uri` is checked against `schemes` (a plain path counts as scheme `file`); `size`
 * is a byte size such as `512MB` or `4GB`; `duration` is a time span such as `250ms`, `60s`, `5m` or `1h`
 * (a bare number is in `durationUnit`), resolved to milliseconds.
 */
export type FlagType = 'string' | 'boolean' | 'number' | 'integer' | 'date' | 'uri' | 'size' | 'duration';

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
  /** Numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** Numbers: exclusive lower / upper bound (e.g. alpha in (0, 1)). */
  above?: number;
  below?: number;
  /** URIs: accepted schemes, e.g. ['file', 's3']; `file` also admits plain paths. */
  schemes?: readonly string[];
  /** Durations: the unit of a bare number (default `ms`). */
  durationUnit?: 'ms' | 's' | 'm' | 'h';
  /** Strings: refuse the empty string (default true: an empty value is almost always a mistake). */
  allowEmpty?: boolean;
  /** A further check of a parsed string value; throws an Error whose message says what is wrong. */
  check?: (value: string) => void;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;
