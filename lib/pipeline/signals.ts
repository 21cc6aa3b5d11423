/**
 * Graceful stop on SIGINT and SIGTERM: the first signal aborts a controller, the pipeline drains in-flight
 * events, saves its position and the program exits 0; a second signal gives up draining at once (what was not
 * delivered is not acknowledged, so it is read again on restart).
 *
 * @module
 */
import { logger } from "../log.ts";

const log = logger("pipeline");

/**
 * Aborts `stop` when the process receives SIGINT or SIGTERM (SIGINT only on Windows, which has no SIGTERM),
 * and `force`, when given, at the next such signal. Dispose the result to remove the listeners.
 *
 * @example
 * ```ts
 * import { abortOnSignals } from "./signals.ts";
 * const stop = new AbortController();
 * const force = new AbortController();
 * using _signals = abortOnSignals(stop, force);
 * ```
 */
export function abortOnSignals(stop: AbortController, force?: AbortController): Disposable {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => {
      if (!stop.signal.aborted) {
        if (force !== undefined) log.info("{signal}: stopping (a second signal stops at once)", { signal });
        stop.abort(new Error(`stopped by ${signal}`));
      } else if (force !== undefined && !force.signal.aborted) {
        log.warn("{signal} again: giving up delivering the events already read", { signal });
        force.abort(new Error(`stopped by a second ${signal}`));
      }
    };
    Deno.addSignalListener(signal, handler);
    return { signal, handler };
  });
  return {
    [Symbol.dispose]: () => {
      for (const { signal, handler } of handlers) Deno.removeSignalListener(signal, handler);
    },
  };
}
