/**
 * The `store` host functions: token counting per scope, backed by a {@linkcode TokenStore}.
 *
 * @module
 */
import type { TokenStore } from "../lib/store/types.ts";
import { MemoryTokenStore } from "../lib/store/memory.ts";
import { type HostFunction, hostFunction, type Trait, workerFunction } from "../lib/pool/trait.ts";

/**
 * Gives the plugin a token store shared by every instance. A {@linkcode MemoryTokenStore} on the system
 * clock is used from inside each worker, on the store's shared table (a plain function call); any other
 * store is called on the main thread, the plugin waiting for the answer.
 *
 * Plugin declarations (AssemblyScript):
 * ```ts ignore
 * @external("store", "takeToken") export declare function takeToken(scope: string, ttl: i32): i32;
 * @external("store", "releaseTokens") export declare function releaseTokens(scope: string): void;
 * ```
 * `takeToken` adds a token to `scope` that lives `ttl` seconds and returns how many live tokens the scope
 * holds; `releaseTokens` removes them all. A store error fails the plugin call with that error.
 *
 * @example A pool whose plugin counts tokens in a Deno KV file
 * ```ts ignore
 * import { AssemblyScriptEnv, ExecutionContextPool, HandleEvent, openTokenStore, Store } from "./mod.ts";
 * const store = await openTokenStore("kv:./tokens.kv");
 * const pool = await ExecutionContextPool.create({
 *   plugin: "build/production.wasm",
 *   traits: [new AssemblyScriptEnv(), new HandleEvent(), new Store(store)],
 * });
 * ```
 */
export class Store implements Trait<Record<never, never>> {
  readonly name = "Store";
  readonly requiredExports: Record<never, never> = {};
  /** The host functions this trait gives the plugin. */
  readonly hostFunctions: readonly HostFunction[];

  /** Builds the trait on a token store shared by every instance. */
  constructor(store: TokenStore) {
    const shared = store instanceof MemoryTokenStore ? store.sharedBuffer : undefined;
    if (shared !== undefined) {
      this.hostFunctions = [
        workerFunction({
          namespace: "store",
          name: "takeToken",
          params: ["string", "i32"],
          result: "i32",
          builtin: "store.takeToken",
          shared,
        }),
        workerFunction({
          namespace: "store",
          name: "releaseTokens",
          params: ["string"],
          result: "void",
          builtin: "store.releaseTokens",
          shared,
        }),
      ] as const;
      return;
    }
    this.hostFunctions = [
      hostFunction({
        namespace: "store",
        name: "takeToken",
        params: ["string", "i32"],
        result: "i32",
        run: (scope, ttl) => store.takeToken(scope, ttl),
      }),
      hostFunction({
        namespace: "store",
        name: "releaseTokens",
        params: ["string"],
        result: "void",
        run: (scope) => store.releaseTokens(scope),
      }),
    ] as const;
  }
}
