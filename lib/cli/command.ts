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
  /** Options (without `--help` and `--debug`, which every command has). */
  options: Record<string, OptionSpec>;
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
  debug: { type: "boolean", description: "Verbose logs and stack traces on errors." },
};

/** Parses `argv` for `command`; unknown options and missing values become {@linkcode UsageError}s. */
export function parseCommandArgs(command: Command, argv: string[], program: string): CommandArgs {
  const options = { ...command.options, ...commonOptions };
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = {
      type: spec.type,
      multiple: spec.multiple ?? false,
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: config,
      allowPositionals: true,
      strict: true,
    });
    for (const [name, spec] of Object.entries(options)) {
      if (values[name] === undefined && spec.default !== undefined) {
        (values as Record<string, unknown>)[name] = spec.default;
      }
    }
    return { values, positionals, program };
  } catch (e) {
    const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new UsageError(message, `see '${program} ${command.name} --help'`);
  }
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

/** Reads a positive integer option, failing with a message naming the flag. */
export function integerOption(args: CommandArgs, name: string, min = 1): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`);
  }
  return value;
}
