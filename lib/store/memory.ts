/**
 * A token store kept in this process's memory: the default for `test`, and the fastest backend. Counts are
 * lost when the process ends and are not shared with other processes.
 *
 * The tokens live in a `SharedArrayBuffer` ({@linkcode TokenTable}): the `Store` trait hands it to the pool's
 * workers, so a plugin's `takeToken` runs inside its worker without a round trip to the main thread, while
 * the main thread keeps using this object on the very same counts.
 *
 * @module
 */
import type { TokenStore } from "./types.ts";
import { checkScope, checkTtl } from "./validate.ts";
import { TokenTable, type TokenTableCapacity } from "./token_table.ts";

export { TokenTableFullError } from "./token_table.ts";

/** Options for {@linkcode MemoryTokenStore}. */
export interface MemoryTokenStoreOptions extends Partial<TokenTableCapacity> {
  /**
   * The clock, in milliseconds since the epoch. Default `Date.now`; tests inject a fake one. Workers cannot
   * see an injected clock, so a store with one is used from the main thread only (through host calls).
   */
  now?: () => number;
}

/** Capacities by default: about 16 MiB of address space, touched only as it fills. */
export const DEFAULT_MEMORY_STORE_CAPACITY: TokenTableCapacity = {
  maxScopes: 65_536,
  maxTokens: 1_048_576,
  maxScopeUnits: 2_097_152,
};

/**
 * Keeps, per scope, the expiry times of its tokens in ascending order, so expired tokens are always a
 * prefix: counting drops that prefix and the length is the answer. Holds at most `maxScopes` scopes with
 * live tokens, `maxTokens` live tokens and `maxScopeUnits` UTF-16 code units of scope names; beyond that,
 * once expired tokens are cleared out, `takeToken` rejects with a `TokenTableFullError` naming the option.
 *
 * @example
 * ```ts
 * import { MemoryTokenStore } from "./memory.ts";
 * const store = new MemoryTokenStore();
 * await store.takeToken("alice", 300); // 1
 * await store.takeToken("alice", 300); // 2
 * await store.close();
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  readonly #table: TokenTable;
  readonly #now: (() => number) | undefined;

  /** Creates an empty store. Throws a `RangeError` for a capacity that is not a whole number from 1 to 2^28. */
  constructor(options: MemoryTokenStoreOptions = {}) {
    const { now, ...capacity } = options;
    this.#now = now;
    this.#table = TokenTable.create({ ...DEFAULT_MEMORY_STORE_CAPACITY, ...withoutUndefined(capacity) });
  }

  /**
   * The buffer holding the tokens, for workers to count in directly (see {@linkcode TokenTable}); undefined
   * when the store runs on an injected clock, which only this thread can read.
   */
  get sharedBuffer(): SharedArrayBuffer | undefined {
    return this.#now === undefined ? this.#table.buffer : undefined;
  }

  /** Adds a token to `scope` that expires after `ttlSeconds`; resolves to the scope's live token count. */
  takeToken(scope: string, ttlSeconds: number): Promise<number> {
    // Validation errors reject (never throw synchronously), like the remote backends.
    try {
      checkScope("takeToken", scope);
      checkTtl(ttlSeconds);
      return Promise.resolve(this.#table.take(scope, ttlSeconds * 1000, this.#clock()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Removes every token of `scope`. */
  releaseTokens(scope: string): Promise<void> {
    try {
      checkScope("releaseTokens", scope);
      this.#table.release(scope);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The live tokens of `scope` now, without adding one: for tests and inspection. */
  countTokens(scope: string): number {
    return this.#table.count(scope, this.#clock());
  }

  /** Forgets every token; later calls, from this thread or a worker, reject. */
  close(): Promise<void> {
    this.#table.close();
    return Promise.resolve();
  }

  #clock(): number {
    return this.#now === undefined ? Date.now() : this.#now();
  }
}

function withoutUndefined(capacity: Partial<TokenTableCapacity>): Partial<TokenTableCapacity> {
  return Object.fromEntries(Object.entries(capacity).filter(([, value]) => value !== undefined));
}
