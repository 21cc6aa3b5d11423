/**
 * `run`: the plugin processor (lines to the pool's workers, which convert them and run the plugin), the settings
 * (flags and event-handler-style TOML) and the run itself.
 *
 * @module
 */
export { createPluginProcessor, type EventLineBatcher, type PluginProcessorOptions } from "./processor.ts";
export { decodeOutcome, encodeOutcome } from "./outcome.ts";
export {
  resolveRunSettings,
  type RunSettings,
  RunSettingsError,
  type RunValue,
  type RunValues,
} from "./settings.ts";
export { RUN_DEFAULTS } from "./defaults.ts";
export { configValues, loadRunConfig, mergeRunValues } from "./config.ts";
export { runEvents, type RunEventsOptions, type RunSummary } from "./run.ts";
