/**
 * `build [--target production|debug]`: compiles the plugin in the current folder into `build/`.
 *
 * @module
 */
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
    "asserts and has a source map. Without --target, both are built.",
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
    // Loaded here, not at start-up: only this command needs the compiler.
    const [{ BUILD_TARGETS, buildPlugin }, { CompileError }] = await Promise.all([
      import("../scaffold/build.ts"),
      import("../asc/compiler.ts"),
    ]);
    const target = stringOption(args, "target");
    if (target !== undefined && !BUILD_TARGETS.includes(target as BuildTarget)) {
      throw new UsageError(`unknown --target '${target}'`, `use ${BUILD_TARGETS.join(" or ")}`);
    }
    const dir = stringOption(args, "dir") ?? ".";
    const targets = target === undefined ? BUILD_TARGETS : [target as BuildTarget];
    try {
      for (const built of await buildPlugin(dir, targets)) {
        if (built.diagnostics) console.error(built.diagnostics);
        console.log(
          `${built.path}  ${formatBytes(built.bytes)}  ${(built.millis / 1000).toFixed(2)} s`,
        );
      }
    } catch (e) {
      if (e instanceof CompileError) {
        console.error(e.diagnostics);
        throw new UsageError("the plugin does not compile", "fix the errors above and run build again");
      }
      if (e instanceof Deno.errors.NotFound) throw new UsageError(e.message, PROJECT_HINT);
      throw e;
    }
    return 0;
  },
};

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}
