/**
 * A token store in a Deno KV file: the embedded default for `run`. Counts survive a restart, and several
 * processes (or workers) on one machine may share the file.
 *
 * Each token is its own key, `[namespace, scope, expiresAtMs, id]`, written with `expireIn` so that Deno KV
 * deletes it eventually; counting lists only the keys of `scope` whose expiry is after now, so expiry is
 * exact even before Deno KV has deleted anything. Scopes are one tuple element each, so `foo` never matches
 * `foobar`. Writes to unique keys never conflict; SQLite's `database is locked` under contention is retried.
 *
 * @module
 */
import type { TokenStore } from "./types.ts";
import { checkScope, checkTtl } from "./validate.ts";
import { logger } from "../log.ts";
import { errorMessage } from "../error_message.ts";

/** Options for {@linkcode KvTokenStore.open}. */
export interface KvTokenStoreOptions {
  /** The clock, in milliseconds since the epoch. Default `Date.now`; tests inject a fake one. */
  now?: () => number;
  /** First element of every key, so the file can hold other data too. Default `teleport-plugin-framework/tokens`. */
  namespace?: string;
  /** How many times a call is retried while the file is locked by another writer. Default 20. */
  lockRetries?: number;
}

const DEFAULT_NAMESPACE = "teleport-plugin-framework/tokens";
/** Deletes are sent in batches below Deno KV's limit on mutations per atomic operation. */
const DELETE_BATCH = 500;

const log = logger("store", "kv");

/**
 * Token store backed by Deno KV.
 *
 * @example
 * ```ts
 * import { KvTokenStore } from "./kv.ts";
 * const store = await KvTokenStore.open("./state/tokens.kv");
 * const attempts = await store.takeToken("login-failures/alice", 300);
 * await store.close();
 * ```
 */
export class KvTokenStore implements TokenStore {
  readonly #kv: Deno.Kv;
  readonly #path: string;
  readonly #namespace: string;
  readonly #now: () => number;
  readonly #lockRetries: number;

  private constructor(kv: Deno.Kv, path: string, options: KvTokenStoreOptions) {
    this.#kv = kv;
    this.#path = path;
    this.#namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.#now = options.now ?? Date.now;
    this.#lockRetries = options.lockRetries ?? 20;
  }

  /** Opens (creating if needed) the Deno KV file at `path`; the folder must exist. */
  static async open(path: string, options: KvTokenStoreOptions = {}): Promise<KvTokenStore> {
    if (path === "") throw new Error("kv token store: the file path is empty (write kv:PATH)");
    let kv: Deno.Kv;
    try {
      kv = await Deno.openKv(path);
    } catch (error) {
      throw new Error(`kv token store: cannot open Deno KV file '${path}': ${errorMessage(error)}`);
    }
    return new KvTokenStore(kv, path, options);
  }

  /** Adds a token to `scope` that expires after `ttlSeconds`; resolves to the scope's live token count. */
  async takeToken(scope: string, ttlSeconds: number): Promise<number> {
    checkScope("takeToken", scope);
    checkTtl(ttlSeconds);
    const now = this.#now();
    const ttlMs = ttlSeconds * 1000;
    const key = [this.#namespace, scope, now + ttlMs, crypto.randomUUID()];
    await this.#retryWhileLocked("takeToken", () => this.#kv.set(key, 1, { expireIn: ttlMs }));
    const live = await this.#retryWhileLocked("takeToken", () => this.#countLive(scope, now));
    // Our own token is live by construction, even if a slow list ran past its expiry.
    return Math.max(live, 1);
  }

  /** Removes every token of `scope`. */
  async releaseTokens(scope: string): Promise<void> {
    checkScope("releaseTokens", scope);
    const keys: Deno.KvKey[] = [];
    await this.#retryWhileLocked("releaseTokens", async () => {
      keys.length = 0;
      for await (const entry of this.#kv.list({ prefix: [this.#namespace, scope] })) keys.push(entry.key);
    });
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      await this.#retryWhileLocked("releaseTokens", async () => {
        const operation = this.#kv.atomic();
        for (const key of batch) operation.delete(key);
        await operation.commit();
      });
    }
  }

  /** Closes the file. */
  close(): Promise<void> {
    this.#kv.close();
    return Promise.resolve();
  }

  /** Counts the tokens of `scope` that expire after `now` (their keys sort after `[.., scope, now + 1]`). */
  async #countLive(scope: string, now: number): Promise<number> {
    let count = 0;
    const selector = { prefix: [this.#namespace, scope], start: [this.#namespace, scope, now + 1] };
    for await (const _ of this.#kv.list(selector, { batchSize: 500 })) count++;
    return count;
  }

  /** Runs `operation`, retrying with a short growing pause while SQLite reports the file locked. */
  async #retryWhileLocked<T>(method: string, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isLockedError(error) || attempt >= this.#lockRetries) {
          throw new Error(`kv token store '${this.#path}': ${method} failed: ${errorMessage(error)}`);
        }
        log.debug("{path} is locked, retry {attempt}", { path: this.#path, attempt: attempt + 1 });
        await sleep(Math.min(1 + attempt * attempt, 50) * (0.5 + Math.random()));
      }
    }
  }
}

function isLockedError(error: unknown): boolean {
  return error instanceof Error && /database is locked|database is busy/i.test(error.message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
