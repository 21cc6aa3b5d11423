/**
 * The Teleport client for plugin tests: validates each lock like the real client, then keeps it in memory
 * so the test can read it back (`getLatestAPIRequest`). Nothing leaves the process.
 *
 * @module
 */
import type { TeleportClient } from "./types.ts";
import { checkLockRequest } from "./lock.ts";
import { bundledCodec, type LockV2, type ProtoCodec } from "../proto/codec.ts";

/** Options shared by the clients that validate locks. */
export interface LockClientOptions {
  /** The codec that decodes locks. Default: the shared bundled codec. */
  codec?: ProtoCodec;
  /** The clock for "Expires is in the future", in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** One accepted `upsertLock` call. */
export interface RecordedLock {
  /** The request bytes exactly as the plugin sent them. */
  bytes: Uint8Array;
  /** The decoded lock. */
  lock: LockV2;
}

/**
 * Records valid locks; rejects invalid ones with the same errors as the real client.
 *
 * @example
 * ```ts
 * import { RecordingTeleportClient } from "./record.ts";
 * const api = new RecordingTeleportClient();
 * // ... run a plugin with `api` ...
 * api.latest()?.lock.Spec.Target.User;
 * ```
 */
export class RecordingTeleportClient implements TeleportClient {
  /** The caller's codec; the shared bundled one (whose schema is parsed on first use) when undefined. */
  readonly #codec: ProtoCodec | undefined;
  readonly #now: () => number;
  readonly #requests: RecordedLock[] = [];

  /** Creates a client that keeps every lock in memory. */
  constructor(options: LockClientOptions = {}) {
    this.#codec = options.codec;
    this.#now = options.now ?? Date.now;
  }

  /** Validates and records the lock. */
  upsertLock(bytes: Uint8Array): Promise<void> {
    try {
      const lock = checkLockRequest(this.#codec ?? bundledCodec(), bytes, this.#now());
      this.#requests.push({ bytes: bytes.slice(), lock });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Every accepted call, oldest first. */
  get requests(): readonly RecordedLock[] {
    return this.#requests;
  }

  /** The latest accepted call, if any. */
  latest(): RecordedLock | undefined {
    return this.#requests.at(-1);
  }

  /** Forgets the recorded calls (e.g. between plugin tests). */
  clear(): void {
    this.#requests.length = 0;
  }

  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
