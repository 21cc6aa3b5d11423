/**
 * The Teleport API interface behind the plugin's `api.upsertLock`.
 *
 * @module
 */

/** Calls Teleport on a plugin's behalf. Implementations: record (tests), dry-run, gRPC. */
export interface TeleportClient {
  /**
   * Creates or updates a lock. `lock` is a protobuf-encoded `types.LockV2` exactly as the plugin sent it;
   * implementations validate it and reject with a clear error that the plugin call then reports.
   */
  upsertLock(lock: Uint8Array): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
