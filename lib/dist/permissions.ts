/**
 * The Deno permissions each CLI command needs, in one place: `deno.json`'s `cli:*` tasks are
 * {@linkcode commandTasks} (`tests/permissions_test.ts` fails when they differ), plugin projects' tasks use
 * {@linkcode permissionFlags}, `<command> --help` prints {@linkcode permissionHelp}, and the CLI turns a
 * missing permission into one line naming the flag to add ({@linkcode describePermissionError}).
 *
 * Paths are relative to the folder the command works in (a task runs there, see {@linkcode commandTask}).
 * Plugin code never gets any of these: it runs in workers started with `permissions: "none"`.
 *
 * @example
 * ```ts
 * import { permissionFlags } from "./permissions.ts";
 * permissionFlags("test"); // ["--allow-read=.", "--allow-write=build", "--allow-env=CI"]
 * ```
 *
 * @module
 */

/** One permission flag of a command, with the reason the command needs it. */
export interface PermissionGrant {
  /** The `deno run` flag, e.g. `--allow-write=build`. */
  readonly flag: string;
  /** Why the command needs it, for `--help`. */
  readonly reason: string;
}

/** The permissions of one CLI command. */
export interface CommandPermissions {
  /** The command as typed after the program name, e.g. `fixtures generate`. */
  readonly command: string;
  /** Every flag the command needs in its usual form. */
  readonly grants: readonly PermissionGrant[];
  /** What to add for options that reach beyond the usual folders, for `--help`. */
  readonly notes: readonly string[];
}

/** The AssemblyScript compiler looks at `CI` when it is loaded (to decide about colours). */
const ASC_ENV: PermissionGrant = { flag: "--allow-env=CI", reason: "the AssemblyScript compiler reads CI" };
const READ_PROJECT: PermissionGrant = { flag: "--allow-read=.", reason: "the plugin project" };

/** Every command's permissions, in the order of `--help`. */
export const COMMAND_PERMISSIONS: readonly CommandPermissions[] = [
  {
    command: "new",
    grants: [
      { flag: "--allow-read=.", reason: "checks that DIR is new or empty" },
      { flag: "--allow-write=.", reason: "writes the project into DIR (below the current folder)" },
    ],
    notes: ["A DIR outside the current folder needs --allow-read=DIR --allow-write=DIR instead."],
  },
  {
    command: "fixtures",
    grants: [],
    notes: [],
  },
  {
    command: "fixtures list-templates",
    grants: [],
    notes: [],
  },
  {
    command: "fixtures generate",
    grants: [
      { flag: "--allow-read=.", reason: "the fixtures folder (next id) and deno.json (task names in hints)" },
      { flag: "--allow-write=fixtures", reason: "writes the new fixture" },
    ],
    notes: ["-f DIR needs --allow-read=DIR --allow-write=DIR instead."],
  },
  {
    command: "test",
    grants: [
      READ_PROJECT,
      { flag: "--allow-write=build", reason: "the test build cache (build/test-cache/)" },
      ASC_ENV,
    ],
    notes: [
      "--store kv:PATH needs --allow-read=PATH --allow-write=PATH; --store redis://HOST:PORT needs " +
      "--allow-net=HOST:PORT --allow-env (the Redis client reads the environment when loaded).",
    ],
  },
  {
    command: "build",
    grants: [READ_PROJECT, { flag: "--allow-write=build", reason: "writes build/*.wasm" }, ASC_ENV],
    notes: [],
  },
  {
    command: "run",
    grants: [
      { flag: "--allow-read=.", reason: "the plugin, a file: source and the state directory" },
      { flag: "--allow-write=.state", reason: "positions, token store, dead letters and dry-run locks" },
    ],
    notes: [
      "Add --allow-net=HOST:PORT for each host of --from http(s)://, --to http(s):// or forward://, " +
      "--api teleport: and --metrics;",
      "--allow-write=PATH for a file: sink and --allow-read=PATH for files outside the current folder " +
      "(source, --config, TLS files, --identity);",
      "--allow-env for --store redis:// and --api teleport: (their clients read the environment when loaded),",
      "and --allow-env=TEXT_ENCODING,TEXT_DECODER for forward:// (its msgpack encoder reads them when loaded).",
    ],
  },
  {
    command: "gen",
    grants: [
      { flag: "--allow-read=.", reason: "the --proto-path folders" },
      { flag: "--allow-write=.", reason: "the --out folder" },
    ],
    notes: ["Folders outside the current folder need their own --allow-read / --allow-write."],
  },
  {
    command: "demo",
    grants: [
      { flag: "--allow-read", reason: "the temporary plugin folder (its place is up to the system)" },
      { flag: "--allow-write", reason: "creates and removes the temporary plugin folder" },
      ASC_ENV,
    ],
    notes: [],
  },
];

/** Returns the permissions of `command` (e.g. `test` or `fixtures generate`), or undefined. */
export function commandPermissions(command: string): CommandPermissions | undefined {
  return COMMAND_PERMISSIONS.find((entry) => entry.command === command);
}

/**
 * Returns the `deno run` flags `command` needs, in its usual form.
 *
 * @throws {RangeError} when the command is unknown.
 */
export function permissionFlags(command: string): string[] {
  const entry = commandPermissions(command);
  if (entry === undefined) throw new RangeError(`no permissions are defined for command '${command}'`);
  return entry.grants.map((grant) => grant.flag);
}

/** Returns the "Permissions:" section of `command`'s `--help`, or undefined when none is defined. */
export function permissionHelp(command: string): string | undefined {
  const entry = commandPermissions(command);
  if (entry === undefined) return undefined;
  const width = Math.max(0, ...entry.grants.map((grant) => grant.flag.length));
  return [
    `Permissions (deno run flags; \`deno task ${
      commandTaskName(command)
    }\` of the framework runs it with them):`,
    ...(entry.grants.length === 0 ? ["  none"] : []),
    ...entry.grants.map((grant) => `  ${grant.flag.padEnd(width)}  ${grant.reason}`),
    ...entry.notes.map((note) => `  ${note}`),
  ].join("\n");
}

/** The `deno.json` task name running `command`, e.g. `cli:fixtures-generate`. */
export function commandTaskName(command: string): string {
  return `cli:${command.replaceAll(" ", "-")}`;
}

/**
 * Returns the `deno task` command line that runs `command` with exactly its permissions, in the folder
 * `deno task` was started from (`$INIT_CWD`): `deno task --config <framework>/deno.json cli:test`.
 */
export function commandTask(command: string): string {
  const flags = permissionFlags(command).join(" ");
  return `FRAMEWORK=$(pwd) && cd "$INIT_CWD" && deno run --no-prompt ${flags}${flags === "" ? "" : " "}` +
    `--config "$FRAMEWORK/deno.json" "$FRAMEWORK/cli.ts" ${command}`;
}

/** Every `cli:*` task, by name, as `deno.json` holds them. */
export function commandTasks(): Record<string, string> {
  return Object.fromEntries(COMMAND_PERMISSIONS.map((entry) => [
    commandTaskName(entry.command),
    commandTask(entry.command),
  ]));
}

const ACTIONS: Record<string, string> = {
  read: "reading",
  write: "writing",
  net: "connecting to",
  env: "reading environment variable",
  run: "running",
  sys: "reading system information",
  ffi: "loading native library",
  import: "importing",
};

const DENO_PERMISSION_MESSAGE =
  /Requires (\w+) access(?: to "([^"]*)")?, run again with the (--allow-[\w-]+) flag/;

/**
 * Turns an error caused by a missing Deno permission (a `NotCapable` error, or any error whose message or
 * cause chain carries Deno's permission message) into one line naming the flag to add; undefined for other
 * errors.
 *
 * @example
 * ```ts
 * import { describePermissionError } from "./permissions.ts";
 * describePermissionError(new Error('Requires read access to "x.wasm", run again with the --allow-read flag'));
 * // "reading 'x.wasm' needs --allow-read=x.wasm"
 * ```
 */
export function describePermissionError(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    const match = DENO_PERMISSION_MESSAGE.exec(current.message);
    if (match !== null) {
      const [, kind, target, flag] = match;
      const action = ACTIONS[kind] ?? `${kind} access to`;
      return target === undefined
        ? `${action.replace(/ (to|variable)$/, "")} needs ${flag}`
        : `${action} '${target}' needs ${flag}=${target}`;
    }
    current = current.cause;
  }
  return undefined;
}
