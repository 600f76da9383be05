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
}

export type FlagValues = Record<string, number|string|boolean|undefined>;

/** A user error: the CLI prints its message (no stack trace) and exits with `code`. */
export class UsageError extends Error {
  constructor(message: string, readonly code = 2) {
    super(message);
  }
}

function camel(name: string): string {
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
        throw new UsageError(`stn ${command}: --${name} needs a value (${describeType(flag)})`);
      }
      text = args[++i];
    }
    values[camel(name)] = convert(command, flag, text);
    given.add(camel(name));
  }
  return {values, given};
}

function describeType(flag: Flag): string {
  if (flag.type === 'choice') return `one of ${flag.choices!.join(', ')}`;
  const kind = flag.type === 'int' ? 'an integer' : flag.type === 'number' ? 'a number' : 'a string';
  const range = flag.min !== undefined && flag.max !== undefined ? ` in [${flag.min}, ${flag.max}]` :
      flag.min !== undefined ? ` >= ${flag.min}` : '';
  return kind + range;
}

function convert(command: string, flag: Flag, text: string): number|string {
  const bad = () => new UsageError(`stn ${command}: --${flag.name} must be ${describeType(flag)}, ` +
      `but got '${text}'`);
  if (flag.type === 'choice') {
    if (!flag.choices!.includes(text)) throw bad();
    return text;
  }
  if (flag.type === 'string') {
    if (text === '') throw bad();
    return text;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw bad();
  if (flag.type === 'int' && !Number.isInteger(value)) throw bad();
  if ((flag.min !== undefined && value < flag.min) || (flag.max !== undefined && value > flag.max)) throw bad();
  return value;
}

/** The help text: usage, then every flag with its type and default. */
export function helpText(usage: string, about: string, flags: Flag[]): string {
  const rows = flags.map((f) => {
    const left = `  --${f.name}${f.type === 'boolean' ? '' : ` <${f.type === 'choice' ? f.choices!.join('|') :
        f.type}>`}`;
    const dflt = f.defaultText ?? (f.default === undefined ? 'required' : String(f.default));
    return {left, right: `${f.help} (default: ${dflt})`};
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [`Usage: ${usage}`, '', about, '', 'Flags:',
    ...rows.map((r) => r.left.padEnd(width) + r.right), '  --help'.padEnd(width) + 'show this help', ''].join('\n');
}
