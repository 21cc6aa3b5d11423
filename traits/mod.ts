/**
 * The traits plugins are built against. Each documents the AssemblyScript declarations a plugin uses.
 *
 * | trait | host functions (namespace.name) | required exports |
 * |---|---|---|
 * | `AssemblyScriptEnv` | `env.abort`, `env.trace`, `env.seed`, `env.Date.now` | |
 * | `Store` | `store.takeToken(scope: string, ttl: i32): i32`, `store.releaseTokens(scope: string): void` | |
 * | `TeleportApi` | `api.upsertLock(lock: ArrayBuffer): void` | |
 * | `Testing` | `test.getFixture(n: i32): ArrayBuffer`, `test.getFixtureAsHandleEventRequest(n: i32): ArrayBuffer`, `test.hasLatestAPIRequest(): bool`, `test.getLatestAPIRequest(): ArrayBuffer` | |
 * | `HandleEvent` | | `handleEvent(request: ArrayBuffer): ArrayBuffer` |
 * | `EventLines` | | `handleEvent` (as `HandleEvent`); adds the worker-side export `handleEventLine(line: text): text` |
 * | `PluginExports` | | given at run time |
 *
 * @module
 */
export {
  AssemblyScriptEnv,
  type AssemblyScriptEnvOptions,
  formatTrace,
  type TraceSource,
} from "./assemblyscript_env.ts";
export { EventLines, type EventLinesExports, type EventLinesOptions } from "./event_lines.ts";
export { PluginExports } from "./exports.ts";
export { HandleEvent, type HandleEventExports } from "./handle_event.ts";
export { Store } from "./store.ts";
export { TeleportApi } from "./teleport_api.ts";
export { Testing, type TestingOptions, wrapAsHandleEventRequest } from "./testing.ts";
