/**
 * The shape of a CLI command and the small argument parser every command shares.
 *
 * Each command lives in its own module under `lib/cli/` and is listed in `lib/cli/commands.ts`; `cli.ts`
 * only dispatches. Commands use the library like any other program would and report failures by
 * throwing {@linkcode UsageError} (bad input: one line plus a hint) or any other error (one line; the stack
 * only with `--debug`).
 *
 * @module
 */
import { parseArgs } from "node:util";

/** One command-line option of a command. */
export interface OptionSpec {
  /** `string` options take a value; `boolean` ones are flags. */
  type: "string" | "boolean";
  /** One-letter alias, e.g. `f` for `--fixtures`. */
  short?: string;
  /** May be given several times (values are collected in order). */
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `DIR`. */
  valueName?: string;
  /** Default shown in help and applied when the option is absent. */
  default?: string | boolean;
  /** One line of help. */
  description: string;
}

/** Parsed arguments handed to a command. */
export interface CommandArgs {
  /** Option values by long name. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Positional arguments after the command name. */
  positionals: string[];
  /** The program name to show in messages (e.g. `deno task cli` or the binary's name). */
  program: string;
}

/** A CLI command: its help and its action. The action resolves to the process exit code. */
export interface Command {
  /** Name typed after the program, e.g. `test`; sub-commands are written `fixtures generate`. */
  name: string;
  /** One-line summary shown in the command list. */
  summary: string;
  /** Usage line after the program and command name, e.g. `DIR [--example NAME]`. */
  usage: string;
  /** Longer help text shown by `--help`. */
  description?: string;
  /** Options (without `--help`, `--version` and `--debug`, which every command has). */
  options: Record<string, OptionSpec>;
  /**
   * The most positional arguments the command takes; more are a usage error naming the first extra one.
   * Absent: any number (the command checks them itself).
   */
  maxPositionals?: number;
  /** Runs the command; resolves to the exit code. */
  run(args: CommandArgs): Promise<number>;
}

/** Bad input from the user: printed as one line plus an optional hint, exit code 1. */
export class UsageError extends Error {
  /** A suggestion for what to do instead. */
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = "UsageError";
    this.hint = hint;
  }
}

const commonOptions: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h", description: "Show this help." },
  version: { type: "boolean", short: "V", description: "Show the program's version." },
  debug: { type: "boolean", description: "Verbose logs and stack traces on errors." },
};

/** A value that reads as a number: `-5` after `--timeout` is the value -5, not an option. */
const NUMBER_LIKE = /^-?(\d|\.\d)/;

/**
 * Parses `argv` for `command`. Unknown options, options without their value, values given to flags and
 * more positional arguments than the command takes become one-line {@linkcode UsageError}s naming the
 * option or argument, with a hint to the command's `--help`.
 */
export function parseCommandArgs(command: Command, argv: string[], program: string): CommandArgs {
  const options = { ...command.options, ...commonOptions };
  const hint = `see '${program} ${command.name} --help'`;
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = {
      type: spec.type,
      multiple: spec.multiple ?? false,
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  // Not strict: node's own messages are long and do not name the command, so every check is made here.
  const { tokens } = parseArgs({
    args: argv,
    options: config,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const values: CommandArgs["values"] = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    if (!Object.hasOwn(options, token.name)) {
      throw new UsageError(`unknown option ${token.rawName} for ${command.name}`, hint);
    }
    const spec = options[token.name];
    const flag = `--${token.name}`;
    let value: string | boolean;
    if (spec.type === "boolean") {
      if (token.value !== undefined) {
        throw new UsageError(`${flag} takes no value (got '${token.value}')`, hint);
      }
      value = true;
    } else {
      if (token.value === undefined) throw new UsageError(`${flag} needs a value`, hint);
      if (!token.inlineValue && token.value.startsWith("-") && !NUMBER_LIKE.test(token.value)) {
        throw new UsageError(
          `${flag} needs a value, got the option '${token.value}'`,
          `write ${flag}=${token.value} if that is the value`,
        );
      }
      value = token.value;
    }
    const previous = values[token.name];
    values[token.name] = spec.multiple ? [...(Array.isArray(previous) ? previous : []), value] : value;
  }
  const max = command.maxPositionals;
  if (max !== undefined && positionals.length > max && values.help !== true && values.version !== true) {
    throw new UsageError(
      `unexpected argument '${positionals[max]}' for ${command.name}`,
      `usage: ${program} ${command.name} ${command.usage}`.trimEnd(),
    );
  }
  for (const [name, spec] of Object.entries(options)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
  }
  return { values, positionals, program };
}

/** Renders the `--help` text of a command. */
export function commandHelp(command: Command, program: string): string {
  const options = { ...command.options, ...commonOptions };
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${
      spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : ""
    }`;
    const extra = spec.default !== undefined && spec.default !== false ? ` (default: ${spec.default})` : "";
    return [flag, spec.description + extra + (spec.multiple ? " May be repeated." : "")];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `Usage: ${program} ${command.name} ${command.usage}`.trimEnd(),
    "",
    command.description ?? command.summary,
    "",
    "Options:",
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
  ].join("\n");
}

/** Reads a string option, or `undefined` when absent. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new UsageError(`--${name} takes one value`);
  return value;
}

/** Reads a repeatable string option as a list. */
export function stringListOption(args: CommandArgs, name: string): string[] {
  const value = args.values[name];
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/** Reads a boolean flag. */
export function flagOption(args: CommandArgs, name: string): boolean {
  return args.values[name] === true;
}

/** The largest timer delay JavaScript honours (setTimeout clamps larger ones to 1 ms): 2^31 - 1. */
export const MAX_INTEGER_OPTION = 2 ** 31 - 1;

/**
 * Reads a whole-number option (digits only) from `min` to `max`, failing with a message naming the flag.
 *
 * @example
 * ```ts
 * import { integerOption } from "./command.ts";
 * const args = { values: { timeout: "-5" }, positionals: [], program: "tpf" };
 * integerOption(args, "timeout"); // throws UsageError: --timeout must be a positive integer (got -5)
 * ```
 */
export function integerOption(
  args: CommandArgs,
  name: string,
  min = 1,
  max = MAX_INTEGER_OPTION,
): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(value) || value < min) {
    const kind = min === 1 ? "a positive integer" : min === 0 ? "a whole number" : `an integer >= ${min}`;
    throw new UsageError(`--${name} must be ${kind} (got ${raw})`);
  }
  if (value > max) throw new UsageError(`--${name} must be at most ${max} (got ${raw})`);
  return value;
}
