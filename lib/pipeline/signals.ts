/**
 * Graceful stop on SIGINT and SIGTERM: the signal aborts a controller, the pipeline drains in-flight events,
 * saves its position and the program exits 0.
 *
 * @module
 */

/**
 * Aborts `controller` when the process receives SIGINT or SIGTERM (SIGINT only on Windows, which has no
 * SIGTERM). Dispose the result to remove the listeners.
 *
 * @example
 * ```ts
 * import { abortOnSignals } from "./signals.ts";
 * const controller = new AbortController();
 * using _signals = abortOnSignals(controller);
 * ```
 */
export function abortOnSignals(controller: AbortController): Disposable {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handler = () => controller.abort(new Error("stopped by signal"));
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return {
    [Symbol.dispose]: () => {
      for (const signal of signals) Deno.removeSignalListener(signal, handler);
    },
  };
}
