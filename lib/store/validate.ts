/**
 * Argument checks shared by every {@linkcode TokenStore} backend, so a plugin sees the same error whichever
 * store is configured.
 *
 * @module
 */
import type { TokenStore } from "./types.ts";

/** Thrown for a `takeToken` / `releaseTokens` call with an invalid scope or ttl; the plugin call reports it. */
export class TokenStoreArgumentError extends Error {
  /** Builds the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "TokenStoreArgumentError";
  }
}

/** The largest ttl accepted, in seconds: what a plugin's `i32` argument can hold. */
export const MAX_TTL_SECONDS = 2 ** 31 - 1;

/**
 * Throws {@linkcode TokenStoreArgumentError} unless `scope` is a non-empty string.
 *
 * @param method The store method being called, for the message (e.g. `takeToken`).
 */
export function checkScope(method: keyof TokenStore, scope: unknown): asserts scope is string {
  if (typeof scope !== "string" || scope.length === 0) {
    throw new TokenStoreArgumentError(
      `store.${method}: scope must be a non-empty string, got ${describe(scope)}`,
    );
  }
}

/**
 * Throws {@linkcode TokenStoreArgumentError} unless `ttlSeconds` is a whole number from 1 to
 * {@linkcode MAX_TTL_SECONDS}.
 */
export function checkTtl(ttlSeconds: unknown): asserts ttlSeconds is number {
  if (
    typeof ttlSeconds !== "number" || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0 ||
    ttlSeconds > MAX_TTL_SECONDS
  ) {
    throw new TokenStoreArgumentError(
      `store.takeToken: ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}, got ${
        describe(ttlSeconds)
      }`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  return value === null ? "null" : typeof value;
}
