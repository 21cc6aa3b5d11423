/**
 * `run`: the plugin processor joining the Teleport JSON converter and the plugin pool, the settings (flags and
 * event-handler-style TOML) and the run itself.
 *
 * @module
 */
export { createPluginProcessor, type HandleEventBatcher, type PluginProcessorOptions } from "./processor.ts";
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
