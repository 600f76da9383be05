// Command-line flags: one table per command gives each flag's type, range,
// default and help, and drives both the parser and --help.

export type FlagType = 'int'|'number'|'string'|'boolean'|'choice';

export interface Flag {
  name: string;
  type: FlagType;
  help: string;
  /** The default, shown in --help; undefined: required or derived (see `defaultText`). */
  default?: number|string|boolean;
  defaultText?: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** A string flag that may also be given bare (`--tensorboard`): the value it then takes. */
  bare?: string;
}

export type FlagValues = Record<string, number|string|boolean|undefined>;

/** A user error: the CLI prints its message (no stack trace) and exits with `code`. */
export class UsageError extends Error {
  constructor(message: string, readonly code = 2) {
    super(message);
  }
}

/** The camelCase key of a flag's values: 'train-size' → 'trainSize'. */
export function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name` against `flags`.
 * @returns the values by camelCase name (defaults filled in) and the set of names given explicitly.
 * @throws UsageError naming the flag for an unknown flag, a missing or bad value, or a value out of range.
 */
export function parseFlags(command: string, args: string[], flags: Flag[]):
    {values: FlagValues, given: Set<string>} {
  const values: FlagValues = {};
  const given = new Set<string>();
  for (const flag of flags) values[camel(flag.name)] = flag.default;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      throw new UsageError(`stn ${command}: unexpected argument '${arg}' (flags start with --; ` +
          `see stn ${command} --help)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = flags.find((f) => f.name === name);
    if (flag === undefined) {
      throw new UsageError(`stn ${command}: unknown flag --${name} (known: ` +
          `${flags.map((f) => `--${f.name}`).join(', ')})`);
    }
    let text: string|undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (flag.type === 'boolean') {
      if (text !== undefined && text !== 'true' && text !== 'false') {
        throw new UsageError(`stn ${command}: --${name} takes no value or true/false, but got '${text}'`);
      }
      values[camel(name)] = text !== 'false';
      given.add(camel(name));
      continue;
    }
    if (text === undefined) {
      if (i + 1 >= args.length || args[i + 1].startsWith('--')) {
        if (flag.bare !== undefined) {
          values[camel(name)] = flag.bare;
          given.add(camel(name));
          continue;
        }
        throw new UsageError(`stn ${command}: --${name} needs a value (${describeType(flag)})`);
      }
      text = args[++i];
    }
    values[camel(name)] = convert(command, flag, text);
    given.add(camel(name));
  }
  return {values, given};
}

/** What `flag` accepts, for messages: "an integer in [1, 1000]", "one of a, b". */
export function describeType(flag: Flag): string {
  if (flag.type === 'choice') return `one of ${flag.choices!.join(', ')}`;
  const kind = flag.type === 'int' ? 'an integer' : flag.type === 'number' ? 'a number' : 'a string';
  const range = flag.min !== undefined && flag.max !== undefined ? ` in [${flag.min}, ${flag.max}]` :
      flag.min !== undefined ? ` >= ${flag.min}` : '';
  return kind + range;
}

/** Whether `value` (already a number, string or boolean) is one `flag` accepts. */
export function accepts(flag: Flag, value: unknown): boolean {
  switch (flag.type) {
    case 'boolean': return typeof value === 'boolean';
    case 'choice': return typeof value === 'string' && flag.choices!.includes(value);
    case 'string': return typeof value === 'string' && value !== '';
    default:
      return typeof value === 'number' && Number.isFinite(value) &&
          (flag.type !== 'int' || Number.isInteger(value)) &&
          (flag.min === undefined || value >= flag.min) && (flag.max === undefined || value <= flag.max);
  }
}

function convert(command: string, flag: Flag, text: string): number|string {
  const value = flag.type === 'choice' || flag.type === 'string' ? text : text.trim() === '' ? NaN : Number(text);
  if (!accepts(flag, value)) {
    throw new UsageError(`stn ${command}: --${flag.name} must be ${describeType(flag)}, but got '${text}'`);
  }
  return value;
}

/** The help text: usage, then every flag with its type and default. */
export function helpText(usage: string, about: string, flags: Flag[]): string {
  const rows = flags.map((f) => {
    const value = f.type === 'choice' ? f.choices!.join('|') : f.type;
    const left = `  --${f.name}${f.type === 'boolean' ? '' : f.bare !== undefined ? ` [<${value}>]` : ` <${value}>`}`;
    const dflt = f.defaultText ?? (f.default === undefined ? 'required' : String(f.default));
    const bare = f.bare === undefined ? '' : `; given bare: ${f.bare}`;
    return {left, right: `${f.help} (default: ${dflt}${bare})`};
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [`Usage: ${usage}`, '', about, '', 'Flags:',
    ...rows.map((r) => r.left.padEnd(width) + r.right), '  --help'.padEnd(width) + 'show this help', ''].join('\n');
}
