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

/** The project folder exists and is not empty: nothing was written. */
export class ProjectExistsError extends Error {
  /** The folder concerned. */
  readonly dir: string;
  /** Builds the error for the folder `dir`. */
  constructor(dir: string) {
    super(`${dir} already exists and is not empty`);
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
 * folder exists and holds anything, so it never overwrites work.
 */
export async function createPluginProject(
  options: CreatePluginProjectOptions,
): Promise<CreatedPluginProject> {
  await ensureEmptyDir(options.dir);
  const files = pluginProjectFiles(options);
  for (const [path, text] of Object.entries(files)) {
    const target = join(options.dir, path);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeTextFile(target, text, { createNew: true });
  }
  return { dir: options.dir, files: Object.keys(files).sort() };
}

async function ensureEmptyDir(dir: string): Promise<void> {
  try {
    for await (const _ of Deno.readDir(dir)) throw new ProjectExistsError(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
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
