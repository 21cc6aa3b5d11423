/**
 * A token store in Redis (or Valkey), for several `run` processes sharing counts.
 *
 * Each scope is one sorted set whose members are tokens scored by their expiry time in milliseconds.
 * `takeToken` is one Lua script, so it is atomic: drop expired tokens, add the new one, set the key to expire
 * with its last token, count. Times come from the server's clock (`TIME`), so clients with skewed clocks
 * still agree; expiry is enforced on every read, not only by Redis's key expiry.
 *
 * @module
 */
import { Redis } from "ioredis";
import type { TokenStore } from "./types.ts";
import { checkScope, checkTtl } from "./validate.ts";
import { errorMessage } from "../error_message.ts";

/** Where and how to connect; {@linkcode parseTokenStoreSpec} builds this from `redis://HOST:PORT/DB`. */
export interface RedisTokenStoreOptions {
  /** Server host name or address. */
  host: string;
  /** Server port. Default 6379. */
  port?: number;
  /** Database number. Default 0. */
  db?: number;
  /** ACL user name, if the server requires one. */
  username?: string;
  /** Password, if the server requires one. */
  password?: string;
  /** Connect with TLS (`rediss://`). Default false. */
  tls?: boolean;
  /** Prepended to every scope to form its key. Default `teleport-plugin-framework:tokens:`. */
  keyPrefix?: string;
  /** Give up connecting (and each command) after this many milliseconds. Default 5000. */
  timeoutMs?: number;
}

const DEFAULT_KEY_PREFIX = "teleport-plugin-framework:tokens:";

/**
 * KEYS[1]: the scope's sorted set. ARGV[1]: ttl in milliseconds. ARGV[2]: a member unique to this token.
 * Scores are formatted with %.0f because Lua would print large numbers in exponent notation.
 */
const TAKE_TOKEN_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[1])), ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', tonumber(last[2])))
return redis.call('ZCARD', KEYS[1])
`;

/**
 * Token store backed by Redis sorted sets.
 *
 * @example
 * ```ts
 * import { RedisTokenStore } from "./redis.ts";
 * const store = await RedisTokenStore.open({ host: "127.0.0.1", port: 6379, db: 0 });
 * const attempts = await store.takeToken("login-failures/alice", 300);
 * await store.close();
 * ```
 */
export class RedisTokenStore implements TokenStore {
  readonly #redis: Redis;
  readonly #label: string;
  readonly #keyPrefix: string;
  /** Members are `<client id>:<sequence>`: unique without asking the server or the random generator per call. */
  readonly #clientId = crypto.randomUUID();
  #sequence = 0;
  #scriptSha: string;
  readonly #connection: ConnectionState;

  private constructor(
    redis: Redis,
    label: string,
    keyPrefix: string,
    scriptSha: string,
    connection: ConnectionState,
  ) {
    this.#redis = redis;
    this.#connection = connection;
    this.#label = label;
    this.#keyPrefix = keyPrefix;
    this.#scriptSha = scriptSha;
  }

  /** Connects, loads the script, and resolves once the server answers; rejects with the reason otherwise. */
  static async open(options: RedisTokenStoreOptions): Promise<RedisTokenStore> {
    const port = options.port ?? 6379;
    const db = options.db ?? 0;
    const timeoutMs = options.timeoutMs ?? 5000;
    const label = `redis://${options.host}:${port}/${db}`;
    const redis = new Redis({
      host: options.host,
      port,
      db,
      username: options.username,
      password: options.password,
      tls: options.tls ? { servername: options.host } : undefined,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      // A command fails after one reconnection attempt instead of waiting forever for the server.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 100, 2000),
    });
    // Connection errors reach callers through rejected commands; without a listener ioredis would print
    // them. The socket's own error (e.g. ECONNREFUSED) says more than "Connection is closed", so keep it.
    const connection: ConnectionState = {};
    redis.on("error", (error) => connection.lastError = error);
    redis.on("ready", () => connection.lastError = undefined);
    try {
      await redis.connect();
      const sha = await redis.script("LOAD", TAKE_TOKEN_SCRIPT) as string;
      return new RedisTokenStore(redis, label, options.keyPrefix ?? DEFAULT_KEY_PREFIX, sha, connection);
    } catch (error) {
      redis.disconnect();
      throw new Error(
        `redis token store: cannot connect to ${label}: ${errorMessage(connection.lastError ?? error)}`,
      );
    }
  }

  /** Adds a token to `scope` that expires after `ttlSeconds`; resolves to the scope's live token count. */
  async takeToken(scope: string, ttlSeconds: number): Promise<number> {
    checkScope("takeToken", scope);
    checkTtl(ttlSeconds);
    const key = this.#keyPrefix + scope;
    const member = `${this.#clientId}:${this.#sequence++}`;
    const ttlMs = String(ttlSeconds * 1000);
    try {
      return await this.#redis.evalsha(this.#scriptSha, 1, key, ttlMs, member) as number;
    } catch (error) {
      if (!errorMessage(error).startsWith("NOSCRIPT")) throw this.#failure("takeToken", error);
    }
    // The server lost its script cache (restart or SCRIPT FLUSH): load the script again, once.
    try {
      this.#scriptSha = await this.#redis.script("LOAD", TAKE_TOKEN_SCRIPT) as string;
      return await this.#redis.evalsha(this.#scriptSha, 1, key, ttlMs, member) as number;
    } catch (error) {
      throw this.#failure("takeToken", error);
    }
  }

  /** Removes every token of `scope`. */
  async releaseTokens(scope: string): Promise<void> {
    checkScope("releaseTokens", scope);
    try {
      await this.#redis.del(this.#keyPrefix + scope);
    } catch (error) {
      throw this.#failure("releaseTokens", error);
    }
  }

  /** Closes the connection after pending commands. */
  async close(): Promise<void> {
    try {
      await this.#redis.quit();
    } catch {
      // Already disconnected: nothing left to release.
      this.#redis.disconnect();
    }
  }

  #failure(method: string, error: unknown): Error {
    const cause = this.#connection.lastError;
    const detail = cause === undefined ? "" : ` (connection: ${errorMessage(cause)})`;
    return new Error(`redis token store ${this.#label}: ${method} failed: ${errorMessage(error)}${detail}`);
  }
}

/** The socket's latest error, cleared once connected again: it says why commands fail. */
interface ConnectionState {
  lastError?: unknown;
}
