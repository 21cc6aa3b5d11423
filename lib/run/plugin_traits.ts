/**
 * The traits `run` gives a plugin. `build` checks each binary against the same list, so a plugin that builds
 * is one `run` can load.
 *
 * @module
 */
import { AssemblyScriptEnv, EventLines, Store, TeleportApi } from "../../traits/mod.ts";
import type { TokenStore } from "../store/types.ts";
import type { TeleportClient } from "../api/types.ts";

/**
 * The traits of a plugin run by `run`: AssemblyScript's environment, the token store, the Teleport API and
 * the event-lines adapter the pipeline calls.
 *
 * @example
 * ```ts ignore
 * import { ExecutionContextPool } from "../pool/mod.ts";
 * // store: a TokenStore, api: a TeleportClient
 * const pool = await ExecutionContextPool.create({ plugin: "build/production.wasm", traits: runTraits(store, api) });
 * ```
 */
export function runTraits(
  store: TokenStore,
  api: TeleportClient,
): readonly [AssemblyScriptEnv, Store, TeleportApi, EventLines] {
  return [new AssemblyScriptEnv(), new Store(store), new TeleportApi(api), new EventLines()];
}
