/**
 * A trait that only requires exports, for exports known at run time (e.g. a plugin's test functions).
 *
 * @module
 */
import type { ExportDeclarations } from "../lib/interop/types.ts";
import type { HostFunction, Trait } from "../lib/pool/trait.ts";

/**
 * Requires the given exports; the pool's `execute` is typed from them.
 *
 * @example
 * ```ts ignore
 * const tests = new PluginExports({ testSkip: { params: [], result: "void" } } as const);
 * const pool = await ExecutionContextPool.create({ plugin, traits: [new AssemblyScriptEnv(), tests] });
 * await pool.execute("testSkip");
 * ```
 */
export class PluginExports<const E extends ExportDeclarations> implements Trait<E> {
  readonly name = "PluginExports";
  readonly requiredExports: E;
  readonly hostFunctions: readonly HostFunction[] = [];

  /** Builds the trait from the export declarations. */
  constructor(exports: E) {
    this.requiredExports = exports;
  }
}
