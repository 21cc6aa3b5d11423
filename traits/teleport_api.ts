/**
 * The `api` host functions: calls to Teleport on the plugin's behalf, through a {@linkcode TeleportClient}.
 *
 * @module
 */
import type { TeleportClient } from "../lib/api/types.ts";
import { type HostFunction, hostFunction, type Trait } from "../lib/pool/trait.ts";

/**
 * Gives the plugin the Teleport API. Runs on the main thread (one client for all instances).
 *
 * Plugin declaration (AssemblyScript), `lock` being a protobuf-encoded `types.LockV2`:
 * ```ts ignore
 * @external("api", "upsertLock") export declare function upsertLock(lock: ArrayBuffer): void;
 * ```
 * A client error fails the plugin call with that error.
 *
 * @example A pool whose plugin's locks are appended to a file instead of sent to Teleport
 * ```ts ignore
 * import { AssemblyScriptEnv, ExecutionContextPool, HandleEvent, openTeleportClient, TeleportApi } from "./mod.ts";
 * const api = await openTeleportClient("dry-run:./locks.jsonl");
 * const pool = await ExecutionContextPool.create({
 *   plugin: "build/production.wasm",
 *   traits: [new AssemblyScriptEnv(), new HandleEvent(), new TeleportApi(api)],
 * });
 * ```
 */
export class TeleportApi implements Trait<Record<never, never>> {
  readonly name = "TeleportApi";
  readonly requiredExports: Record<never, never> = {};
  /** The host functions this trait gives the plugin. */
  readonly hostFunctions: readonly HostFunction[];

  /** Builds the trait on a Teleport client shared by every instance. */
  constructor(client: TeleportClient) {
    this.hostFunctions = [
      hostFunction({
        namespace: "api",
        name: "upsertLock",
        params: ["bytes"],
        result: "void",
        run: (lock) => client.upsertLock(lock),
      }),
    ] as const;
  }
}
