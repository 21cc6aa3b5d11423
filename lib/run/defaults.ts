/**
 * The defaults of `run`, in a module of their own so that help texts can show them without loading the
 * pipeline, the pool and the clients.
 *
 * @module
 */

/** Defaults, as documented in `run --help`. */
export const RUN_DEFAULTS = {
  concurrency: 2,
  timeout: "2s",
  batchSize: 1_000,
  stateDir: ".state",
  onPluginError: "forward-original",
  statusInterval: "10s",
  shutdownTimeout: "30s",
} as const;
