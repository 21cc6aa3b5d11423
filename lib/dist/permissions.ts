/**
 * The Deno permissions each CLI command needs, in one place: `deno.json`'s `cli:*` tasks are
 * {@linkcode commandTasks} (`tests/permissions_test.ts` fails when they differ), plugin projects' tasks use
 * {@linkcode permissionFlags}, `<command> --help` prints {@linkcode permissionHelp}, and the CLI turns a
 * missing permission into one line naming the flag to add ({@linkcode describePermissionError}) and a hint
 * with the complete `deno run` line that grants it ({@linkcode permissionHint}).
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
import { isAbsolute, relative, resolve, sep as SEPARATOR } from "node:path";

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

const FIXTURES_GENERATE: readonly PermissionGrant[] = [
  { flag: "--allow-read=.", reason: "the fixtures folder (next id) and deno.json (task names in hints)" },
  { flag: "--allow-write=fixtures", reason: "writes the new fixture" },
];

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
    // The task `cli:fixtures` and the project's `fixtures` task are followed by a sub-command: they need
    // what `fixtures generate` needs (which covers `fixtures list-templates`).
    command: "fixtures",
    grants: FIXTURES_GENERATE,
    notes: ["Those of 'fixtures generate', the sub-command needing the most."],
  },
  {
    command: "fixtures list-templates",
    grants: [{ flag: "--allow-read=deno.json", reason: "the project's task names, for the listed commands" }],
    notes: [],
  },
  {
    command: "fixtures generate",
    grants: FIXTURES_GENERATE,
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

/** A permission Deno refused, as its error message names it. */
export interface DeniedPermission {
  /** The permission kind: `read`, `write`, `net`, `env`, ... */
  readonly kind: string;
  /** The path, host or variable refused; undefined when the whole permission was asked for. */
  readonly target?: string;
  /** The flag Deno names, e.g. `--allow-read`. */
  readonly flag: string;
}

/**
 * Finds the permission Deno refused in `error` (a `NotCapable` error, or any error whose message or cause
 * chain carries Deno's permission message); undefined for other errors.
 */
export function deniedPermission(error: unknown): DeniedPermission | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    const match = DENO_PERMISSION_MESSAGE.exec(current.message);
    if (match !== null) {
      const [, kind, target, flag] = match;
      return { kind, target, flag };
    }
    current = current.cause;
  }
  return undefined;
}

/** One line naming what was refused and the flag that allows it. */
export function describeDeniedPermission({ kind, target, flag }: DeniedPermission): string {
  const action = ACTIONS[kind] ?? `${kind} access to`;
  return target === undefined
    ? `${action.replace(/ (to|variable)$/, "")} needs ${flag}`
    : `${action} '${target}' needs ${flag}=${target}`;
}

/**
 * Turns an error caused by a missing Deno permission into one line naming the flag to add; undefined for
 * other errors.
 *
 * @example
 * ```ts
 * import { describePermissionError } from "./permissions.ts";
 * describePermissionError(new Error('Requires read access to "x.wasm", run again with the --allow-read flag'));
 * // "reading 'x.wasm' needs --allow-read=x.wasm"
 * ```
 */
export function describePermissionError(error: unknown): string | undefined {
  const denied = deniedPermission(error);
  return denied === undefined ? undefined : describeDeniedPermission(denied);
}

/** Where the CLI that is running lives, for a `deno run` line that runs it again. */
export interface CliLocation {
  /** The `cli.ts` module: a path, or a URL when it is not a local file. */
  readonly cli: string;
  /** The framework's `deno.json` (its import map), when it is a local file. */
  readonly config?: string;
}

/**
 * The hint printed under a missing-permission error: a complete `deno run` line repeating `argv` (the
 * command and its arguments) with the command's usual flags plus the refused one. A `deno task` cannot be
 * given more flags, so this is the one form the user can always act on. Paths named on the command line
 * that lie outside the current folder and are already granted are kept, so that following the hints one
 * after the other converges; a refused path inside such an argument grants the whole argument, for both
 * reading and writing when the command reads and writes the current folder (`new`, `gen`).
 *
 * @example
 * ```ts
 * import { permissionHint } from "./permissions.ts";
 * permissionHint("new", ["new", "/tmp/p"], { kind: "read", target: "/tmp/p", flag: "--allow-read" },
 *   { cli: "/fw/cli.ts", config: "/fw/deno.json" });
 * // "add it with deno run (a task's flags are fixed): deno run --no-prompt --allow-read=.,/tmp/p
 * //  --allow-write=.,/tmp/p --config /fw/deno.json /fw/cli.ts new /tmp/p"
 * ```
 */
export function permissionHint(
  command: string,
  argv: readonly string[],
  denied: DeniedPermission,
  location: CliLocation,
): string {
  const grants = new Map<string, string[] | "all">();
  const grant = (kind: string, value: string | undefined) => {
    const current = grants.get(kind) ?? [];
    if (current === "all") return;
    if (value === undefined) {
      grants.set(kind, "all");
      return;
    }
    // A path inside one already granted adds nothing: `--allow-write=.` covers `plugin`.
    const covered = current.some((granted) =>
      granted === value || (PATH_KINDS.has(kind) && isWithin(resolve(granted), resolve(value)))
    );
    if (!covered) grants.set(kind, [...current, value]);
  };
  for (const flag of commandPermissions(command) === undefined ? [] : permissionFlags(command)) {
    const [, kind, value] = /^--allow-([\w-]+)(?:=(.*))?$/.exec(flag) ?? [];
    if (kind !== undefined) grant(kind, value);
  }
  const cwd = Deno.cwd();
  const outside = argv.filter((arg) => !arg.startsWith("-") && isOutside(cwd, arg));
  for (const path of outside) {
    for (const kind of ["read", "write"] as const) {
      if (Deno.permissions.querySync({ name: kind, path }).state === "granted") grant(kind, path);
    }
  }
  const { kind, target } = denied;
  if ((kind === "read" || kind === "write") && target !== undefined) {
    const container = outside.find((path) => isWithin(resolve(path), resolve(target)));
    grant(kind, container ?? target);
    const readsAndWritesHere = ["read", "write"].every((k) => {
      const values = grants.get(k);
      return values === "all" || values?.includes(".");
    });
    if (container !== undefined && readsAndWritesHere) {
      grant("read", container);
      grant("write", container);
    }
  } else {
    grant(kind, target);
  }
  const flags = [...grants].map(([kind, values]) =>
    values === "all" ? `--allow-${kind}` : `--allow-${kind}=${values.join(",")}`
  );
  const run = [
    "deno run --no-prompt",
    ...flags,
    ...(location.config === undefined ? [] : ["--config", shellWord(location.config)]),
    shellWord(location.cli),
    ...argv.map(shellWord),
  ];
  return `add it with deno run (a task's flags are fixed): ${run.join(" ")}`;
}

const PATH_KINDS = new Set(["read", "write"]);

function isOutside(cwd: string, path: string): boolean {
  const rel = relative(cwd, resolve(cwd, path));
  return rel === ".." || rel.startsWith(`..${SEPARATOR}`) || isAbsolute(rel);
}

function isWithin(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === "" || !(rel === ".." || rel.startsWith(`..${SEPARATOR}`) || isAbsolute(rel));
}

/** `word` as one shell word: unchanged when it has no special characters, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
