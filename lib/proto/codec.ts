/**
 * The host's protobuf codec: encodes and decodes `events.OneOf`, the plugin contract
 * (`plugin.HandleEventRequest` / `plugin.HandleEventResponse`) and `types.LockV2`, plus any message of a
 * schema by its fully qualified name. Built on protobufjs.
 *
 * Messages are plain objects keyed by the `.proto` field names ({@linkcode ProtoMessage}):
 * 64-bit integers are `bigint` (numbers and decimal strings are accepted on encode), enums are numbers (names
 * are accepted on encode), bytes are `Uint8Array`, maps are objects, and unset fields are absent (proto3
 * defaults are not on the wire: a decoded Timestamp with zero nanos is `{ seconds }`).
 * Encoding validates every value and names the offending field path; it never coerces silently.
 *
 * Unknown fields: protobufjs drops fields and OneOf members the schema lacks when it decodes. So the host
 * never re-encodes an event it only read: it keeps the original bytes and forwards those unchanged, and
 * {@linkcode ProtoCodec.decodeHandleEventResponse} returns the raw bytes of the returned event
 * (`eventBytes`, exactly as the plugin wrote them, unknown fields included). Use
 * {@linkcode ProtoCodec.unknownFieldNumbers} to tell whether a message carries fields the schema lacks.
 *
 * @module
 */
import protobuf from "protobufjs";
import { bundledSchema } from "./schema.ts";
import type { Timestamp } from "./timestamp.ts";
import { editDistance } from "../edit_distance.ts";
import { errorMessage } from "../error_message.ts";

/** A field value of a {@linkcode ProtoMessage}. */
export type ProtoValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | ProtoMessage
  | readonly ProtoValue[];

/** A message as a plain object keyed by `.proto` field names; maps are plain objects too. */
export interface ProtoMessage {
  /** A field's value; `null` or `undefined` when unset. */
  [field: string]: ProtoValue | null | undefined;
}

/** An `events.OneOf`: at most one key, the member name (`UserLogin`, `SessionStart`, ...), set. */
export type EventOneOf = ProtoMessage;

/** The member set in an `events.OneOf`: its name (equal to its message name) and its message. */
export interface OneOfMember {
  /** Member (and message) name, e.g. `UserLogin`. */
  name: string;
  /** The event message. */
  message: ProtoMessage;
}

/** `plugin.HandleEventResponse` as decoded by the host. */
export interface HandleEventResponse {
  /** `false` when the plugin failed; `Error` says why. */
  Success: boolean;
  /** The plugin's error message; empty on success. */
  Error: string;
  /**
   * The event to forward, decoded; absent when the plugin drops the event (or when not asked for). Fields
   * unknown to the schema are lost here: forward `eventBytes`.
   */
  Event?: EventOneOf;
  /** The exact bytes of `Event` as the plugin wrote them (unknown fields included); absent with `Event`. */
  eventBytes?: Uint8Array;
}

/** `types.LockTarget`: the interactions a lock applies to (every set field must match). */
export interface LockTarget {
  /** Locks this user. */
  User?: string;
  /** Locks users holding this role. */
  Role?: string;
  /** Locks this OS login. */
  Login?: string;
  /** Deprecated by Teleport: use `ServerID`. */
  Node?: string;
  /** Locks this MFA device (by id). */
  MFADevice?: string;
  /** Locks this Windows desktop. */
  WindowsDesktop?: string;
  /** Locks this access request (by id). */
  AccessRequest?: string;
  /** Locks this trusted device (by id). */
  Device?: string;
  /** Locks this server (by UUID). */
  ServerID?: string;
}

/** `types.Metadata`: the metadata common to Teleport resources (not the audit event `events.ResourceMetadata`). */
export interface TypesMetadata {
  /** Required by Teleport. */
  Name: string;
  /** The resource namespace, normally `default`. */
  Namespace?: string;
  /** Free text. */
  Description?: string;
  /** Labels of the resource. */
  Labels?: Record<string, string>;
  /** Absent: never expires. */
  Expires?: Timestamp;
  /** Backend revision. */
  Revision?: string;
}

/** `types.LockSpecV2`. */
export interface LockSpecV2 {
  /** What the lock applies to. */
  Target: LockTarget;
  /** Shown to the locked user. */
  Message?: string;
  /** Absent: the lock lasts until deleted. */
  Expires?: Timestamp;
  /** When the lock was created. */
  CreatedAt?: Timestamp;
  /** Who created the lock. */
  CreatedBy?: string;
}

/** `types.LockV2`: a lock resource (`Kind` "lock", `Version` "v2"). */
export interface LockV2 {
  /** Always `lock`. */
  Kind: string;
  /** Unused by locks. */
  SubKind?: string;
  /** Always `v2`. */
  Version: string;
  /** The lock's name and expiry. */
  Metadata: TypesMetadata;
  /** What is locked, why and until when. */
  Spec: LockSpecV2;
}

/** Thrown when a message cannot be encoded or decoded; the message names the type and the field path. */
export class ProtoCodecError extends Error {
  /** Builds the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "ProtoCodecError";
  }
}

/**
 * Encodes and decodes messages of one protobufjs root.
 *
 * @example
 * ```ts
 * import { bundledCodec } from "./codec.ts";
 * const codec = bundledCodec();
 * const bytes = codec.encodeEvent({ UserLogin: { Metadata: { Type: "user.login", Index: 1n } } });
 * codec.oneOfMember(codec.decodeEvent(bytes))?.name; // "UserLogin"
 * ```
 */
export class ProtoCodec {
  readonly #root: protobuf.Root;
  readonly #types = new Map<string, protobuf.Type>();

  /**
   * Creates a codec for the messages of `root`.
   *
   * @param root a resolved root that contains at least the messages you encode or decode.
   */
  constructor(root: protobuf.Root) {
    this.#root = root;
  }

  /** The reflection type of a fully qualified message name, e.g. `events.SessionStart`. */
  type(typeName: string): protobuf.Type {
    let type = this.#types.get(typeName);
    if (!type) {
      try {
        type = this.#root.lookupType(typeName);
      } catch {
        throw new ProtoCodecError(`unknown message type '${typeName}'`);
      }
      this.#types.set(typeName, type);
    }
    return type;
  }

  /**
   * Encodes a message of `typeName`. Proto3 default values are left out, as usual.
   *
   * @throws {ProtoCodecError} naming the field path of any value of the wrong kind or any unknown field.
   */
  encode(typeName: string, message: ProtoMessage): Uint8Array {
    const type = this.type(typeName);
    const encodable = toEncodable(type, message, typeName);
    return ownedCopy(type.encode(encodable).finish());
  }

  /**
   * Decodes a message of `typeName`; unset fields are absent from the result.
   *
   * @throws {ProtoCodecError} on malformed input (truncated, bad wire type, ...).
   */
  decode(typeName: string, bytes: Uint8Array): ProtoMessage {
    const type = this.type(typeName);
    try {
      // A private copy: protobufjs returns bytes fields as views into its input.
      const decoded = type.decode(new Uint8Array(bytes));
      return type.toObject(decoded, { longs: BigInt }) as ProtoMessage;
    } catch (e) {
      throw new ProtoCodecError(`cannot decode ${typeName}: ${errorMessage(e)}`);
    }
  }

  /** Encodes an `events.OneOf`. */
  encodeEvent(event: EventOneOf): Uint8Array {
    return this.encode("events.OneOf", event);
  }

  /** Decodes an `events.OneOf` (members unknown to the schema are dropped; see the module notes). */
  decodeEvent(bytes: Uint8Array): EventOneOf {
    return this.decode("events.OneOf", bytes);
  }

  /** The member set in an `events.OneOf`, or `undefined` when none is (or none the schema knows). */
  oneOfMember(event: EventOneOf): OneOfMember | undefined {
    const oneOf = this.type("events.OneOf");
    for (const [name, value] of Object.entries(event)) {
      if (oneOf.fields[name] && isPlainObject(value)) return { name, message: value as ProtoMessage };
    }
    return undefined;
  }

  /**
   * Encodes a `plugin.HandleEventRequest`. Given bytes, they are embedded as they are, so fields unknown to
   * the schema reach the plugin intact.
   */
  encodeHandleEventRequest(event: Uint8Array | EventOneOf): Uint8Array {
    const eventBytes = event instanceof Uint8Array ? event : this.encodeEvent(event);
    return lengthDelimitedField(1, eventBytes);
  }

  /** Encodes a `plugin.HandleEventResponse`; `Event` as bytes is embedded as it is. */
  encodeHandleEventResponse(response: {
    Success: boolean;
    Error?: string;
    Event?: Uint8Array | EventOneOf;
  }): Uint8Array {
    const head = this.encode("plugin.HandleEventResponse", {
      Success: response.Success,
      Error: response.Error ?? "",
    });
    if (response.Event === undefined) return head;
    const eventBytes = response.Event instanceof Uint8Array
      ? response.Event
      : this.encodeEvent(response.Event);
    return concat(head, lengthDelimitedField(3, eventBytes));
  }

  /**
   * Decodes a `plugin.HandleEventResponse`, keeping the raw bytes of the returned event.
   *
   * @param options.decodeEvent `false` skips decoding `Event` (only `eventBytes` is set): enough to forward
   *   the event or to compare it with the one sent. Default `true`.
   */
  decodeHandleEventResponse(bytes: Uint8Array, options: { decodeEvent?: boolean } = {}): HandleEventResponse {
    const typeName = "plugin.HandleEventResponse";
    const eventParts: Uint8Array[] = [];
    const otherFields: Uint8Array[] = [];
    for (const field of scanFields(bytes, typeName)) {
      if (field.number !== 3) otherFields.push(bytes.subarray(field.start, field.end));
      else if (field.wireType === WIRE_LEN) eventParts.push(bytes.subarray(field.valueStart, field.end));
      else {throw new ProtoCodecError(
          `cannot decode ${typeName}: Event (field 3) has wire type ${field.wireType}`,
        );}
    }
    const head = this.decode(typeName, concat(...otherFields));
    const response: HandleEventResponse = {
      Success: head.Success === true,
      Error: typeof head.Error === "string" ? head.Error : "",
    };
    if (eventParts.length > 0) {
      // Repeated occurrences of a message field merge, which for the wire format is concatenation.
      response.eventBytes = concat(...eventParts);
      if (options.decodeEvent !== false) response.Event = this.decodeEvent(response.eventBytes);
    }
    return response;
  }

  /** Encodes a `types.LockV2` (does not fill in `Kind`/`Version`: Teleport requires "lock" and "v2"). */
  encodeLock(lock: LockV2): Uint8Array {
    return this.encode("types.LockV2", lock as unknown as ProtoMessage);
  }

  /**
   * Decodes a `types.LockV2`: absent strings come back empty, nested messages present, timestamps with both
   * `seconds` and `nanos`.
   */
  decodeLock(bytes: Uint8Array): LockV2 {
    const m = this.decode("types.LockV2", bytes) as Partial<LockV2>;
    const metadata = (m.Metadata ?? {}) as Partial<TypesMetadata>;
    const spec = (m.Spec ?? {}) as Partial<LockSpecV2>;
    const lock: LockV2 = {
      ...m,
      Kind: m.Kind ?? "",
      Version: m.Version ?? "",
      Metadata: { ...metadata, Name: metadata.Name ?? "" },
      Spec: { ...spec, Target: spec.Target ?? {} },
    };
    for (const holder of [lock.Metadata, lock.Spec] as unknown as { [key: string]: unknown }[]) {
      for (const key of ["Expires", "CreatedAt"]) {
        const ts = holder[key] as Partial<Timestamp> | undefined;
        if (ts) holder[key] = { seconds: ts.seconds ?? 0n, nanos: ts.nanos ?? 0 };
      }
    }
    return lock;
  }

  /**
   * Numbers of the top-level fields in `bytes` that `typeName` does not declare, in order of appearance:
   * for an `events.OneOf`, a non-empty result means an event type this schema does not know.
   *
   * @throws {ProtoCodecError} on malformed input.
   */
  unknownFieldNumbers(typeName: string, bytes: Uint8Array): number[] {
    const type = this.type(typeName);
    return scanFields(bytes, typeName).map((f) => f.number).filter((n) => !type.fieldsById[n]);
  }

  /**
   * The closest declared field name to `name` (case-insensitive match first, then edit distance),
   * for "did you mean" hints; `undefined` when nothing is close.
   */
  suggestField(typeName: string, name: string): string | undefined {
    return closestName(name, Object.keys(this.type(typeName).fields));
  }
}

let sharedCodec: ProtoCodec | undefined;

/** A codec over the shared bundled schema (created on first use). */
export function bundledCodec(): ProtoCodec {
  sharedCodec ??= new ProtoCodec(bundledSchema().root);
  return sharedCodec;
}

// ---- validation: native values -> what protobufjs's encoder expects ----

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const SIGNED_64 = new Set(["int64", "sint64", "sfixed64"]);
const UNSIGNED_64 = new Set(["uint64", "fixed64"]);
const SIGNED_32 = new Set(["int32", "sint32", "sfixed32"]);
const UNSIGNED_32 = new Set(["uint32", "fixed32"]);

function typeNameOf(type: protobuf.Type): string {
  return type.fullName.replace(/^\./, "");
}

function fail(path: string, message: string): never {
  throw new ProtoCodecError(`${path}: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Uint8Array);
}

function toEncodable(type: protobuf.Type, value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(path, `expected an object (${typeNameOf(type)}), got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  const oneofSet = new Map<string, string>();
  for (const [key, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined || fieldValue === null) continue;
    const field = type.fields[key];
    const fieldPath = `${path}.${key}`;
    if (!field) {
      const hint = closestName(key, Object.keys(type.fields));
      fail(fieldPath, `no such field in ${typeNameOf(type)}${hint ? ` (did you mean '${hint}'?)` : ""}`);
    }
    field.resolve();
    if (field.partOf) {
      const other = oneofSet.get(field.partOf.name);
      if (other) fail(fieldPath, `'${other}' of the same oneof '${field.partOf.name}' is already set`);
      oneofSet.set(field.partOf.name, key);
    }
    out[key] = encodableField(field, fieldValue, fieldPath);
  }
  return out;
}

function encodableField(field: protobuf.Field, value: unknown, path: string): unknown {
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) fail(path, `expected an object (map), got ${describe(value)}`);
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      const entryPath = `${path}[${JSON.stringify(key)}]`;
      checkMapKey(field.keyType, key, entryPath);
      if (entry === undefined || entry === null) fail(entryPath, "map values cannot be null");
      out[key] = encodableSingle(field, entry, entryPath);
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
    return value.map((item, i) => encodableSingle(field, item, `${path}[${i}]`));
  }
  return encodableSingle(field, value, path);
}

function encodableSingle(field: protobuf.Field, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return toEncodable(resolved, value, path);
  if (resolved instanceof protobuf.Enum) return enumNumber(resolved, value, path);
  return scalar(field.type, value, path);
}

function enumNumber(enumType: protobuf.Enum, value: unknown, path: string): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
      fail(path, `enum ${enumType.name} value ${value} is not a 32-bit integer`);
    }
    return value;
  }
  if (typeof value === "string") {
    const number = enumType.values[value];
    if (number === undefined) {
      const hint = closestName(value, Object.keys(enumType.values));
      fail(
        path,
        `'${value}' is not a value of enum ${enumType.name}${hint ? ` (did you mean '${hint}'?)` : ""}`,
      );
    }
    return number;
  }
  return fail(path, `expected an enum ${enumType.name} number or name, got ${describe(value)}`);
}

function scalar(kind: string, value: unknown, path: string): unknown {
  switch (kind) {
    case "string":
      if (typeof value !== "string") fail(path, `expected a string, got ${describe(value)}`);
      return value;
    case "bool":
      if (typeof value !== "boolean") fail(path, `expected a boolean, got ${describe(value)}`);
      return value;
    case "bytes":
      if (!(value instanceof Uint8Array)) fail(path, `expected a Uint8Array (bytes), got ${describe(value)}`);
      return value;
    case "double":
    case "float":
      if (typeof value !== "number") fail(path, `expected a number, got ${describe(value)}`);
      return value;
  }
  if (SIGNED_32.has(kind) || UNSIGNED_32.has(kind)) {
    const [min, max] = SIGNED_32.has(kind) ? [INT32_MIN, INT32_MAX] : [0, UINT32_MAX];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      fail(path, `expected an integer in ${min}..${max} (${kind}), got ${describe(value)}`);
    }
    return value;
  }
  if (SIGNED_64.has(kind) || UNSIGNED_64.has(kind)) {
    const [min, max] = SIGNED_64.has(kind) ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
    const big = toBigInt(value);
    if (big === undefined || big < min || big > max) {
      fail(
        path,
        `expected an integer in ${min}..${max} (${kind}; bigint, safe integer or decimal string), got ${
          describe(value)
        }`,
      );
    }
    // protobufjs takes 64-bit values exactly as decimal strings.
    return big.toString();
  }
  return fail(path, `unsupported field type '${kind}'`);
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === "string" && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  return undefined;
}

function checkMapKey(keyType: string, key: string, path: string): void {
  if (keyType === "string") return;
  if (keyType === "bool") {
    if (key !== "true" && key !== "false") fail(path, `map key must be "true" or "false"`);
    return;
  }
  if (!/^-?\d+$/.test(key)) fail(path, `map key must be an integer (${keyType})`);
  scalar(keyType, SIGNED_64.has(keyType) || UNSIGNED_64.has(keyType) ? key : Number(key), path);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "bytes";
  if (typeof value === "string") {
    return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/**
 * The candidate closest to `name`: a case-insensitive match, an enum value with that suffix, else the
 * smallest edit distance if small. For "did you mean" hints.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower) ??
    // Enum values carry a prefix: "HUMAN" means "USER_KIND_HUMAN".
    candidates.find((c) => c.toLowerCase().endsWith(`_${lower}`));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

// ---- wire-level helpers (for raw bytes the schema may not fully describe) ----

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

interface RawField {
  number: number;
  wireType: number;
  /** Offset of the field's tag. */
  start: number;
  /** Offset of the value (after the tag, and after the length for length-delimited fields). */
  valueStart: number;
  /** Offset just past the field. */
  end: number;
}

/** Splits a message into its top-level fields without interpreting them. */
function scanFields(bytes: Uint8Array, typeName: string): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  const malformed = (why: string): never => {
    throw new ProtoCodecError(`cannot decode ${typeName}: ${why} at offset ${pos}`);
  };
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) malformed("truncated varint");
      const b = bytes[pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    return malformed("varint longer than 10 bytes");
  };
  while (pos < bytes.length) {
    const start = pos;
    const tag = varint();
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (number === 0) malformed("field number 0");
    let valueStart = pos;
    switch (wireType) {
      case WIRE_VARINT:
        varint();
        break;
      case WIRE_I64:
        pos += 8;
        break;
      case WIRE_LEN: {
        const length = varint();
        valueStart = pos;
        pos += length;
        break;
      }
      case WIRE_I32:
        pos += 4;
        break;
      default:
        malformed(`unsupported wire type ${wireType} (field ${number})`);
    }
    if (pos > bytes.length) malformed(`field ${number} runs past the end`);
    fields.push({ number, wireType, start, valueStart, end: pos });
  }
  return fields;
}

function lengthDelimitedField(number: number, value: Uint8Array): Uint8Array {
  const header: number[] = [];
  for (let n of [(number << 3) | WIRE_LEN, value.length]) {
    while (n > 0x7f) {
      header.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    header.push(n);
  }
  const out = new Uint8Array(header.length + value.length);
  out.set(header);
  out.set(value, header.length);
  return out;
}

/**
 * A plain Uint8Array with its own ArrayBuffer. protobufjs hands out Node Buffers and views into shared
 * pools; a caller transferring such a buffer to a worker would detach memory that is not its own.
 */
function ownedCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
