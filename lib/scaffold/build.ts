/**
 * Builds a plugin project's WebAssembly: `build/production.wasm` (optimised, asserts removed) and
 * `build/debug.wasm` (asserts kept, with a source map), both from `assembly/index.ts`.
 *
 * @module
 */
import { join } from "node:path";
import { compileAssemblyScript } from "../asc/compiler.ts";

/** The plugin's WebAssembly entry, relative to the project. */
export const PLUGIN_ENTRY = "assembly/index.ts";

/** The output folder, relative to the project. */
export const BUILD_DIR = "build";

/** A build flavour: `production` is what `run` loads, `debug` keeps asserts and maps to sources. */
export type BuildTarget = "production" | "debug";

/** Every build target, in build order. */
export const BUILD_TARGETS: readonly BuildTarget[] = ["production", "debug"];

/** One built binary. */
export interface BuiltTarget {
  /** Which flavour. */
  target: BuildTarget;
  /** Project-relative path of the `.wasm` file written. */
  path: string;
  /** Size of the binary in bytes. */
  bytes: number;
  /** Compile time in milliseconds. */
  millis: number;
  /** Compiler warnings, empty when clean. */
  diagnostics: string;
}

/**
 * Compiles the plugin of `projectDir` for each of `targets` and writes the binaries (and, for `debug`, the
 * source map next to it). Rejects with the compiler's `CompileError` on errors (nothing is written then), and
 * with `Deno.errors.NotFound` when the project has no plugin entry.
 */
export async function buildPlugin(
  projectDir: string,
  targets: readonly BuildTarget[] = BUILD_TARGETS,
): Promise<BuiltTarget[]> {
  try {
    await Deno.stat(join(projectDir, PLUGIN_ENTRY));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`no ${PLUGIN_ENTRY} in ${projectDir}: is this a plugin project?`);
    }
    throw e;
  }
  const built: BuiltTarget[] = [];
  const outputs: [string, Uint8Array | string][] = [];
  for (const target of targets) {
    const result = await compileAssemblyScript({
      entries: [PLUGIN_ENTRY],
      baseDir: projectDir,
      target: target === "production" ? "release" : "debug",
    });
    const path = `${BUILD_DIR}/${target}.wasm`;
    outputs.push([path, result.binary]);
    if (result.sourceMap) outputs.push([`${path}.map`, result.sourceMap]);
    built.push({
      target,
      path,
      bytes: result.binary.byteLength,
      millis: result.millis,
      diagnostics: result.diagnostics,
    });
  }
  await Deno.mkdir(join(projectDir, BUILD_DIR), { recursive: true });
  for (const [path, contents] of outputs) {
    const file = join(projectDir, path);
    if (typeof contents === "string") await Deno.writeTextFile(file, contents);
    else await Deno.writeFile(file, contents);
  }
  return built;
}
