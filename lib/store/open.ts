/**
 * The one place where a token store spec (`--store`) is parsed and opened:
 *
 * - `memory`: this process only, lost on exit (default for `test`)
 * - `kv:PATH`: a Deno KV file, survives restarts (default for `run`)
 * - `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` (or `rediss://` for TLS): shared by several processes
 *
 * @module
 */
import type { TokenStore } from "./types.ts";
import { MemoryTokenStore } from "./memory.ts";
import { KvTokenStore } from "./kv.ts";
import type { RedisTokenStoreOptions } from "./redis.ts";

/** A parsed token store spec. */
export type TokenStoreSpec =
  | { kind: "memory" }
  | { kind: "kv"; path: string }
  | { kind: "redis"; redis: RedisTokenStoreOptions };

/** Thrown by {@linkcode parseTokenStoreSpec} for a spec it cannot read; the message quotes the spec. */
export class TokenStoreSpecError extends Error {
  /** Builds the error for `spec` (shown with its password hidden) and the reason it was refused. */
  constructor(spec: string, reason: string) {
    super(`invalid token store '${redact(spec)}': ${reason}`);
    this.name = "TokenStoreSpecError";
  }
}

/** The forms a spec can take, for help texts and error hints. */
export const TOKEN_STORE_SPEC_FORMS = "memory, kv:PATH or redis://HOST:PORT/DB";

/**
 * Parses a token store spec.
 *
 * @example
 * ```ts
 * import { parseTokenStoreSpec } from "./open.ts";
 * parseTokenStoreSpec("redis://127.0.0.1:6379/2");
 * // { kind: "redis", redis: { host: "127.0.0.1", port: 6379, db: 2, ... } }
 * ```
 */
export function parseTokenStoreSpec(spec: string): TokenStoreSpec {
  if (spec === "memory") return { kind: "memory" };
  if (spec.startsWith("kv:")) {
    const path = spec.slice("kv:".length);
    if (path === "") throw new TokenStoreSpecError(spec, "the Deno KV file path is missing (kv:PATH)");
    return { kind: "kv", path };
  }
  if (spec.startsWith("redis://") || spec.startsWith("rediss://")) {
    return { kind: "redis", redis: parseRedis(spec) };
  }
  throw new TokenStoreSpecError(spec, `expected ${TOKEN_STORE_SPEC_FORMS}`);
}

/** Options for {@linkcode openTokenStore}. */
export interface OpenTokenStoreOptions {
  /** Clock for the memory and kv stores, in milliseconds since the epoch (Redis uses the server's clock). */
  now?: () => number;
}

/**
 * Parses `spec` (unless already parsed) and opens the store it names. Rejects with a message naming the spec
 * when it is malformed or the store cannot be opened.
 *
 * @example
 * ```ts
 * import { openTokenStore } from "./open.ts";
 * const store = await openTokenStore("kv:./tokens.kv");
 * await store.takeToken("alice", 60);
 * await store.close();
 * ```
 */
export async function openTokenStore(
  spec: string | TokenStoreSpec,
  options: OpenTokenStoreOptions = {},
): Promise<TokenStore> {
  const parsed = typeof spec === "string" ? parseTokenStoreSpec(spec) : spec;
  switch (parsed.kind) {
    case "memory":
      return new MemoryTokenStore({ now: options.now });
    case "kv":
      return await KvTokenStore.open(parsed.path, { now: options.now });
    case "redis": {
      // Loaded on use: ioredis's `debug` dependency reads the whole environment when imported, which would
      // make every command need --allow-env.
      const { RedisTokenStore } = await import("./redis.ts");
      return await RedisTokenStore.open(parsed.redis);
    }
  }
}

function parseRedis(spec: string): RedisTokenStoreOptions {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new TokenStoreSpecError(spec, "not a valid URL (expected redis://HOST:PORT/DB)");
  }
  if (url.hostname === "") throw new TokenStoreSpecError(spec, "the host is missing (redis://HOST:PORT/DB)");
  if (url.search !== "" || url.hash !== "") {
    throw new TokenStoreSpecError(spec, "query strings and fragments are not supported");
  }
  const dbText = url.pathname.replace(/^\//, "");
  if (dbText !== "" && !/^\d+$/.test(dbText)) {
    throw new TokenStoreSpecError(spec, `the database must be a number, got '${dbText}'`);
  }
  return {
    // URL keeps the brackets of an IPv6 address; the socket needs it without.
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? 6379 : Number(url.port),
    db: dbText === "" ? 0 : Number(dbText),
    username: url.username === "" ? undefined : decodeURIComponent(url.username),
    password: url.password === "" ? undefined : decodeURIComponent(url.password),
    tls: url.protocol === "rediss:",
  };
}

/** Hides a password in a spec before it is shown in a message. */
function redact(spec: string): string {
  return spec.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}
