/**
 * The token store interface behind the plugin's `store.takeToken` / `store.releaseTokens`.
 *
 * @module
 */

/**
 * Counts tokens per scope with a time to live. Implementations: memory, Deno KV, Redis.
 * Scopes are matched exactly (never by prefix).
 */
export interface TokenStore {
  /**
   * Adds one token to `scope` that expires after `ttlSeconds` and resolves to the number of live tokens the
   * scope holds afterwards (at least 1). Rejects an empty scope or a ttl that is not a positive integer.
   */
  takeToken(scope: string, ttlSeconds: number): Promise<number>;
  /** Removes every token of `scope`. */
  releaseTokens(scope: string): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
}
