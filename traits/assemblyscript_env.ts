/**
 * AssemblyScript's special `env` imports: `abort`, `trace`, `seed` and `Date.now`.
 *
 * @module
 */
import { type HostFunction, notification, type Trait, workerFunction } from "../lib/pool/trait.ts";

/** Where a trace line came from. */
export interface TraceSource {
  /** The instance (worker) that traced. */
  readonly instanceId: number;
  /** The export being executed. */
  readonly exportName: string;
}

/** Options for {@linkcode AssemblyScriptEnv}. */
export interface AssemblyScriptEnvOptions {
  /** Also receives every trace line (the test runner prints them). Lines always go to the pool's logger. */
  readonly onTrace?: (line: string, source: TraceSource) => void;
}

/**
 * Formats AssemblyScript's `trace(message, n, a0, ..., a4)` the way the original framework printed it:
 * the message followed by the first `n` numbers, integers without a fractional part.
 *
 * @example
 * ```ts
 * import { formatTrace } from "./assemblyscript_env.ts";
 * formatTrace("foo", 2, [100, 200, 0, 0, 0]); // "foo 100 200"
 * ```
 */
export function formatTrace(message: string, count: number, values: readonly number[]): string {
  const shown = values.slice(0, Math.max(0, Math.min(count, values.length)));
  return [message, ...shown.map((value) => String(value))].join(" ");
}

/**
 * Gives the plugin AssemblyScript's runtime imports. `abort`, `seed` and `Date.now` run inside the worker;
 * `trace` is sent to the main thread without making the plugin wait, and logged with the instance id.
 *
 * Plugins need no declarations for these: the AssemblyScript compiler imports them as `env.abort`,
 * `env.trace`, `env.seed` and `env.Date.now`.
 */
export class AssemblyScriptEnv implements Trait<Record<never, never>> {
  readonly name = "AssemblyScriptEnv";
  readonly requiredExports: Record<never, never> = {};
  /** The host functions this trait gives the plugin. */
  readonly hostFunctions: readonly HostFunction[];

  /** Builds the trait; `options.onTrace` also receives every trace line. */
  constructor(options: AssemblyScriptEnvOptions = {}) {
    const { onTrace } = options;
    this.hostFunctions = [
      workerFunction({
        namespace: "env",
        name: "abort",
        params: ["i32", "i32", "i32", "i32"],
        result: "void",
        builtin: "assemblyscript.abort",
      }),
      workerFunction({
        namespace: "env",
        name: "seed",
        params: [],
        result: "f64",
        builtin: "assemblyscript.seed",
      }),
      workerFunction({
        namespace: "env",
        name: "Date.now",
        params: [],
        result: "f64",
        builtin: "assemblyscript.dateNow",
      }),
      notification({
        namespace: "env",
        name: "trace",
        params: ["string", "i32", "f64", "f64", "f64", "f64", "f64"],
        run(message, count, a0, a1, a2, a3, a4, context) {
          const line = formatTrace(message, count, [a0, a1, a2, a3, a4]);
          context.logger.info("instance {instanceId}: {line}", { instanceId: context.instanceId, line });
          onTrace?.(line, { instanceId: context.instanceId, exportName: context.exportName });
        },
      }),
    ] as const;
  }
}
