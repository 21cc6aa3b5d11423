/**
 * The fixture file format of the original plugin framework, and the JSON form of messages it uses:
 *
 * ```json
 * { "name": "events.user_create", "type": "types.OneOf", "description": "User created",
 *   "data": { "UserCreate": { "Metadata": { "Index": 1, "Type": "user.create",
 *             "Time": "2021-12-17T17:11:33+03:00" }, "Roles": ["test-user"] } } }
 * ```
 *
 * `data` is a message in protobuf-JSON style keyed by `.proto` field names, with nested objects (not
 * Teleport's flattened audit JSON). Values: RFC 3339 timestamps (up to 9 fraction digits, any offset),
 * `google.protobuf.Struct`/`Value`/`ListValue` as plain JSON, wrapper types as plain values, durations as
 * `"1.5s"`, 64-bit integers as numbers or decimal strings, enums by name or number, bytes as base64, maps as
 * objects; `null` means unset. `type` names the message; `types.OneOf` (the original framework's name) and
 * `events.OneOf` both mean the event envelope.
 *
 * Errors name the file and the field path, e.g.
 * `fixtures/3-x.json: data.AccessRequestCreate.Metadata.Time: invalid RFC 3339 time "yesterday"`.
 *
 * @module
 */
import protobuf from "protobufjs";
import { bundledCodec, closestName, type ProtoCodec, type ProtoMessage, type ProtoValue } from "./codec.ts";
import { formatRfc3339, parseRfc3339, TimestampFormatError } from "./timestamp.ts";
import { errorMessage } from "../error_message.ts";

/** A JSON value as produced by `JSON.parse`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A parsed fixture file. */
export interface Fixture {
  /** Internal template name, e.g. `events.user_create`. */
  name: string;
  /** The message type as written in the file, e.g. `types.OneOf`. */
  type: string;
  /** The fully qualified message name `type` resolves to, e.g. `events.OneOf`. */
  typeName: string;
  /** Free text. */
  description: string;
  /** The message, converted and validated against the schema. */
  message: ProtoMessage;
}

/** Thrown for an invalid fixture or fixture JSON value; the message starts with the file and the field path. */
export class FixtureError extends Error {
  /** Builds the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "FixtureError";
  }
}

/** Options shared by the fixture functions. */
export interface FixtureOptions {
  /** The codec (and so the schema) to use; default: the bundled schema. */
  codec?: ProtoCodec;
}

const FIXTURE_KEYS = ["name", "type", "description", "data"];
const TYPE_ALIASES: Readonly<Record<string, string>> = { "types.OneOf": "events.OneOf" };

/** The fully qualified message name of a fixture `type` (`types.OneOf` is the original framework's name). */
export function fixtureTypeName(type: string): string {
  return TYPE_ALIASES[type] ?? type.replace(/^\./, "");
}

/**
 * Parses and validates a fixture file's text.
 *
 * @param file the file's path, used in error messages.
 * @throws {FixtureError} `<file>: <path>: <problem>`.
 * @example
 * ```ts
 * import { parseFixture } from "./fixture_json.ts";
 * const fixture = parseFixture('{"type":"types.OneOf","data":{"UserCreate":{"Roles":["dev"]}}}', "fixtures/1-a.json");
 * fixture.message; // { UserCreate: { Roles: ["dev"] } }
 * ```
 */
export function parseFixture(text: string, file: string, options: FixtureOptions = {}): Fixture {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FixtureError(`${file}: invalid JSON: ${errorMessage(e)}`);
  }
  if (!isObject(json)) throw new FixtureError(`${file}: expected a JSON object with "type" and "data"`);
  for (const key of Object.keys(json)) {
    if (!FIXTURE_KEYS.includes(key)) {
      const hint = closestName(key, FIXTURE_KEYS);
      throw new FixtureError(
        `${file}: ${key}: unknown fixture key${hint ? ` (did you mean "${hint}"?)` : ""}`,
      );
    }
  }
  const optionalText = (key: string, fallback: string): string => {
    const value = json[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string") throw new FixtureError(`${file}: ${key}: expected a string`);
    return value;
  };
  const type = optionalText("type", "events.OneOf");
  const typeName = fixtureTypeName(type);
  const codec = options.codec ?? bundledCodec();
  try {
    codec.type(typeName);
  } catch {
    throw new FixtureError(`${file}: type: unknown message type "${type}"`);
  }
  if (!("data" in json)) throw new FixtureError(`${file}: data: missing (the message to encode)`);
  const message = messageFromJson(typeName, json.data, { codec, file, path: "data" });
  return {
    name: optionalText("name", ""),
    type,
    typeName,
    description: optionalText("description", ""),
    message,
  };
}

/** Parses a fixture file's text and encodes its message. */
export function encodeFixture(text: string, file: string, options: FixtureOptions = {}): Uint8Array {
  const fixture = parseFixture(text, file, options);
  return (options.codec ?? bundledCodec()).encode(fixture.typeName, fixture.message);
}

/**
 * Renders a fixture file (2-space indented JSON with a final newline); the reverse of {@linkcode parseFixture}.
 * Used to write fixture templates.
 */
export function formatFixture(
  fixture: { name: string; type: string; description: string; message: ProtoMessage },
  options: FixtureOptions = {},
): string {
  const data = messageToJson(fixtureTypeName(fixture.type), fixture.message, options);
  const file = { name: fixture.name, type: fixture.type, description: fixture.description, data };
  return JSON.stringify(file, null, 2) + "\n";
}

/** Where a JSON value sits, for error messages. */
export interface JsonLocation extends FixtureOptions {
  /** File name prefix of error messages; omitted when absent. */
  file?: string;
  /** Path of the value inside the file; default: the message type name. */
  path?: string;
}

/**
 * Converts the JSON form of a message (as in fixture `data`) to a message.
 *
 * @throws {FixtureError} naming the file and the field path, also for unknown field names (with a suggestion).
 */
export function messageFromJson(typeName: string, json: unknown, location: JsonLocation = {}): ProtoMessage {
  const codec = location.codec ?? bundledCodec();
  const converter = new JsonToMessage(location.file);
  return converter.message(codec.type(typeName), json, location.path ?? typeName);
}

/**
 * Converts a message to its JSON form: fields in declaration order, 64-bit integers as numbers when exact
 * (decimal strings otherwise), enums by name, timestamps as RFC 3339, Struct as plain JSON, bytes as base64.
 */
export function messageToJson(
  typeName: string,
  message: ProtoMessage,
  options: FixtureOptions = {},
): JsonValue {
  const codec = options.codec ?? bundledCodec();
  return messageJson(codec.type(typeName), message);
}

// ---- JSON -> message ----

const INT64_LIMITS = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64_LIMITS = { min: 0n, max: 2n ** 64n - 1n };
const INT32_LIMITS = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32_LIMITS = { min: 0, max: 2 ** 32 - 1 };
const WRAPPER_TYPES = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((t) =>
    `google.protobuf.${t}Value`
  ),
);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fullName(type: protobuf.Type | protobuf.Enum): string {
  return type.fullName.replace(/^\./, "");
}

class JsonToMessage {
  constructor(private readonly file: string | undefined) {}

  fail(path: string, message: string): never {
    throw new FixtureError(`${this.file ? `${this.file}: ` : ""}${path}: ${message}`);
  }

  message(type: protobuf.Type, json: unknown, path: string): ProtoMessage {
    const special = this.wellKnown(type, json, path);
    if (special !== undefined) return special;
    if (!isObject(json)) this.fail(path, `expected an object (${fullName(type)}), got ${kindOf(json)}`);
    const out: ProtoMessage = {};
    const oneofs = new Map<string, string>();
    for (const [key, value] of Object.entries(json)) {
      const fieldPath = `${path}.${key}`;
      const field = type.fields[key];
      if (!field) {
        const hint = closestName(key, Object.keys(type.fields));
        this.fail(fieldPath, `unknown field of ${fullName(type)}${hint ? ` (did you mean "${hint}"?)` : ""}`);
      }
      if (value === null) continue;
      field.resolve();
      if (field.partOf) {
        const other = oneofs.get(field.partOf.name);
        if (other) this.fail(fieldPath, `"${other}" of the same oneof is already set; set only one`);
        oneofs.set(field.partOf.name, key);
      }
      out[key] = this.field(field, value, fieldPath);
    }
    return out;
  }

  field(field: protobuf.Field, json: unknown, path: string): ProtoValue {
    if (field instanceof protobuf.MapField) {
      if (!isObject(json)) this.fail(path, `expected an object (map), got ${kindOf(json)}`);
      const out: ProtoMessage = {};
      for (const [key, value] of Object.entries(json)) {
        const entryPath = `${path}[${JSON.stringify(key)}]`;
        this.mapKey(field.keyType, key, entryPath);
        if (value === null) this.fail(entryPath, "map values cannot be null");
        out[key] = this.single(field, value, entryPath);
      }
      return out;
    }
    if (field.repeated) {
      if (!Array.isArray(json)) this.fail(path, `expected an array, got ${kindOf(json)}`);
      return json.map((item, i) => this.single(field, item, `${path}[${i}]`));
    }
    return this.single(field, json, path);
  }

  single(field: protobuf.Field, json: unknown, path: string): ProtoValue {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) return this.message(resolved, json, path);
    if (resolved instanceof protobuf.Enum) return this.enumValue(resolved, json, path);
    return this.scalar(field.type, json, path);
  }

  enumValue(enumType: protobuf.Enum, json: unknown, path: string): number {
    if (typeof json === "string") {
      const value = enumType.values[json];
      if (value !== undefined) return value;
      const hint = closestName(json, Object.keys(enumType.values));
      this.fail(
        path,
        `"${json}" is not a value of ${fullName(enumType)}${hint ? ` (did you mean "${hint}"?)` : ""}`,
      );
    }
    if (
      typeof json === "number" && Number.isInteger(json) && json >= INT32_LIMITS.min &&
      json <= INT32_LIMITS.max
    ) {
      return json;
    }
    return this.fail(path, `expected a ${fullName(enumType)} name or number, got ${kindOf(json)}`);
  }

  scalar(kind: string, json: unknown, path: string): ProtoValue {
    switch (kind) {
      case "string":
        if (typeof json !== "string") this.fail(path, `expected a string, got ${kindOf(json)}`);
        return json;
      case "bool":
        if (typeof json !== "boolean") this.fail(path, `expected true or false, got ${kindOf(json)}`);
        return json;
      case "bytes":
        if (typeof json !== "string") this.fail(path, `expected a base64 string, got ${kindOf(json)}`);
        return this.base64(json, path);
      case "double":
      case "float":
        return this.float(json, path);
      case "int32":
      case "sint32":
      case "sfixed32":
        return this.int32(json, INT32_LIMITS, kind, path);
      case "uint32":
      case "fixed32":
        return this.int32(json, UINT32_LIMITS, kind, path);
      case "int64":
      case "sint64":
      case "sfixed64":
        return this.int64(json, INT64_LIMITS, kind, path);
      case "uint64":
      case "fixed64":
        return this.int64(json, UINT64_LIMITS, kind, path);
    }
    return this.fail(path, `unsupported field type "${kind}"`);
  }

  int32(json: unknown, limits: { min: number; max: number }, kind: string, path: string): number {
    const value = typeof json === "string" && /^-?\d+$/.test(json) ? Number(json) : json;
    if (typeof value !== "number" || !Number.isInteger(value) || value < limits.min || value > limits.max) {
      this.fail(path, `expected an integer in ${limits.min}..${limits.max} (${kind}), got ${kindOf(json)}`);
    }
    return value;
  }

  int64(json: unknown, limits: { min: bigint; max: bigint }, kind: string, path: string): bigint {
    let value: bigint | undefined;
    if (typeof json === "number") {
      if (Number.isInteger(json) && !Number.isSafeInteger(json)) {
        this.fail(path, `${json} is beyond 2^53 and may have lost precision: write it as a string`);
      }
      if (Number.isInteger(json)) value = BigInt(json);
    } else if (typeof json === "string" && /^-?\d+$/.test(json)) {
      value = BigInt(json);
    }
    if (value === undefined || value < limits.min || value > limits.max) {
      this.fail(path, `expected an integer in ${limits.min}..${limits.max} (${kind}), got ${kindOf(json)}`);
    }
    return value;
  }

  float(json: unknown, path: string): number {
    if (typeof json === "number") return json;
    if (typeof json === "string") {
      if (json === "NaN") return NaN;
      if (json === "Infinity") return Infinity;
      if (json === "-Infinity") return -Infinity;
      if (json.trim() !== "" && Number.isFinite(Number(json))) return Number(json);
    }
    return this.fail(path, `expected a number, got ${kindOf(json)}`);
  }

  base64(text: string, path: string): Uint8Array {
    const standard = text.replace(/-/g, "+").replace(/_/g, "/");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(standard) || standard.replace(/=+$/, "").length % 4 === 1) {
      this.fail(path, `invalid base64 ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text)}`);
    }
    const padded = standard.replace(/=+$/, "").padEnd(
      Math.ceil(standard.replace(/=+$/, "").length / 4) * 4,
      "=",
    );
    const binary = atob(padded);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  mapKey(keyType: string, key: string, path: string): void {
    if (keyType === "string") return;
    if (keyType === "bool") {
      if (key !== "true" && key !== "false") this.fail(path, `map key must be "true" or "false"`);
      return;
    }
    this.scalar(keyType, key, path);
  }

  /** Well-known types with a special JSON form; `undefined` for ordinary messages. */
  wellKnown(type: protobuf.Type, json: unknown, path: string): ProtoMessage | undefined {
    const name = fullName(type);
    switch (name) {
      case "google.protobuf.Timestamp":
        if (typeof json !== "string") {
          return isObject(json)
            ? undefined
            : this.fail(path, `expected an RFC 3339 time string, got ${kindOf(json)}`);
        }
        try {
          return { ...parseRfc3339(json) };
        } catch (e) {
          return this.fail(path, e instanceof TimestampFormatError ? e.message : String(e));
        }
      case "google.protobuf.Duration":
        if (typeof json !== "string") return undefined;
        return this.duration(json, path);
      case "google.protobuf.Struct":
        if (!isObject(json)) this.fail(path, `expected a JSON object (Struct), got ${kindOf(json)}`);
        return structFromJson(json as { [key: string]: JsonValue });
      case "google.protobuf.Value":
        return valueFromJson(json as JsonValue);
      case "google.protobuf.ListValue":
        if (!Array.isArray(json)) this.fail(path, `expected a JSON array (ListValue), got ${kindOf(json)}`);
        return { values: json.map((item) => valueFromJson(item as JsonValue)) };
    }
    if (WRAPPER_TYPES.has(name) && !isObject(json)) {
      const field = type.fields.value;
      field.resolve();
      return { value: this.scalar(field.type, json, path) };
    }
    return undefined;
  }

  duration(text: string, path: string): ProtoMessage {
    const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
    if (!m) return this.fail(path, `invalid duration ${JSON.stringify(text)} (expected e.g. "1.5s")`);
    const sign = m[1] ? -1 : 1;
    const seconds = BigInt(m[2]) * BigInt(sign);
    const nanos = (m[3] ? Number(m[3].padEnd(9, "0")) : 0) * sign;
    return { seconds, nanos };
  }
}

function structFromJson(json: { [key: string]: JsonValue }): ProtoMessage {
  const fields: ProtoMessage = {};
  for (const [key, value] of Object.entries(json)) fields[key] = valueFromJson(value);
  return { fields };
}

function valueFromJson(json: JsonValue): ProtoMessage {
  if (json === null) return { null_value: 0 };
  if (typeof json === "number") return { number_value: json };
  if (typeof json === "string") return { string_value: json };
  if (typeof json === "boolean") return { bool_value: json };
  if (Array.isArray(json)) return { list_value: { values: json.map(valueFromJson) } };
  return { struct_value: structFromJson(json) };
}

function kindOf(json: unknown): string {
  if (json === null) return "null";
  if (Array.isArray(json)) return "an array";
  if (typeof json === "string") {
    return `string ${JSON.stringify(json.length > 40 ? json.slice(0, 40) + "…" : json)}`;
  }
  if (typeof json === "object") return "an object";
  return `${typeof json} ${String(json)}`;
}

// ---- message -> JSON ----

function messageJson(type: protobuf.Type, message: ProtoMessage): JsonValue {
  const name = fullName(type);
  switch (name) {
    case "google.protobuf.Timestamp":
      return formatRfc3339({ seconds: asBigInt(message.seconds), nanos: Number(message.nanos ?? 0) });
    case "google.protobuf.Duration":
      return durationJson(asBigInt(message.seconds), Number(message.nanos ?? 0));
    case "google.protobuf.Struct":
      return structJson(message);
    case "google.protobuf.Value":
      return valueJson(message);
    case "google.protobuf.ListValue":
      return ((message.values ?? []) as ProtoMessage[]).map(valueJson);
  }
  if (WRAPPER_TYPES.has(name)) {
    const field = type.fields.value;
    field.resolve();
    return scalarJson(field.type, message.value ?? defaultScalar(field.type));
  }
  const out: { [key: string]: JsonValue } = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    field.resolve();
    out[field.name] = fieldJson(field, value);
  }
  return out;
}

function fieldJson(field: protobuf.Field, value: ProtoValue): JsonValue {
  if (field instanceof protobuf.MapField) {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, entry] of Object.entries(value as ProtoMessage)) {
      if (entry !== undefined && entry !== null) out[key] = singleJson(field, entry);
    }
    return out;
  }
  if (field.repeated) return (value as readonly ProtoValue[]).map((item) => singleJson(field, item));
  return singleJson(field, value);
}

function singleJson(field: protobuf.Field, value: ProtoValue): JsonValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageJson(resolved, value as ProtoMessage);
  if (resolved instanceof protobuf.Enum) {
    return typeof value === "number" ? resolved.valuesById[value] ?? value : String(value);
  }
  return scalarJson(field.type, value);
}

function scalarJson(kind: string, value: ProtoValue): JsonValue {
  if (value instanceof Uint8Array) return base64Encode(value);
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (kind.endsWith("64") && typeof value === "string") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  return value as JsonValue;
}

function defaultScalar(kind: string): ProtoValue {
  if (kind === "string") return "";
  if (kind === "bool") return false;
  if (kind === "bytes") return new Uint8Array();
  return 0;
}

function structJson(message: ProtoMessage): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries((message.fields ?? {}) as ProtoMessage)) {
    out[key] = valueJson(value as ProtoMessage);
  }
  return out;
}

function valueJson(value: ProtoMessage): JsonValue {
  if (value.number_value !== undefined && value.number_value !== null) return Number(value.number_value);
  if (typeof value.string_value === "string") return value.string_value;
  if (typeof value.bool_value === "boolean") return value.bool_value;
  if (value.struct_value) return structJson(value.struct_value as ProtoMessage);
  if (value.list_value) {
    return ((value.list_value as ProtoMessage).values as ProtoMessage[] ?? []).map(valueJson);
  }
  return null;
}

function durationJson(seconds: bigint, nanos: number): string {
  const negative = seconds < 0n || nanos < 0;
  const abs = (n: bigint) => (n < 0n ? -n : n);
  const fraction = nanos === 0 ? "" : "." + String(Math.abs(nanos)).padStart(9, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs(seconds)}${fraction}s`;
}

function asBigInt(value: ProtoValue | null | undefined): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" || typeof value === "string") return BigInt(value);
  return 0n;
}

function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
