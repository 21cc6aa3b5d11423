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
import { fileURLToPath } from "node:url";
import { commandHelp, parseCommandArgs, UsageError } from "./lib/cli/command.ts";
import { commands } from "./lib/cli/commands.ts";
import { VERSION } from "./lib/version.ts";
import { configureLogging } from "./lib/log.ts";
import {
  type CliLocation,
  deniedPermission,
  describeDeniedPermission,
  permissionHelp,
  permissionHint,
} from "./lib/dist/permissions.ts";

const PROGRAM = "teleport-plugin-framework";

/**
 * This CLI's files, for the `deno run` line of a missing-permission hint; undefined in a compiled binary,
 * whose permissions are fixed when it is built.
 */
const CLI_LOCATION: CliLocation | undefined = import.meta.url.includes("/deno-compile-")
  ? undefined
  : import.meta.url.startsWith("file:")
  ? { cli: fileURLToPath(import.meta.url), config: fileURLToPath(new URL("./deno.json", import.meta.url)) }
  : { cli: import.meta.url };

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
  // `--debug` may come before the command too: `--debug build` is `build --debug`.
  const leadingDebug = argv.findIndex((arg) => arg !== "--debug");
  const debug = argv.slice(0, argv.indexOf("--") === -1 ? undefined : argv.indexOf("--")).includes("--debug");
  argv = argv.slice(leadingDebug === -1 ? argv.length : leadingDebug);
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
        argv[0].startsWith("-") ? `unknown option ${argv[0]}` : `unknown command '${argv[0]}'`,
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
    if (args.values.version === true) {
      console.log(`${PROGRAM} ${VERSION}`);
      return 0;
    }
    await configureLogging({ level: debug ? "debug" : "info" });
    return await command.run(args);
  } catch (error) {
    const denied = deniedPermission(error);
    if (denied === undefined || debug) {
      console.error(formatError(error, debug));
      if (error instanceof UsageError && error.hint) console.error(`hint: ${error.hint}`);
    } else {
      console.error(`error: ${describeDeniedPermission(denied)}`);
      if (command !== undefined && CLI_LOCATION !== undefined) {
        console.error(`hint: ${permissionHint(command.name, argv, denied, CLI_LOCATION)}`);
      }
    }
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
