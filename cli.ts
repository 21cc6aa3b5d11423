/**
 * The `teleport-plugin-framework` command line: scaffolds, tests and builds AssemblyScript plugins and runs
 * the event pipeline. Only dispatches; each command is a module under `lib/cli/`.
 *
 * @example
 * ```sh
 * deno run -A cli.ts --help
 * ```
 *
 * @module
 */
import { commandHelp, parseCommandArgs, UsageError } from "./lib/cli/command.ts";
import { commands } from "./lib/cli/commands.ts";
import { VERSION } from "./lib/version.ts";
import { configureLogging } from "./lib/log.ts";
import { describePermissionError, permissionHelp } from "./lib/dist/permissions.ts";

const PROGRAM = "teleport-plugin-framework";

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `${PROGRAM} ${VERSION}: Teleport audit-event plugins in AssemblyScript, on Deno.`,
    "",
    `Usage: ${PROGRAM} <command> [options]`,
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `Run '${PROGRAM} <command> --help' for a command's options.`,
  ].join("\n");
}

/** Runs the CLI with `argv` and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(mainHelp());
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-V") {
    console.log(`${PROGRAM} ${VERSION}`);
    return 0;
  }
  // Longest match first so that `fixtures generate` wins over a hypothetical `fixtures`.
  const command = [...commands]
    .sort((a, b) => b.name.split(" ").length - a.name.split(" ").length)
    .find((c) => c.name.split(" ").every((word, i) => argv[i] === word));
  try {
    if (!command) {
      throw new UsageError(
        `unknown command '${argv[0]}'`,
        `run '${PROGRAM} --help' for the list of commands`,
      );
    }
    const rest = argv.slice(command.name.split(" ").length);
    const args = parseCommandArgs(command, rest, PROGRAM);
    if (args.values.help === true) {
      const permissions = permissionHelp(command.name);
      console.log(commandHelp(command, PROGRAM) + (permissions === undefined ? "" : `\n\n${permissions}`));
      return 0;
    }
    await configureLogging({ level: debug ? "debug" : "info" });
    return await command.run(args);
  } catch (error) {
    const permission = describePermissionError(error);
    console.error(permission === undefined || debug ? formatError(error, debug) : `error: ${permission}`);
    if (error instanceof UsageError && error.hint) console.error(`hint: ${error.hint}`);
    return 1;
  }
}

function formatError(error: unknown, debug: boolean): string {
  if (debug && error instanceof Error && error.stack) return `error: ${error.stack}`;
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message.split("\n")[0]}`;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
