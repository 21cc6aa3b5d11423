/**
 * `build [--target production|debug]`: compiles the plugin in the current folder into `build/`.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import type { BuildTarget } from "../scaffold/build.ts";
import { PROJECT_DIR_OPTION, PROJECT_HINT } from "./new.ts";
import { type Command, stringOption, UsageError } from "./command.ts";

/** The `build` command. */
export const buildCommand: Command = {
  name: "build",
  summary: "Compile the plugin to build/production.wasm and build/debug.wasm",
  usage: "[--target production|debug] [-d DIR]",
  description: [
    "Compiles assembly/index.ts of the plugin project with the bundled AssemblyScript compiler:",
    "build/production.wasm is optimised with asserts removed (load it with `run`), build/debug.wasm keeps",
    "asserts and has a source map. Without --target, both are built. Each binary is checked against what",
    "`run` provides (host functions, handleEvent) before anything is written.",
    "",
    "asconfig.json sets each target's outFile, optimizeLevel (0-3) and shrinkLevel (0-2), in `options` or",
    "`targets.production`/`targets.debug`. runtime must stay incremental and exportRuntime true (the host",
    "needs them), and noAssert, debug and sourceMap are fixed by the target: other values are refused.",
  ].join("\n"),
  options: {
    target: {
      type: "string",
      valueName: "TARGET",
      description: "Build only this target: production or debug.",
    },
    dir: PROJECT_DIR_OPTION,
  },
  async run(args) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    // Loaded here, not at start-up: only this command needs the compiler.
    const [{ BUILD_TARGETS, buildPlugin, PluginBuildError }, { CompileError }] = await Promise.all([
      import("../scaffold/build.ts"),
      import("../asc/compiler.ts"),
    ]);
    const target = stringOption(args, "target");
    if (target !== undefined && !BUILD_TARGETS.includes(target as BuildTarget)) {
      throw new UsageError(`unknown --target '${target}'`, `use ${BUILD_TARGETS.join(" or ")}`);
    }
    const dir = stringOption(args, "dir") ?? ".";
    await checkProjectDirOption(dir);
    const targets = target === undefined ? BUILD_TARGETS : [target as BuildTarget];
    try {
      const built = await buildPlugin(dir, targets, {
        onTargetStart: (name, config) => {
          const flavour = name === "production" ? "release: optimised, no asserts" : "asserts, source map";
          console.log(`building ${name} (${flavour}) -> ${pathFromCwd(dir, config.outFile)} ...`);
        },
      });
      for (const { path, bytes, millis, diagnostics } of built) {
        if (diagnostics) console.error(diagnostics);
        console.log(`${pathFromCwd(dir, path)}  ${formatBytes(bytes)}  ${(millis / 1000).toFixed(2)} s`);
      }
    } catch (e) {
      if (e instanceof CompileError) {
        console.error(e.diagnostics);
        throw new UsageError("the plugin does not compile", "fix the errors above and run build again");
      }
      if (e instanceof PluginBuildError) throw new UsageError(e.message);
      if (e instanceof Deno.errors.NotFound) throw new UsageError(e.message, PROJECT_HINT);
      throw e;
    }
    return 0;
  },
};

/**
 * Rejects with a {@linkcode UsageError} naming `-d/--dir` when `dir` does not exist or is not a folder, so
 * that commands working on a project report the flag rather than a file inside the missing folder.
 */
export async function checkProjectDirOption(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`-d/--dir '${dir}' does not exist`, PROJECT_HINT);
    }
    throw e;
  }
  if (!info.isDirectory) throw new UsageError(`-d/--dir '${dir}' is not a folder`, PROJECT_HINT);
}

/**
 * `path` (relative to the project `dir`) as seen from the current folder, with `/` separators; absolute when
 * the project lies outside the current folder.
 */
function pathFromCwd(dir: string, path: string): string {
  const fromCwd = relative(Deno.cwd(), join(dir, path));
  return (fromCwd.startsWith("..") ? resolve(dir, path) : fromCwd).replaceAll("\\", "/");
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
