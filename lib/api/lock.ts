/**
 * Checks on the `types.LockV2` a plugin sends to `upsertLock`: decoding with the host codec, validation the
 * way Teleport's `LockV2.CheckAndSetDefaults` does it, and Teleport's JSON form for logs and dry runs.
 *
 * @module
 */
import { type LockTarget, type LockV2, type ProtoCodec, ProtoCodecError } from "../proto/codec.ts";
import { formatRfc3339, isZeroTime, type Timestamp, ZERO_TIME_SECONDS } from "../proto/timestamp.ts";

/** Thrown for bytes that are not a `types.LockV2`, or a lock Teleport would reject; the plugin sees it. */
export class InvalidLockError extends Error {
  /** Builds the error with its one-line message. */
  constructor(message: string) {
    super(`upsertLock: ${message}`);
    this.name = "InvalidLockError";
  }
}

/** The fields of `types.LockTarget`, in field-number order. */
export const LOCK_TARGET_FIELDS: readonly (keyof LockTarget)[] = Object.freeze([
  "User",
  "Role",
  "Login",
  "Node",
  "MFADevice",
  "WindowsDesktop",
  "AccessRequest",
  "Device",
  "ServerID",
]);

/** Teleport's JSON keys of the target fields (their gogoproto jsontags). */
const TARGET_JSON_KEYS: Readonly<Record<keyof LockTarget, string>> = {
  User: "user",
  Role: "role",
  Login: "login",
  Node: "node",
  MFADevice: "mfa_device",
  WindowsDesktop: "windows_desktop",
  AccessRequest: "access_request",
  Device: "device",
  ServerID: "server_id",
};

/** Teleport's label key pattern (`types.IsValidLabelKey`). */
const LABEL_KEY = /^[a-zA-Z/.0-9_*-]+$/;
/** 9999-12-31T23:59:59Z, the last second RFC 3339 (and Go) can write. */
const MAX_SECONDS = 253402300799n;

/**
 * Decodes the bytes of an `upsertLock` call and validates the lock; throws {@linkcode InvalidLockError}.
 *
 * @param now The current time in milliseconds since the epoch, for the expiry checks.
 * @example
 * ```ts
 * import { bundledCodec } from "../proto/codec.ts";
 * import { checkLockRequest } from "./lock.ts";
 * const codec = bundledCodec();
 * const bytes = codec.encodeLock({
 *   Kind: "lock", Version: "v2", Metadata: { Name: "lock-alice" }, Spec: { Target: { User: "alice" } },
 * });
 * checkLockRequest(codec, bytes, Date.now()).Spec.Target.User; // "alice"
 * ```
 */
export function checkLockRequest(codec: ProtoCodec, bytes: Uint8Array, now: number): LockV2 {
  let lock: LockV2;
  try {
    lock = codec.decodeLock(bytes);
  } catch (error) {
    if (error instanceof ProtoCodecError) throw new InvalidLockError(error.message);
    throw error;
  }
  validateLock(lock, now);
  return lock;
}

/**
 * Throws {@linkcode InvalidLockError} unless Teleport would accept `lock`: Kind `lock` and Version `v2`
 * (or empty: Teleport fills them in), a Metadata.Name, valid label keys, at least one target field, and
 * expiry times, when set, after `now` (milliseconds since the epoch).
 */
export function validateLock(lock: LockV2, now: number): void {
  if (lock.Kind !== "" && lock.Kind !== "lock") {
    throw new InvalidLockError(`Kind must be "lock", got ${JSON.stringify(lock.Kind)}`);
  }
  if (lock.Version !== "" && lock.Version !== "v2") {
    throw new InvalidLockError(`Version must be "v2", got ${JSON.stringify(lock.Version)}`);
  }
  if (!lock.Metadata.Name) throw new InvalidLockError("Metadata.Name is required");
  for (const key of Object.keys(lock.Metadata.Labels ?? {})) {
    if (!LABEL_KEY.test(key)) {
      throw new InvalidLockError(`Metadata.Labels key ${JSON.stringify(key)} is not a valid label key`);
    }
  }
  if (!LOCK_TARGET_FIELDS.some((field) => lock.Spec.Target[field])) {
    throw new InvalidLockError(
      `at least one Spec.Target field must be set (${LOCK_TARGET_FIELDS.join(", ")})`,
    );
  }
  checkFuture("Spec.Expires", complete(lock.Spec.Expires), now);
  checkFuture("Metadata.Expires", complete(lock.Metadata.Expires), now);
  const createdAt = complete(lock.Spec.CreatedAt);
  if (createdAt) checkRange("Spec.CreatedAt", createdAt);
}

/**
 * A lock as Teleport renders it in JSON (`tctl get lock` keys), with the Kind and Version Teleport fills
 * in when they are empty, and without Go's zero time in `created_at`.
 */
export function lockToJSON(lock: LockV2): Record<string, unknown> {
  const { Metadata: metadata, Spec: spec } = lock;
  const target: Record<string, string> = {};
  for (const field of LOCK_TARGET_FIELDS) {
    const value = spec.Target[field];
    if (value) target[TARGET_JSON_KEYS[field]] = value;
  }
  return omitEmpty({
    kind: lock.Kind || "lock",
    sub_kind: lock.SubKind,
    version: lock.Version || "v2",
    metadata: omitEmpty({
      name: metadata.Name,
      description: metadata.Description,
      labels: metadata.Labels && Object.keys(metadata.Labels).length > 0 ? metadata.Labels : undefined,
      expires: rfc3339(metadata.Expires),
      revision: metadata.Revision,
    }),
    spec: omitEmpty({
      target,
      message: spec.Message,
      expires: rfc3339(spec.Expires),
      created_at: rfc3339(spec.CreatedAt, { omitZeroTime: true }),
      created_by: spec.CreatedBy,
    }),
  });
}

/**
 * The codec leaves proto3 defaults out, so a decoded Timestamp may lack `seconds` (1970) or `nanos` (0)
 * even though the type says otherwise.
 */
function complete(time: Partial<Timestamp> | undefined): Timestamp | undefined {
  return time && { seconds: time.seconds ?? 0n, nanos: time.nanos ?? 0 };
}

function rfc3339(time: Partial<Timestamp> | undefined, options: { omitZeroTime?: boolean } = {}) {
  const full = complete(time);
  if (full === undefined || (options.omitZeroTime && isZeroTime(full))) return undefined;
  return formatRfc3339(full);
}

function checkFuture(field: string, time: Timestamp | undefined, now: number): void {
  if (time === undefined) return;
  checkRange(field, time);
  if (Number(time.seconds) * 1000 + time.nanos / 1e6 <= now) {
    throw new InvalidLockError(
      `${field} ${formatRfc3339(time)} is not in the future (now ${new Date(now).toISOString()})`,
    );
  }
}

function checkRange(field: string, time: Timestamp): void {
  if (!Number.isInteger(time.nanos) || time.nanos < 0 || time.nanos > 999_999_999) {
    throw new InvalidLockError(`${field} has nanos ${time.nanos}, outside 0..999999999`);
  }
  if (time.seconds < ZERO_TIME_SECONDS || time.seconds > MAX_SECONDS) {
    throw new InvalidLockError(`${field} has seconds ${time.seconds}, outside years 1 to 9999`);
  }
}

/** Drops keys whose value is undefined or an empty string, as Go's `omitempty` does. */
function omitEmpty(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).filter(([, value]) => value !== undefined && value !== ""),
  );
}
