/**
 * Creates a plugin project: the AssemblyScript entry, one of the example plugins with its test, the vendor
 * modules (host bindings and the Teleport message classes generated from the bundled schema), the starter
 * fixtures, `deno.json` tasks that call this framework's CLI, and editor support for AssemblyScript types.
 *
 * @example
 * ```ts ignore
 * import { createPluginProject } from "./project.ts";
 * const { files } = await createPluginProject({ dir: "./my-plugin", example: "count" });
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import assemblyScriptTypes from "assemblyscript/std/assembly/index.d.ts" with { type: "text" };
import frameworkConfig from "../../deno.json" with { type: "json" };
import { type ExampleName, EXAMPLES, PROJECT_FILES } from "../../boilerplate/mod.ts";
import { STARTER_FIXTURES } from "../../fixtures/mod.ts";
import { FRAMEWORK_CLI_URL, frameworkCliCommand, needsImportMap, shellQuote } from "./cli_invocation.ts";
import { teleportBindings } from "./bindings.ts";
import { permissionFlags } from "../dist/permissions.ts";

/** Options for {@linkcode createPluginProject}. */
export interface CreatePluginProjectOptions {
  /** The folder to create; it must not exist or be empty. */
  dir: string;
  /** Which example plugin to start from. Default `passthrough`. */
  example?: ExampleName;
  /** URL of the framework CLI the project's tasks call. Default: this framework's `cli.ts`. */
  cliUrl?: URL;
  /**
   * Path of a compiled framework binary the project's tasks call instead of `cliUrl`. Default: the running
   * executable when this program is a compiled binary (`deno compile`), otherwise none.
   */
  cliBinary?: string;
}

/** What {@linkcode createPluginProject} wrote. */
export interface CreatedPluginProject {
  /** The project folder. */
  dir: string;
  /** Paths written, relative to `dir`, sorted. */
  files: string[];
}

/** The project folder exists and is not empty (or is not a folder): nothing was written. */
export class ProjectExistsError extends Error {
  /** The folder concerned. */
  readonly dir: string;
  /** Builds the error for the folder `dir`; `problem` says what is in the way. */
  constructor(dir: string, problem = "is not empty") {
    super(`${dir} already exists and ${problem}`);
    this.name = "ProjectExistsError";
    this.dir = dir;
  }
}

/** Where the AssemblyScript standard library's type definitions go inside a project. */
export const ASSEMBLYSCRIPT_TYPES_PATH = "vendor/assemblyscript/index.d.ts";

/**
 * Returns every file of a new plugin project by relative path, without touching the disk.
 */
export function pluginProjectFiles(
  options: Omit<CreatePluginProjectOptions, "dir"> = {},
): Record<string, string> {
  const example = EXAMPLES[options.example ?? "passthrough"];
  const cliUrl = options.cliUrl ?? FRAMEWORK_CLI_URL;
  const cliBinary = options.cliBinary ?? (Deno.build.standalone ? Deno.execPath() : undefined);
  const files: Record<string, string> = {
    ...PROJECT_FILES,
    "assembly/event_handler.ts": example.handler,
    "assembly/event_handler.test.ts": example.test,
    "deno.json": projectDenoJson(cliUrl, cliBinary),
    [ASSEMBLYSCRIPT_TYPES_PATH]: assemblyScriptTypes,
  };
  for (const [name, text] of Object.entries(STARTER_FIXTURES)) files[`fixtures/${name}`] = text;
  for (const [path, text] of Object.entries(teleportBindings())) files[`vendor/${path}`] = text;
  return files;
}

/**
 * Writes a new plugin project into `options.dir`. Refuses (with {@linkcode ProjectExistsError}) when the
 * folder exists and holds anything, so it never overwrites work; if writing fails part way (a full disk, a
 * denied permission), it removes the files and folders it created before rethrowing, so no half-written
 * project is left behind.
 */
export async function createPluginProject(
  options: CreatePluginProjectOptions,
): Promise<CreatedPluginProject> {
  // "" would be the current folder to some calls and no folder at all to others (readDir says NotFound).
  if (options.dir === "") throw new TypeError("createPluginProject: dir is empty; name the project folder");
  await ensureEmptyDir(options.dir);
  const files = pluginProjectFiles(options);
  const created: string[] = [];
  try {
    await makeDirectory(options.dir, created);
    for (const [path, text] of Object.entries(files)) {
      const target = join(options.dir, path);
      await makeDirectory(dirname(target), created);
      await writeNewFile(target, text, created);
    }
  } catch (e) {
    await removeCreated(created);
    throw e;
  }
  return { dir: options.dir, files: Object.keys(files).sort() };
}

async function ensureEmptyDir(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (!info.isDirectory) throw new ProjectExistsError(dir, "is not a folder");
  for await (const _ of Deno.readDir(dir)) throw new ProjectExistsError(dir);
}

/** Creates `path` and its missing parents, recording each folder it creates in `created`, parents first. */
async function makeDirectory(path: string, created: string[]): Promise<void> {
  try {
    await Deno.mkdir(path);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return;
    if (!(e instanceof Deno.errors.NotFound) || dirname(path) === path) throw e;
    await makeDirectory(dirname(path), created);
    await Deno.mkdir(path);
  }
  created.push(path);
}

/** Writes a file that must not exist yet, recording it in `created` (also when writing it fails half way). */
async function writeNewFile(path: string, text: string, created: string[]): Promise<void> {
  try {
    await Deno.writeTextFile(path, text, { createNew: true });
  } catch (e) {
    // With createNew an existing file fails before anything is written: it is someone else's, leave it.
    if (!(e instanceof Deno.errors.AlreadyExists)) created.push(path);
    throw e;
  }
  created.push(path);
}

/**
 * Removes what a failed {@linkcode createPluginProject} created, newest first. Folders are removed only
 * when empty, so nothing this run did not write can go; what cannot be removed is left.
 */
async function removeCreated(created: readonly string[]): Promise<void> {
  for (const path of [...created].reverse()) {
    await Deno.remove(path).catch(() => {});
  }
}

function projectDenoJson(cliUrl: URL, cliBinary: string | undefined): string {
  // Each task runs with exactly the permissions of its command (a compiled binary carries its own).
  const cli = (command: string) =>
    cliBinary === undefined
      ? frameworkCliCommand(cliUrl, new URL("deno.json", cliUrl), permissionFlags(command))
      : shellQuote(cliBinary);
  const config: Record<string, unknown> = {
    tasks: {
      test: `${cli("test")} test`,
      build: `${cli("build")} build`,
      fixtures: `${cli("fixtures generate")} fixtures`,
    },
    // The AssemblyScript sources are not Deno modules: keep deno lint and check away from them.
    lint: { exclude: ["assembly/", "vendor/", "build/"] },
    fmt: { exclude: ["vendor/", "build/"] },
  };
  if (cliBinary === undefined && needsImportMap(cliUrl)) {
    config.imports = frameworkConfig.imports;
    config.unstable = frameworkConfig.unstable;
  }
  return JSON.stringify(config, null, 2) + "\n";
}
