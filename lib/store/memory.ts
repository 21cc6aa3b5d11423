/**
 * A token store kept in this process's memory: the default for `test`, and the fastest backend. Counts are
 * lost when the process ends and are not shared with other processes.
 *
 * @module
 */
import type { TokenStore } from "./types.ts";
import { checkScope, checkTtl } from "./validate.ts";

/** Options for {@linkcode MemoryTokenStore}. */
export interface MemoryTokenStoreOptions {
  /** The clock, in milliseconds since the epoch. Default `Date.now`; tests inject a fake one. */
  now?: () => number;
}

/** How often, at most, scopes that nobody asks about any more are swept for expired tokens. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Keeps, per scope, the expiry times of its tokens in ascending order, so expired tokens are always a
 * prefix: counting drops that prefix and the length is the answer.
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
  readonly #expiries = new Map<string, number[]>();
  readonly #now: () => number;
  #nextSweepAt: number;
  #closed = false;

  /** Creates an empty store. */
  constructor(options: MemoryTokenStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#nextSweepAt = this.#now() + SWEEP_INTERVAL_MS;
  }

  /** Adds a token to `scope` that expires after `ttlSeconds`; resolves to the scope's live token count. */
  takeToken(scope: string, ttlSeconds: number): Promise<number> {
    // Validation errors reject (never throw synchronously), like the remote backends.
    try {
      return Promise.resolve(this.#take(scope, ttlSeconds));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #take(scope: string, ttlSeconds: number): number {
    this.#checkOpen();
    checkScope("takeToken", scope);
    checkTtl(ttlSeconds);
    const now = this.#now();
    if (now >= this.#nextSweepAt) this.#sweep(now);
    let expiries = this.#expiries.get(scope);
    if (expiries === undefined) {
      expiries = [];
      this.#expiries.set(scope, expiries);
    } else {
      dropExpired(expiries, now);
    }
    insertSorted(expiries, now + ttlSeconds * 1000);
    return expiries.length;
  }

  /** Removes every token of `scope`. */
  releaseTokens(scope: string): Promise<void> {
    try {
      this.#checkOpen();
      checkScope("releaseTokens", scope);
      this.#expiries.delete(scope);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Forgets every token; later calls reject. */
  close(): Promise<void> {
    this.#closed = true;
    this.#expiries.clear();
    return Promise.resolve();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("memory token store: used after close()");
  }

  /** Drops expired tokens of every scope, so scopes that are never asked about again do not pile up. */
  #sweep(now: number): void {
    for (const [scope, expiries] of this.#expiries) {
      dropExpired(expiries, now);
      if (expiries.length === 0) this.#expiries.delete(scope);
    }
    this.#nextSweepAt = now + SWEEP_INTERVAL_MS;
  }
}

/** Removes the leading expiry times that are not after `now` (a token is live while `now < expiry`). */
function dropExpired(expiries: number[], now: number): void {
  if (expiries.length === 0 || expiries[0] > now) return;
  expiries.splice(0, upperBound(expiries, now));
}

function insertSorted(expiries: number[], expiry: number): void {
  // With one ttl per scope (the usual case) the new expiry is the largest: append without searching.
  if (expiries.length === 0 || expiries[expiries.length - 1] <= expiry) {
    expiries.push(expiry);
  } else {
    expiries.splice(upperBound(expiries, expiry), 0, expiry);
  }
}

/** The index of the first element greater than `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
