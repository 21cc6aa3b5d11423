/**
 * The token store one plugin test sees when the tests run on a persistent store (`test --store kv:PATH` or
 * `redis://...`): a namespace of its own inside that store, emptied when the test ends.
 *
 * A memory store is simply made anew for each test. A Deno KV file or a Redis database outlives the run and
 * may be shared (even with production), so each test's scopes are given a prefix unique to the test and
 * the run, and every scope the test touched is released when it closes: a test starts from zero tokens
 * whatever ran before, and the store is left as it was found.
 *
 * @module
 */
import type { TokenStore } from "../store/types.ts";
import { checkScope } from "../store/validate.ts";
import { openTokenStore, type TokenStoreSpec } from "../store/open.ts";

/**
 * Opens the store of one test: a new memory store, or the persistent store `spec` names wrapped in an
 * {@linkcode IsolatedTokenStore}. Closing it releases what the test created.
 */
export async function openTestTokenStore(spec: TokenStoreSpec): Promise<TokenStore> {
  const store = await openTokenStore(spec);
  return spec.kind === "memory" ? store : new IsolatedTokenStore(store);
}

/**
 * Wraps a store so that the plugin's scopes live under `prefix` and are released on {@linkcode close}.
 *
 * @example
 * ```ts ignore
 * import { openTokenStore } from "../store/open.ts";
 * const store = new IsolatedTokenStore(await openTokenStore("kv:./tokens.kv"));
 * await store.takeToken("alice", 60); // counts in "plugin-test/<uuid>/alice"
 * await store.close(); // releases that scope, then closes the KV file
 * ```
 */
export class IsolatedTokenStore implements TokenStore {
  /** The prefix put before every scope, e.g. `plugin-test/6f1c.../`. */
  readonly prefix: string;
  readonly #inner: TokenStore;
  readonly #touched = new Set<string>();

  /** Wraps `inner`, which the wrapper owns from now on (it closes it); the prefix is random by default. */
  constructor(inner: TokenStore, prefix = `plugin-test/${crypto.randomUUID()}/`) {
    this.#inner = inner;
    this.prefix = prefix;
  }

  /** Takes a token in the test's own copy of `scope`. */
  takeToken(scope: string, ttlSeconds: number): Promise<number> {
    checkScope("takeToken", scope);
    this.#touched.add(scope);
    return this.#inner.takeToken(this.prefix + scope, ttlSeconds);
  }

  /** Releases the test's own copy of `scope`. */
  releaseTokens(scope: string): Promise<void> {
    checkScope("releaseTokens", scope);
    return this.#inner.releaseTokens(this.prefix + scope);
  }

  /**
   * Releases every scope the test took a token in, then closes the wrapped store; it rejects with the
   * first failure (the wrapped store is closed in any case).
   */
  async close(): Promise<void> {
    try {
      for (const scope of this.#touched) await this.#inner.releaseTokens(this.prefix + scope);
      this.#touched.clear();
    } finally {
      await this.#inner.close();
    }
  }
}
