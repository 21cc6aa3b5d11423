/**
 * The Teleport client for trying a plugin against real events without touching the cluster: each valid lock
 * is logged and appended to a file as one JSON line, in Teleport's JSON form.
 *
 * @module
 */
import type { TeleportClient } from "./types.ts";
import { checkLockRequest, lockToJSON } from "./lock.ts";
import { bundledCodec, type ProtoCodec } from "../proto/codec.ts";
import type { LockClientOptions } from "./record.ts";
import { logger } from "../log.ts";
import { errorMessage } from "../error_message.ts";

const log = logger("api", "dry-run");

/**
 * Appends `{"time": RFC 3339, "method": "UpsertLock", "lock": {...}}` lines to a file.
 *
 * @example
 * ```ts
 * import { DryRunTeleportClient } from "./dry_run.ts";
 * const api = await DryRunTeleportClient.open("./locks.jsonl");
 * // ... run plugins with `api` ...
 * await api.close();
 * ```
 */
export class DryRunTeleportClient implements TeleportClient {
  readonly #file: Deno.FsFile;
  readonly #path: string;
  /** The caller's codec; the shared bundled one (whose schema is parsed on first use) when undefined. */
  readonly #codec: ProtoCodec | undefined;
  readonly #now: () => number;
  /** Writes are chained so that concurrent calls never interleave their lines. */
  #writes: Promise<void> = Promise.resolve();

  private constructor(file: Deno.FsFile, path: string, options: LockClientOptions) {
    this.#file = file;
    this.#path = path;
    this.#codec = options.codec;
    this.#now = options.now ?? Date.now;
  }

  /** Opens `path` for appending, creating it if needed. */
  static async open(path: string, options: LockClientOptions = {}): Promise<DryRunTeleportClient> {
    if (path === "") throw new Error("dry-run Teleport client: the file path is empty (write dry-run:PATH)");
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { append: true, create: true });
    } catch (error) {
      throw new Error(
        `dry-run Teleport client: cannot open '${path}': ${errorMessage(error)}`,
      );
    }
    return new DryRunTeleportClient(file, path, options);
  }

  /** Validates the lock, logs it and appends it to the file; resolves once the line is written. */
  upsertLock(bytes: Uint8Array): Promise<void> {
    let line: Uint8Array;
    try {
      const now = this.#now();
      const lock = checkLockRequest(this.#codec ?? bundledCodec(), bytes, now);
      const json = lockToJSON(lock);
      log.info("dry run: would upsert lock {name} targeting {target}", {
        name: lock.Metadata.Name,
        target: (json.spec as { target: unknown }).target,
      });
      const record = { time: new Date(now).toISOString(), method: "UpsertLock", lock: json };
      line = new TextEncoder().encode(JSON.stringify(record) + "\n");
    } catch (error) {
      return Promise.reject(error);
    }
    const write = this.#writes.then(() => writeAll(this.#file, line)).catch((error) => {
      throw new Error(
        `dry-run Teleport client: cannot write to '${this.#path}': ${errorMessage(error)}`,
      );
    });
    // The chain continues after a failed write; the failure is reported to that call only.
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#writes;
    this.#file.close();
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
}
