/**
 * Builds a plugin project's WebAssembly from `assembly/index.ts`: the `production` target (optimised, asserts
 * removed: what `run` loads) and the `debug` target (asserts kept, with a source map), as the project's
 * `asconfig.json` describes them. Each binary is checked against the traits `run` gives a plugin before
 * anything is written, so that a build that succeeds is one `run` can load.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, normalize, sep } from "node:path";
import { inspectWasm } from "../interop/wasm_binary.ts";
import { PluginLoadError } from "../pool/errors.ts";
import { preparePlugin } from "../pool/prepare.ts";
import { errorMessage } from "../error_message.ts";
import type { TeleportClient } from "../api/types.ts";
import type { TokenStore } from "../store/types.ts";
import { runTraits } from "../run/plugin_traits.ts";

/** The plugin's WebAssembly entry, relative to the project. */
export const PLUGIN_ENTRY = "assembly/index.ts";

/** The output folder, relative to the project. */
export const BUILD_DIR = "build";

/** The build configuration file, relative to the project (asc's own format, a subset of its options). */
export const BUILD_CONFIG_FILE = "asconfig.json";

/** A build flavour: `production` is what `run` loads, `debug` keeps asserts and maps to sources. */
export type BuildTarget = "production" | "debug";

/** Every build target, in build order. */
export const BUILD_TARGETS: readonly BuildTarget[] = ["production", "debug"];

/** How one target is compiled, from `asconfig.json` (`options`, overridden by `targets.<target>`). */
export interface TargetConfig {
  /** Project-relative path of the binary, with `/` separators. */
  outFile: string;
  /** asc's `--optimizeLevel` (0-3) when set; the flavour's default otherwise. */
  optimizeLevel?: number;
  /** asc's `--shrinkLevel` (0-2) when set; the flavour's default otherwise. */
  shrinkLevel?: number;
}

/** One built binary. */
export interface BuiltTarget {
  /** Which flavour. */
  target: BuildTarget;
  /** Project-relative path of the `.wasm` file written, with `/` separators. */
  path: string;
  /** Size of the binary in bytes. */
  bytes: number;
  /** Compile time in milliseconds. */
  millis: number;
  /** Compiler warnings, empty when clean. */
  diagnostics: string;
}

/** Options of {@linkcode buildPlugin}. */
export interface BuildPluginOptions {
  /** Called before each target is compiled (compiling takes seconds). */
  onTargetStart?: (target: BuildTarget, config: TargetConfig) => void;
}

/**
 * The project cannot be built as asked: an invalid `asconfig.json` (the message names the file and field), a
 * project folder that is not a folder, or a binary `run` could not load (the message names the binary and the
 * import or export concerned).
 */
export class PluginBuildError extends Error {
  /** Creates the error with its one-line message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PluginBuildError";
  }
}

/**
 * Each target's fixed flavour: the values `asconfig.json` may repeat but not change, because the compile
 * wrapper sets them (`production`: `-O3 --noAssert`; `debug`: `--debug --sourceMap`) and the rest of the
 * framework relies on them (asserts reported with file:line by `test`, traps mapped through the source map).
 */
const FLAVOURS: Record<BuildTarget, Record<"noAssert" | "debug" | "sourceMap", boolean>> = {
  production: { noAssert: true, debug: false, sourceMap: false },
  debug: { noAssert: false, debug: true, sourceMap: true },
};

/** Values the host requires of every build: its memory interop is written for this runtime, exported. */
const REQUIRED: Record<"runtime" | "exportRuntime", string | boolean> = {
  runtime: "incremental",
  exportRuntime: true,
};

const SUPPORTED_FIELDS = [
  "outFile",
  "optimizeLevel",
  "shrinkLevel",
  ...Object.keys(FLAVOURS.production),
  ...Object.keys(REQUIRED),
];

/**
 * Reads the project's `asconfig.json` (defaults when there is none) and returns how each target is compiled.
 * Throws {@linkcode PluginBuildError} naming `asconfig.json` and the field for anything the build cannot
 * honour: unknown fields, out-of-range levels, an `outFile` outside the project, or a value that would make a
 * binary `run` cannot load (another `runtime`, `exportRuntime: false`).
 */
export async function readBuildConfig(projectDir: string): Promise<Record<BuildTarget, TargetConfig>> {
  const file = join(projectDir, BUILD_CONFIG_FILE);
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new PluginBuildError(`${file}: not valid JSON (${errorMessage(e)})`);
    }
  }
  const root = objectField(raw, "the top level", file);
  for (const key of Object.keys(root)) {
    if (key !== "targets" && key !== "options") {
      throw new PluginBuildError(
        `${file}: '${key}' is not supported by build (only 'targets' and 'options'; ` +
          `the entry is always ${PLUGIN_ENTRY})`,
      );
    }
  }
  const options = objectField(root.options ?? {}, "options", file);
  const targets = objectField(root.targets ?? {}, "targets", file);
  for (const name of Object.keys(targets)) {
    if (!BUILD_TARGETS.includes(name as BuildTarget)) {
      throw new PluginBuildError(
        `${file}: targets.${name} is not a build target (use ${BUILD_TARGETS.join(" or ")})`,
      );
    }
  }
  const configs = {} as Record<BuildTarget, TargetConfig>;
  for (const target of BUILD_TARGETS) {
    const fields = new Map<string, { value: unknown; where: string }>();
    const sources: [string, unknown][] = [["options", options], [`targets.${target}`, targets[target] ?? {}]];
    for (const [where, source] of sources) {
      for (const [key, value] of Object.entries(objectField(source, where, file))) {
        fields.set(key, { value, where: `${where}.${key}` });
      }
    }
    configs[target] = targetConfig(target, fields, file);
  }
  if (configs.production.outFile === configs.debug.outFile) {
    throw new PluginBuildError(
      `${file}: the production and debug targets have the same outFile ` +
        `'${configs.production.outFile}'`,
    );
  }
  return configs;
}

function targetConfig(
  target: BuildTarget,
  fields: ReadonlyMap<string, { value: unknown; where: string }>,
  file: string,
): TargetConfig {
  const config: TargetConfig = { outFile: `${BUILD_DIR}/${target}.wasm` };
  for (const [key, { value, where }] of fields) {
    const field = `${file}: ${where}`;
    if (!SUPPORTED_FIELDS.includes(key)) {
      throw new PluginBuildError(
        `${field} is not supported by build (supported: ${SUPPORTED_FIELDS.join(", ")})`,
      );
    }
    if (key === "outFile") config.outFile = outFile(value, field);
    else if (key === "optimizeLevel") config.optimizeLevel = level(value, 3, field);
    else if (key === "shrinkLevel") config.shrinkLevel = level(value, 2, field);
    else if (key in REQUIRED) {
      const required = REQUIRED[key as keyof typeof REQUIRED];
      if (value !== required) {
        throw new PluginBuildError(
          `${field} must be ${JSON.stringify(required)}: the framework's host needs the AssemblyScript ` +
            `incremental runtime, exported, to exchange data with the plugin`,
        );
      }
    } else {
      const fixed = FLAVOURS[target][key as keyof (typeof FLAVOURS)[BuildTarget]];
      if (value !== fixed) {
        throw new PluginBuildError(
          `${field} must be ${fixed} (or left out): ${
            target === "production"
              ? "the production target is optimised without asserts or debug information"
              : "the debug target keeps asserts, debug information and a source map"
          }`,
        );
      }
    }
  }
  return config;
}

function objectField(value: unknown, where: string, file: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PluginBuildError(`${file}: ${where} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function level(value: unknown, max: number, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new PluginBuildError(`${field} must be an integer from 0 to ${max}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function outFile(value: unknown, field: string): string {
  if (typeof value !== "string" || !value.endsWith(".wasm")) {
    throw new PluginBuildError(`${field} must be a path ending in .wasm, not ${JSON.stringify(value)}`);
  }
  const path = normalize(value).split(sep).join("/");
  if (isAbsolute(value) || path === ".." || path.startsWith("../")) {
    throw new PluginBuildError(`${field} must be a path inside the project folder, not '${value}'`);
  }
  return path;
}

// The check traits are never called: they only declare what `run` provides. A call would be a bug here.
function notCalledDuringBuild(): never {
  throw new Error("build checks a plugin's imports; it never calls the host");
}
const UNCALLED_STORE: TokenStore = {
  takeToken: notCalledDuringBuild,
  releaseTokens: notCalledDuringBuild,
  close: () => Promise.resolve(),
};
const UNCALLED_API: TeleportClient = { upsertLock: notCalledDuringBuild, close: () => Promise.resolve() };

/** The module namespace of the test-only host functions (`vendor/test.ts`). */
const TEST_HELPERS_MODULE = "test";

/**
 * Throws {@linkcode PluginBuildError} when `run` could not load `binary`: the pool's own check of its imports
 * and exports against the traits `run` gives a plugin, with test helpers named as such.
 */
async function checkLoadableByRun(binary: Uint8Array, path: string, target: BuildTarget): Promise<void> {
  const helper = inspectWasm(binary).imports.find((entry) => entry.module === TEST_HELPERS_MODULE);
  if (helper !== undefined) {
    throw new PluginBuildError(
      `${path}: the plugin imports ${helper.module}.${helper.name} from vendor/test: test helpers cannot be ` +
        `used in the ${target} build (import them only from assembly/*.test.ts files)`,
    );
  }
  try {
    await preparePlugin(binary, runTraits(UNCALLED_STORE, UNCALLED_API));
  } catch (e) {
    if (e instanceof PluginLoadError) throw new PluginBuildError(`${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Compiles the plugin of `projectDir` for each of `targets` as its `asconfig.json` says, checks that `run`
 * can load each binary, and writes them (and, for `debug`, the source map next to it). Rejects with the
 * compiler's `CompileError` on errors, with {@linkcode PluginBuildError} for an invalid `asconfig.json`, a
 * `projectDir` that is not a folder or a binary `run` could not load, and with `Deno.errors.NotFound` when
 * the project has no plugin entry; nothing is written then.
 *
 * @example
 * ```ts ignore
 * import { buildPlugin } from "./build.ts";
 * const [production] = await buildPlugin("./my-plugin", ["production"]);
 * console.log(production.path, production.bytes);
 * ```
 */
export async function buildPlugin(
  projectDir: string,
  targets: readonly BuildTarget[] = BUILD_TARGETS,
  options: BuildPluginOptions = {},
): Promise<BuiltTarget[]> {
  try {
    if (!(await Deno.stat(projectDir)).isDirectory) {
      throw new PluginBuildError(`${projectDir} is not a folder`);
    }
    await Deno.stat(join(projectDir, PLUGIN_ENTRY));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`no ${PLUGIN_ENTRY} in ${projectDir}: is this a plugin project?`);
    }
    throw e;
  }
  const configs = await readBuildConfig(projectDir);
  // Loaded here: reading the configuration (as `test` does) needs no compiler.
  const { compileAssemblyScript } = await import("../asc/compiler.ts");
  const built: BuiltTarget[] = [];
  const outputs: [string, Uint8Array | string][] = [];
  for (const target of targets) {
    const config = configs[target];
    options.onTargetStart?.(target, config);
    const result = await compileAssemblyScript({
      entries: [PLUGIN_ENTRY],
      baseDir: projectDir,
      target: target === "production" ? "release" : "debug",
      binaryName: basename(config.outFile),
      flags: [
        ...(config.optimizeLevel === undefined ? [] : ["--optimizeLevel", String(config.optimizeLevel)]),
        ...(config.shrinkLevel === undefined ? [] : ["--shrinkLevel", String(config.shrinkLevel)]),
      ],
    });
    await checkLoadableByRun(result.binary, join(projectDir, config.outFile), target);
    outputs.push([config.outFile, result.binary]);
    if (result.sourceMap) outputs.push([`${config.outFile}.map`, result.sourceMap]);
    built.push({
      target,
      path: config.outFile,
      bytes: result.binary.byteLength,
      millis: result.millis,
      diagnostics: result.diagnostics,
    });
  }
  for (const [path, contents] of outputs) {
    const file = join(projectDir, path);
    await Deno.mkdir(dirname(file), { recursive: true });
    if (typeof contents === "string") await Deno.writeTextFile(file, contents);
    else await Deno.writeFile(file, contents);
  }
  return built;
}
