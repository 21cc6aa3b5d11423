/**
 * Conversion plans: for each protobuf message, compiled once from the schema's gogoproto options, the list of
 * fields in Go struct order with their JSON key and two closures, one that writes a JSON value straight to the
 * protobuf wire and one that renders a decoded value as Teleport's Go code would (`encoding/json` rules).
 *
 * Options read from each field: `(gogoproto.jsontag)` (`name,omitempty`; `-` hides the field; without a tag the
 * key is the proto field name with omitempty), `(gogoproto.embed)` with an empty jsontag (flattened into the
 * parent object; on a key collision Go's rule applies: the shallower field wins and same-depth duplicates are
 * dropped), `(gogoproto.nullable)`, `(gogoproto.stdtime)` (RFC 3339 text), `(gogoproto.customtype)` ending in
 * `Traits` on `wrappers.LabelValues` (`map[string][]string`), `(gogoproto.wktpointer)` (wrappers as plain
 * values). `google.protobuf.Struct`, `Value` and `ListValue` are plain JSON.
 *
 * The bytes written are canonical proto3 (fields in number order, no default scalars, no empty sub-messages),
 * which is what a plugin's generated encoder writes back for an unchanged event, with one gogoproto rule kept:
 * a non-nullable time without a value is Go's zero time (`seconds: -62135596800`), never left out (which would
 * read as 1970-01-01).
 *
 * @module
 */
import protobuf from "protobufjs";
import { type LongBits, longBitsOfDecimal, longBitsOfNumber, WireWriter } from "./wire_writer.ts";
import { isJsonObject, isRawNumber, jsonEqual, type JsonObject, type JsonValue, rawNumber } from "./json.ts";
import { formatRfc3339, parseRfc3339, type Timestamp, ZERO_TIME_SECONDS } from "../proto/timestamp.ts";

/** Thrown when a JSON value does not fit its field; the message starts with the JSON key path. */
export class ConversionError extends Error {
  /** Creates the error; `message` names what did not fit, starting with the JSON key path. */
  constructor(message: string) {
    super(message);
    this.name = "ConversionError";
  }
}

type Writer = WireWriter;
/** A message as protobufjs decodes it: fields by proto name, absent ones undefined or proto3 defaults. */
export type DecodedMessage = Record<string, unknown>;
type Decoded = DecodedMessage;
type LongLike = { low: number; high: number; unsigned?: boolean; toString(): string; toNumber(): number };

/** A field that appears (or could appear) under its own key in the JSON object. */
export interface LeafPlan {
  /** Discriminates leaves from embedded messages. */
  readonly kind: "leaf";
  /** Proto field name (the property of decoded messages). */
  readonly name: string;
  /** Field number. */
  readonly id: number;
  /** JSON key; `null` when the field never appears in JSON (jsontag `-`, or shadowed under Go's rules). */
  key: string | null;
  /** Its wire tag (field number and wire type). */
  readonly tag: number;
  /** A singular string or bool field, which {@linkcode compileEncoder} writes inline. */
  readonly scalar: "string" | "bool" | undefined;
  /** Writes a present, non-null JSON value (tag included; proto3 defaults of singular scalars left out). */
  readonly write: (writer: WireWriter, value: JsonValue) => void;
  /**
   * Writes the zero value gogoproto gives a non-nullable field when the key is absent (Go's zero time; a
   * message whose own zero value is not empty), if any.
   */
  readonly writeAbsent: ((writer: WireWriter) => void) | undefined;
  /** The JSON value Go would write for a decoded field value, or `undefined` when omitempty leaves it out. */
  readonly render: (value: unknown) => JsonValue | undefined;
}

/** An embedded message (`embed=true`, empty jsontag): its fields are flattened into the parent object. */
export interface EmbedPlan {
  /** Discriminates embedded messages from leaves. */
  readonly kind: "embed";
  /** Proto field name of the embedded message. */
  readonly name: string;
  /** Field number. */
  readonly id: number;
  /** Its wire tag (field number, length-delimited). */
  readonly tag: number;
  /** The embedded message type. */
  readonly type: protobuf.Type;
  /** Its fields, flattened into the parent's JSON object, in declaration order. */
  readonly nodes: readonly PlanNode[];
  /** The same fields in field-number order, the order they are written in. */
  readonly wireNodes: readonly PlanNode[];
  /** Bytes of the tag and a zero length: what an empty occurrence takes on the wire. */
  readonly emptyLength: number;
}

/** One entry of a message plan. */
export type PlanNode = LeafPlan | EmbedPlan;

/** Writes a JSON object as the fields of a message (no tag or length of its own). */
export type MessageEncoder = (object: JsonObject, writer: WireWriter) => void;

/** The compiled conversion of one message type as a JSON object of its own. */
export interface MessagePlan {
  /** The planned message type. */
  readonly type: protobuf.Type;
  /** Fields in declaration (Go struct) order, the order Go renders them; embedded ones nest their own nodes. */
  readonly nodes: readonly PlanNode[];
  /** The same fields in field-number order, the order they are written in (as protobuf encoders do). */
  readonly wireNodes: readonly PlanNode[];
  /** Writes an object of this message's JSON shape; see {@linkcode compileEncoder}. */
  readonly encode: MessageEncoder;
}

/** Keys a plain object inherits (`constructor`, `toString`, `__proto__`...): read as own properties only. */
const INHERITED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), "__proto__"]);

/**
 * Compiles the encoder of a message's fields (`nodes` in field-number order) into one straight-line function:
 * per visible field, a read of its JSON key (a constant property load, which V8 caches per object shape, instead
 * of a walk over the object's keys) and a call of the field's own writer; strings and booleans, most of an
 * audit event, are written inline. Embedded messages are inlined too. The source only holds JSON-quoted keys
 * and numbers computed from the schema; the writers are passed in as values.
 */
export function compileEncoder(nodes: readonly PlanNode[]): MessageEncoder {
  const writers: unknown[] = [];
  const ref = (writer: unknown) => `f${writers.push(writer) - 1}`;
  const lines: string[] = [];
  let marks = 0;
  const emit = (nodes: readonly PlanNode[]) => {
    for (const node of nodes) {
      if (node.kind === "embed") {
        // Empty embedded messages are left out, as protobuf encoders (and the plugins' generated code) do.
        const mark = `m${marks++}`;
        lines.push(`const ${mark} = w.length;`, `w.uint32(${node.tag}).fork();`);
        emit(node.wireNodes);
        lines.push(`w.ldelim();`, `if (w.length === ${mark} + ${node.emptyLength}) w.truncate(${mark});`);
        continue;
      }
      const absent = node.writeAbsent ? `${ref(node.writeAbsent)}(w);` : "";
      if (node.key === null) {
        if (absent !== "") lines.push(absent);
        continue;
      }
      const key = JSON.stringify(node.key);
      lines.push(
        INHERITED_KEYS.has(node.key)
          ? `v = Object.hasOwn(o, ${key}) ? own(o, ${key}) : undefined;`
          : `v = o[${key}];`,
      );
      const write = `${ref(node.write)}(w, v);`;
      const present = `if (v !== undefined && v !== null) ${write}${absent === "" ? "" : ` else ${absent}`}`;
      if (node.scalar === "string") {
        lines.push(`if (typeof v === "string") { if (v.length !== 0) w.uint32(${node.tag}).string(v); }`);
        lines.push(`else ${present}`);
      } else if (node.scalar === "bool") {
        lines.push(`if (v === true) w.uint32(${node.tag}).bool(true);`, `else if (v !== false) ${present}`);
      } else {
        lines.push(present);
      }
    }
  };
  emit(nodes);
  const names = writers.map((_, i) => `f${i}`);
  const source = `"use strict";\nreturn function encode(o, w) {\nlet v;\n${lines.join("\n")}\n};`;
  // Each writer is a separate parameter: every call site then sees one function, which V8 can inline.
  return new Function("own", ...names, source)(ownValue, ...writers) as MessageEncoder;
}

function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.getOwnPropertyDescriptor(object, key)?.value;
}

/** Renders a decoded message planned by `nodes` into `out`, in Go's field order. */
export function renderNodes(
  nodes: readonly PlanNode[],
  message: DecodedMessage,
  out: JsonObject,
): JsonObject {
  for (const node of nodes) {
    if (node.kind === "embed") {
      renderNodes(node.nodes, (message[node.name] ?? EMPTY) as Decoded, out);
    } else if (node.key !== null) {
      const value = node.render(message[node.name]);
      if (value !== undefined) out[node.key] = value;
    }
  }
  return out;
}

/**
 * Renders, into `beforeOut` and `afterOut`, only the keys whose values differ between two decoded messages of the
 * plan (a key Go would leave out stays absent on its side). Cheaper than rendering both messages whole when an
 * event changed in a few fields.
 */
export function diffNodes(
  nodes: readonly PlanNode[],
  before: DecodedMessage,
  after: DecodedMessage,
  beforeOut: JsonObject,
  afterOut: JsonObject,
): void {
  for (const node of nodes) {
    const was = before[node.name], now = after[node.name];
    if (was === now) continue;
    if (node.kind === "embed") {
      diffNodes(node.nodes, (was ?? EMPTY) as Decoded, (now ?? EMPTY) as Decoded, beforeOut, afterOut);
      continue;
    }
    if (node.key === null || decodedEqual(was, now)) continue;
    const rendered = node.render(was), next = node.render(now);
    if (jsonEqual(rendered, next)) continue;
    if (rendered !== undefined) beforeOut[node.key] = rendered;
    if (next !== undefined) afterOut[node.key] = next;
  }
}

/** Prefixes the key path of a {@linkcode ConversionError} raised inside the value of `key`. */
function within(key: string, error: unknown): unknown {
  return error instanceof ConversionError ? new ConversionError(`${key}.${error.message}`) : error;
}

/** Strict structural equality of decoded values (a `false` for equivalent values only costs a render). */
function decodedEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a), bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (const key of aKeys) {
    if (!decodedEqual((a as Decoded)[key], (b as Decoded)[key])) return false;
  }
  return true;
}

const EMPTY: Decoded = Object.freeze({});

// Wire types.
const VARINT = 0, FIXED64 = 1, DELIMITED = 2, FIXED32 = 5;

/** A value of one protobuf type, without tag: how to write it, when it is the default, how Go renders it. */
interface ValueCodec {
  readonly wireType: number;
  /** Whether repeated values of this type are packed in proto3. */
  readonly packable: boolean;
  write(writer: Writer, value: JsonValue, key: string): void;
  /** True when a singular field holding this JSON value may be left off the wire (proto3 default). */
  isDefault(value: JsonValue): boolean;
  /** The JSON Go writes for a decoded value; an absent one renders as the zero scalar or `null` (nil pointer). */
  render(decoded: unknown): JsonValue;
  /** Go's omitempty emptiness of the decoded value (zero scalar, nil pointer, empty map or slice). */
  isEmpty(decoded: unknown): boolean;
  /** The JSON value standing for a `null` item of a repeated field (Go decodes it as the zero value). */
  readonly nullItem: JsonValue;
  /**
   * For message types: what gogoproto writes (tag excluded) and Go renders for a non-nullable field that holds
   * no value; such fields are never omitted.
   */
  readonly zero?: { write(writer: Writer): void; render(): JsonValue };
}

function describe(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (isRawNumber(value)) return `the number ${value.rawJSON}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function fail(key: string, expected: string, value: JsonValue): never {
  throw new ConversionError(`${key}: expected ${expected}, got ${describe(value)}`);
}

const DECIMAL = /^\s*-?\d+\s*$/;
const TWO_64 = 2 ** 64;
const INT32_MIN = -(2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

/** A JSON integer (number, numeric string, raw literal) as a safe number or, beyond 2^53, its decimal text. */
function integerOf(value: JsonValue, key: string): number | string {
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) < TWO_64) return value;
  } else if (typeof value === "string") {
    if (DECIMAL.test(value)) {
      const text = value.trim();
      const number = Number(text);
      return Number.isSafeInteger(number) ? number : text;
    }
  } else if (isRawNumber(value)) {
    return value.rawJSON;
  }
  return fail(key, "an integer", value);
}

function int32Of(value: JsonValue, key: string): number {
  const n = integerOf(value, key);
  if (typeof n === "string" || n < INT32_MIN || n > UINT32_MAX) {
    return fail(key, "a 32-bit integer", value);
  }
  return n;
}

/** 64-bit two's complement bits of an integer from {@linkcode integerOf}. */
function longBitsOf(value: number | string): LongBits {
  return typeof value === "number" ? longBitsOfNumber(value) : longBitsOfDecimal(value);
}

function renderLong(decoded: unknown): JsonValue {
  if (decoded === undefined || decoded === null) return 0;
  if (typeof decoded === "number") return decoded;
  const long = decoded as LongLike;
  const n = long.toNumber();
  return Number.isSafeInteger(n) ? n : rawNumber(long.toString());
}

function isZeroNumber(decoded: unknown): boolean {
  if (decoded === undefined || decoded === null || decoded === 0) return true;
  return typeof decoded === "object" && (decoded as LongLike).low === 0 && (decoded as LongLike).high === 0;
}

function isZeroInteger(value: JsonValue): boolean {
  return value === 0 || value === "0";
}

function stringOf(value: JsonValue, key: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (isRawNumber(value)) return value.rawJSON;
  return fail(key, "a string", value);
}

function numberOf(value: JsonValue, key: string): number {
  if (typeof value === "number") return value;
  if (isRawNumber(value)) return Number(value.rawJSON);
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    if (!Number.isNaN(n)) return n;
  }
  return fail(key, "a number", value);
}

function boolOf(value: JsonValue, key: string): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return fail(key, "a boolean", value);
}

const base64 = protobuf.util.base64;

function bytesOf(value: JsonValue, key: string): Uint8Array {
  if (typeof value !== "string") return fail(key, "a base64 string", value);
  const buffer = new Uint8Array(base64.length(value));
  try {
    base64.decode(value, buffer, 0);
  } catch {
    return fail(key, "a base64 string", value);
  }
  return buffer;
}

function integerCodec(
  wireType: number,
  write: (writer: Writer, n: number) => void,
): ValueCodec {
  return {
    wireType,
    packable: true,
    write: (writer, value, key) => write(writer, int32Of(value, key)),
    isDefault: isZeroInteger,
    render: (decoded) => (decoded as number | undefined) ?? 0,
    isEmpty: isZeroNumber,
    nullItem: 0,
  };
}

function longCodec(
  wireType: number,
  write: (writer: Writer, bits: LongBits) => void,
): ValueCodec {
  return {
    wireType,
    packable: true,
    write: (writer, value, key) => write(writer, longBitsOf(integerOf(value, key))),
    isDefault: isZeroInteger,
    render: renderLong,
    isEmpty: isZeroNumber,
    nullItem: 0,
  };
}

/** int64 and uint64 (the same varint bits): safe integers, the usual case, are written without a LongBits. */
function varint64Codec(): ValueCodec {
  return {
    wireType: VARINT,
    packable: true,
    write(writer, value, key) {
      const n = integerOf(value, key);
      if (typeof n === "number") writer.int64Number(n);
      else writer.int64(longBitsOfDecimal(n));
    },
    isDefault: isZeroInteger,
    render: renderLong,
    isEmpty: isZeroNumber,
    nullItem: 0,
  };
}

/** The codecs of protobuf's scalar types, by protobufjs type name. */
const SCALARS: Readonly<Record<string, ValueCodec>> = {
  string: {
    wireType: DELIMITED,
    packable: false,
    write: (writer, value, key) => writer.string(stringOf(value, key)),
    isDefault: (value) => value === "",
    render: (decoded) => (decoded as string | undefined) ?? "",
    isEmpty: (decoded) => decoded === undefined || decoded === null || decoded === "",
    nullItem: "",
  },
  bool: {
    wireType: VARINT,
    packable: true,
    write: (writer, value, key) => writer.bool(boolOf(value, key)),
    isDefault: (value) => value === false || value === "false",
    render: (decoded) => decoded === true,
    isEmpty: (decoded) => decoded !== true,
    nullItem: false,
  },
  bytes: {
    wireType: DELIMITED,
    packable: false,
    write: (writer, value, key) => writer.bytes(bytesOf(value, key)),
    isDefault: (value) => value === "",
    render: (decoded) => {
      const bytes = decoded as Uint8Array | undefined | null;
      return bytes && bytes.length > 0 ? base64.encode(bytes, 0, bytes.length) : null;
    },
    isEmpty: (decoded) => !decoded || (decoded as Uint8Array).length === 0,
    nullItem: "",
  },
  double: {
    wireType: FIXED64,
    packable: true,
    write: (writer, value, key) => writer.double(numberOf(value, key)),
    isDefault: (value) => value === 0,
    render: (decoded) => (decoded as number | undefined) ?? 0,
    isEmpty: isZeroNumber,
    nullItem: 0,
  },
  float: {
    wireType: FIXED32,
    packable: true,
    write: (writer, value, key) => writer.float(numberOf(value, key)),
    isDefault: (value) => value === 0,
    render: (decoded) => (decoded as number | undefined) ?? 0,
    isEmpty: isZeroNumber,
    nullItem: 0,
  },
  int32: integerCodec(VARINT, (writer, n) => writer.int32(n)),
  uint32: integerCodec(VARINT, (writer, n) => writer.uint32(n)),
  sint32: integerCodec(VARINT, (writer, n) => writer.sint32(n)),
  fixed32: integerCodec(FIXED32, (writer, n) => writer.fixed32(n)),
  sfixed32: integerCodec(FIXED32, (writer, n) => writer.sfixed32(n)),
  int64: varint64Codec(),
  uint64: varint64Codec(),
  sint64: longCodec(VARINT, (writer, bits) => writer.sint64(bits)),
  fixed64: longCodec(FIXED64, (writer, bits) => writer.fixed64(bits)),
  sfixed64: longCodec(
    FIXED64,
    (writer, bits) => writer.fixed64(bits),
  ),
};

function enumCodec(type: protobuf.Enum): ValueCodec {
  return {
    wireType: VARINT,
    packable: true,
    write(writer, value, key) {
      if (typeof value === "string" && Object.hasOwn(type.values, value)) {
        writer.int32(type.values[value]);
      } else {
        writer.int32(int32Of(value, `${key} (enum ${type.name})`));
      }
    },
    isDefault: (value) => isZeroInteger(value) || (typeof value === "string" && type.values[value] === 0),
    render: (decoded) => (decoded as number | undefined) ?? 0,
    isEmpty: isZeroNumber,
    nullItem: 0,
  };
}

// google.protobuf.Struct / Value / ListValue field numbers (well-known types, fixed by protobuf).
const STRUCT_FIELDS_TAG = (1 << 3) | DELIMITED;
const ENTRY_KEY_TAG = (1 << 3) | DELIMITED;
const ENTRY_VALUE_TAG = (2 << 3) | DELIMITED;
const VALUE_NULL_TAG = (1 << 3) | VARINT;
const VALUE_NUMBER_TAG = (2 << 3) | FIXED64;
const VALUE_STRING_TAG = (3 << 3) | DELIMITED;
const VALUE_BOOL_TAG = (4 << 3) | VARINT;
const VALUE_STRUCT_TAG = (5 << 3) | DELIMITED;
const VALUE_LIST_TAG = (6 << 3) | DELIMITED;
const LIST_VALUES_TAG = (1 << 3) | DELIMITED;

function writeStructBody(writer: Writer, object: JsonObject): void {
  for (const key in object) {
    writer.uint32(STRUCT_FIELDS_TAG).fork().uint32(ENTRY_KEY_TAG).string(key).uint32(ENTRY_VALUE_TAG).fork();
    writeValueBody(writer, object[key]);
    writer.ldelim().ldelim();
  }
}

function writeListBody(writer: Writer, values: JsonValue[]): void {
  for (const item of values) {
    writer.uint32(LIST_VALUES_TAG).fork();
    writeValueBody(writer, item);
    writer.ldelim();
  }
}

function writeValueBody(writer: Writer, value: JsonValue): void {
  if (value === null) writer.uint32(VALUE_NULL_TAG).int32(0);
  else if (typeof value === "number") writer.uint32(VALUE_NUMBER_TAG).double(value);
  else if (typeof value === "string") writer.uint32(VALUE_STRING_TAG).string(value);
  else if (typeof value === "boolean") writer.uint32(VALUE_BOOL_TAG).bool(value);
  else if (isRawNumber(value)) writer.uint32(VALUE_NUMBER_TAG).double(Number(value.rawJSON));
  else if (Array.isArray(value)) {
    writer.uint32(VALUE_LIST_TAG).fork();
    writeListBody(writer, value);
    writer.ldelim();
  } else {
    writer.uint32(VALUE_STRUCT_TAG).fork();
    writeStructBody(writer, value);
    writer.ldelim();
  }
}

function renderStruct(decoded: Decoded): JsonObject {
  const out: JsonObject = {};
  const fields = (decoded.fields ?? EMPTY) as Record<string, Decoded>;
  for (const key of Object.keys(fields).sort()) out[key] = renderValue(fields[key]);
  return out;
}

function renderValue(decoded: Decoded | null | undefined): JsonValue {
  if (!decoded) return null;
  switch (decoded.kind as string | undefined) {
    case "number_value":
      return decoded.number_value as number;
    case "string_value":
      return decoded.string_value as string;
    case "bool_value":
      return decoded.bool_value as boolean;
    case "struct_value":
      return renderStruct(decoded.struct_value as Decoded);
    case "list_value":
      return ((decoded.list_value as Decoded).values as Decoded[] ?? []).map(renderValue);
    default:
      return null;
  }
}

const isAbsent = (decoded: unknown) => decoded === undefined || decoded === null;

/** A message-typed codec: a nil pointer renders as `null`; `zeroBody` writes the non-nullable zero value. */
function messageCodec(
  write: ValueCodec["write"],
  render: (decoded: Decoded) => JsonValue,
  zeroBody: (writer: Writer) => void,
  zeroJson: () => JsonValue,
): ValueCodec {
  return {
    wireType: DELIMITED,
    packable: false,
    write,
    isDefault: () => false,
    render: (decoded) => isAbsent(decoded) ? null : render(decoded as Decoded),
    isEmpty: isAbsent,
    nullItem: null,
    zero: {
      write(writer) {
        writer.fork();
        zeroBody(writer);
        writer.ldelim();
      },
      render: zeroJson,
    },
  };
}

const nothing = () => {};

const STRUCT_CODEC = messageCodec(
  (writer, value, key) => {
    if (!isJsonObject(value)) fail(key, "an object", value);
    writer.fork();
    writeStructBody(writer, value);
    writer.ldelim();
  },
  renderStruct,
  nothing,
  () => ({}),
);

const VALUE_CODEC = messageCodec(
  (writer, value) => {
    writer.fork();
    writeValueBody(writer, value);
    writer.ldelim();
  },
  renderValue,
  nothing,
  () => null,
);

const LIST_VALUE_CODEC = messageCodec(
  (writer, value, key) => {
    if (!Array.isArray(value)) fail(key, "an array", value);
    writer.fork();
    writeListBody(writer, value);
    writer.ldelim();
  },
  (decoded) => ((decoded.values as Decoded[] | undefined) ?? []).map(renderValue),
  nothing,
  () => [],
);

const TIMESTAMP_SECONDS_TAG = (1 << 3) | VARINT;
const TIMESTAMP_NANOS_TAG = (2 << 3) | VARINT;
const ZERO_TIME_BITS = longBitsOfNumber(Number(ZERO_TIME_SECONDS));
const GO_ZERO_TIME = formatRfc3339({ seconds: ZERO_TIME_SECONDS, nanos: 0 });

/** A time as whole seconds since the epoch (safe integers: years 1-9999) and nanoseconds. */
interface Time {
  seconds: number;
  nanos: number;
}

function timeOf(value: JsonValue, key: string): Time {
  if (typeof value === "string") {
    const utc = parseUtcTime(value);
    if (utc !== undefined) return utc;
    let parsed: Timestamp | undefined;
    try {
      parsed = parseRfc3339(value);
    } catch {
      // Reported below with the key.
    }
    if (parsed !== undefined) return { seconds: Number(parsed.seconds), nanos: parsed.nanos };
  }
  return fail(key, "an RFC 3339 time", value);
}

const SECONDS_PER_DAY = 86_400;
const NANOS_SCALE = [1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

/** The value of `count` ASCII digits of `text` from `at`, or -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Days from 1970-01-01 to a proleptic Gregorian date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * The form Teleport writes (`2024-02-23T18:56:57.648137154Z`: UTC, 0-9 fraction digits) read without a regex,
 * the converter's most common value; `undefined` for anything else, which {@linkcode parseRfc3339} then parses
 * or rejects.
 */
function parseUtcTime(text: string): Time | undefined {
  const length = text.length;
  if (length < 20 || length === 21 || length > 30 || (text.charCodeAt(length - 1) | 32) !== 122) {
    return undefined;
  }
  if (
    text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (text.charCodeAt(10) | 32) !== 116 ||
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || (length > 20 && text.charCodeAt(19) !== 46)
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4), month = digitsAt(text, 5, 2), day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2), minute = digitsAt(text, 14, 2), second = digitsAt(text, 17, 2);
  const fraction = length > 20 ? digitsAt(text, 20, length - 21) : 0;
  if (
    year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 ||
    hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0
  ) {
    return undefined;
  }
  return {
    seconds: daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second,
    nanos: length > 20 ? fraction * NANOS_SCALE[length - 22] : 0,
  };
}

/** `google.protobuf.Timestamp` with `stdtime`: RFC 3339 text; the non-nullable zero is Go's zero time. */
const TIME_CODEC = messageCodec(
  (writer, value, key) => {
    const { seconds, nanos } = timeOf(value, key);
    writer.fork();
    if (seconds !== 0) writer.uint32(TIMESTAMP_SECONDS_TAG).int64Number(seconds);
    if (nanos !== 0) writer.uint32(TIMESTAMP_NANOS_TAG).int32(nanos);
    writer.ldelim();
  },
  (time) => {
    const seconds = time.seconds;
    const parts = {
      seconds: typeof seconds === "number" ? seconds : (seconds as LongLike | undefined)?.toNumber() ?? 0,
      nanos: (time.nanos as number | undefined) ?? 0,
    };
    try {
      return formatRfc3339(parts);
    } catch (e) {
      throw new ConversionError(`time ${JSON.stringify(parts)} cannot be written: ${(e as Error).message}`);
    }
  },
  (writer) => writer.uint32(TIMESTAMP_SECONDS_TAG).int64(ZERO_TIME_BITS),
  () => GO_ZERO_TIME,
);

/** `wrappers.LabelValues` with customtype `Traits`: `map[string][]string` in JSON (Go map: omitempty applies). */
function traitsCodec(type: protobuf.Type): ValueCodec {
  const mapField = type.fieldsArray[0];
  const valuesType = mapField?.resolvedType;
  const listField = valuesType instanceof protobuf.Type ? valuesType.fieldsArray[0] : undefined;
  if (!mapField?.map || !listField?.repeated) {
    throw new ConversionError(
      `${type.fullName}: customtype Traits needs a map<string, message{repeated string}> as first field`,
    );
  }
  const mapTag = (mapField.id << 3) | DELIMITED;
  const listTag = (listField.id << 3) | DELIMITED;
  const entriesOf = (decoded: unknown) =>
    ((decoded as Decoded | null | undefined)?.[mapField.name] ?? EMPTY) as Record<string, Decoded>;
  return {
    wireType: DELIMITED,
    packable: false,
    write(writer, value, key) {
      if (!isJsonObject(value)) return fail(key, "an object of string lists", value);
      writer.fork();
      for (const entry in value) {
        const list = value[entry];
        writer.uint32(mapTag).fork().uint32(ENTRY_KEY_TAG).string(entry).uint32(ENTRY_VALUE_TAG).fork();
        if (Array.isArray(list)) {
          for (const item of list) {
            writer.uint32(listTag).string(
              typeof item === "string" ? item : item === null ? "" : stringOf(item, `${key}.${entry}`),
            );
          }
        } else if (list !== null) {
          fail(`${key}.${entry}`, "a list of strings", list);
        }
        writer.ldelim().ldelim();
      }
      writer.ldelim();
    },
    isDefault: () => false,
    render(decoded) {
      const entries = entriesOf(decoded);
      const keys = Object.keys(entries);
      if (keys.length === 0) return null;
      const out: JsonObject = {};
      for (const key of keys.sort()) {
        const list = (entries[key]?.[listField.name] ?? []) as string[];
        out[key] = list.length > 0 ? [...list] : null;
      }
      return out;
    },
    isEmpty: (decoded) => Object.keys(entriesOf(decoded)).length === 0,
    nullItem: null,
  };
}

/** A wrapper message (`google.protobuf.UInt64Value`, ...) with `wktpointer`: the plain inner value in JSON. */
function wrapperCodec(inner: ValueCodec, innerField: protobuf.Field): ValueCodec {
  const innerTag = (innerField.id << 3) | inner.wireType;
  return messageCodec(
    (writer, value, key) => {
      writer.fork();
      if (!inner.isDefault(value)) inner.write(writer.uint32(innerTag), value, key);
      writer.ldelim();
    },
    (decoded) => inner.render(decoded[innerField.name]),
    nothing,
    () => inner.render(undefined),
  );
}

function optionOf(field: protobuf.Field, name: string): unknown {
  return field.options?.[`(gogoproto.${name})`];
}

function isTrue(option: unknown): boolean {
  return option === true || option === "true";
}

/** The JSON key and omitempty flag from a field's jsontag (no jsontag: proto name, omitempty). */
function jsonNameOf(field: protobuf.Field): { key: string | null; omitEmpty: boolean } {
  const tag = optionOf(field, "jsontag");
  if (typeof tag !== "string") return { key: field.name, omitEmpty: true };
  const [name, ...flags] = tag.split(",");
  if (name === "-" && flags.length === 0) return { key: null, omitEmpty: true };
  return { key: name === "" ? field.name : name, omitEmpty: flags.includes("omitempty") };
}

function isEmbedded(field: protobuf.Field): boolean {
  if (!isTrue(optionOf(field, "embed")) || field.repeated || field.map) return false;
  if (!(field.resolvedType instanceof protobuf.Type)) return false;
  const tag = optionOf(field, "jsontag");
  return tag === undefined || (typeof tag === "string" && tag.split(",")[0] === "");
}

const WRAPPER_TYPES = new Set([
  ".google.protobuf.DoubleValue",
  ".google.protobuf.FloatValue",
  ".google.protobuf.Int64Value",
  ".google.protobuf.UInt64Value",
  ".google.protobuf.Int32Value",
  ".google.protobuf.UInt32Value",
  ".google.protobuf.BoolValue",
  ".google.protobuf.StringValue",
  ".google.protobuf.BytesValue",
]);

type Candidate = { leaf: LeafPlan; depth: number };

function notCompiledYet(): never {
  throw new Error("a message plan's encoder was used while the plan was being compiled");
}

/**
 * Compiles and caches {@linkcode MessagePlan}s for the message types of one schema. Plans are built on first use
 * and kept for the life of the compiler (one per codec), so the hot path never looks at descriptors.
 */
export class PlanCompiler {
  readonly #plans = new Map<protobuf.Type, MessagePlan>();

  /** The plan of `type` as a JSON object of its own (an event, or a nested non-embedded message). */
  plan(type: protobuf.Type): MessagePlan {
    let plan = this.#plans.get(type);
    if (plan === undefined) {
      const nodes: PlanNode[] = [];
      const wireNodes: PlanNode[] = [];
      const filling: { -readonly [K in keyof MessagePlan]: MessagePlan[K] } = {
        type,
        nodes,
        wireNodes,
        encode: notCompiledYet,
      };
      plan = filling;
      // Registered before compiling so that self-referencing types resolve to this (still filling) plan; its
      // encoder is only called once every plan is complete.
      this.#plans.set(type, plan);
      const candidates: Candidate[] = [];
      nodes.push(...this.#compileNodes(type, 0, candidates, new Set([type])));
      wireNodes.push(...byFieldNumber(nodes));
      applyGoVisibility(candidates);
      filling.encode = compileEncoder(wireNodes);
    }
    return plan;
  }

  #compileNodes(type: protobuf.Type, depth: number, candidates: Candidate[], embedding: Set<protobuf.Type>) {
    const nodes: PlanNode[] = [];
    for (const field of type.fieldsArray) {
      if (isEmbedded(field)) {
        const embeddedType = field.resolvedType as protobuf.Type;
        if (embedding.has(embeddedType)) {
          throw new ConversionError(
            `${type.fullName}.${field.name}: embedding cycle through ${embeddedType.fullName}`,
          );
        }
        embedding.add(embeddedType);
        const tag = (field.id << 3) | DELIMITED;
        const embeddedNodes = this.#compileNodes(embeddedType, depth + 1, candidates, embedding);
        nodes.push({
          kind: "embed",
          name: field.name,
          id: field.id,
          tag,
          type: embeddedType,
          nodes: embeddedNodes,
          wireNodes: byFieldNumber(embeddedNodes),
          emptyLength: varintLength(tag) + 1,
        });
        embedding.delete(embeddedType);
        continue;
      }
      const leaf = this.#compileLeaf(type, field);
      if (leaf.key !== null) candidates.push({ leaf, depth });
      nodes.push(leaf);
    }
    return nodes;
  }

  #compileLeaf(type: protobuf.Type, field: protobuf.Field): LeafPlan {
    const { key, omitEmpty } = jsonNameOf(field);
    const codec = this.#valueCodec(type, field);
    const tag = (field.id << 3) | codec.wireType;
    const keyName = key ?? field.name;

    if (field.map) return this.#compileMap(field, key, omitEmpty, codec);
    if (field.repeated) return compileRepeated(field, key, omitEmpty, codec);

    const nullable = !(optionOf(field, "nullable") === false || optionOf(field, "nullable") === "false");
    // gogoproto always writes a non-nullable message (a Go struct value), and encoding/json always renders it.
    const zero = nullable ? undefined : codec.zero;
    const emptyLength = varintLength(tag) + 1;
    // What gogoproto's zero value is on the wire, left out when it is an empty message.
    const writeZero = (writer: Writer) => {
      const mark = writer.length;
      zero?.write(writer.uint32(tag));
      if (writer.length === mark + emptyLength) writer.truncate(mark);
    };
    let zeroEmpty: boolean | undefined;
    // Computed on first use: a nested plan may still be compiling now.
    const zeroIsEmpty = () => {
      if (zeroEmpty === undefined) {
        const probe = new WireWriter(64);
        writeZero(probe);
        zeroEmpty = probe.length === 0;
      }
      return zeroEmpty;
    };
    return {
      kind: "leaf",
      name: field.name,
      id: field.id,
      key,
      tag,
      scalar: zero
        ? undefined
        : codec === SCALARS.string
        ? "string"
        : codec === SCALARS.bool
        ? "bool"
        : undefined,
      write: zero
        ? (writer, value) => {
          // An empty non-nullable message is left out when that reads back the same (its zero value is empty
          // too); an empty Timestamp is 1970-01-01, not Go's zero time, so it stays.
          const mark = writer.length;
          codec.write(writer.uint32(tag), value, keyName);
          if (writer.length === mark + emptyLength && zeroIsEmpty()) writer.truncate(mark);
        }
        : (writer, value) => {
          if (!codec.isDefault(value)) codec.write(writer.uint32(tag), value, keyName);
        },
      writeAbsent: zero && writeZero,
      render(decoded) {
        if (zero) return isAbsent(decoded) ? zero.render() : codec.render(decoded);
        if (omitEmpty && codec.isEmpty(decoded)) return undefined;
        return codec.render(decoded);
      },
    };
  }

  #compileMap(
    field: protobuf.Field,
    key: string | null,
    omitEmpty: boolean,
    valueCodec: ValueCodec,
  ): LeafPlan {
    const keyName = key ?? field.name;
    const keyCodec = SCALARS[(field as unknown as protobuf.MapField).keyType];
    const entryTag = (field.id << 3) | DELIMITED;
    const keyTag = (1 << 3) | keyCodec.wireType;
    const valueTag = (2 << 3) | valueCodec.wireType;
    return {
      kind: "leaf",
      name: field.name,
      id: field.id,
      key,
      tag: entryTag,
      scalar: undefined,
      write(writer, value) {
        if (!isJsonObject(value)) return fail(keyName, "an object", value);
        for (const entryKey in value) {
          const entryValue = value[entryKey];
          writer.uint32(entryTag).fork();
          keyCodec.write(writer.uint32(keyTag), entryKey, keyName);
          if (entryValue !== null) {
            try {
              valueCodec.write(writer.uint32(valueTag), entryValue, entryKey);
            } catch (e) {
              throw within(keyName, e);
            }
          }
          writer.ldelim();
        }
      },
      writeAbsent: undefined,
      render(decoded) {
        const entries = (decoded ?? EMPTY) as Record<string, unknown>;
        const keys = Object.keys(entries);
        if (keys.length === 0) return omitEmpty ? undefined : null;
        const out: JsonObject = {};
        for (const entryKey of keys.sort()) out[entryKey] = valueCodec.render(entries[entryKey]);
        return out;
      },
    };
  }

  #valueCodec(owner: protobuf.Type, field: protobuf.Field): ValueCodec {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return enumCodec(resolved);
    if (!(resolved instanceof protobuf.Type)) {
      const scalar = SCALARS[field.type];
      if (!scalar) {
        throw new ConversionError(`${owner.fullName}.${field.name}: unsupported type ${field.type}`);
      }
      return scalar;
    }
    switch (resolved.fullName) {
      case ".google.protobuf.Timestamp":
        if (isTrue(optionOf(field, "stdtime"))) return TIME_CODEC;
        break;
      case ".google.protobuf.Struct":
        return STRUCT_CODEC;
      case ".google.protobuf.Value":
        return VALUE_CODEC;
      case ".google.protobuf.ListValue":
        return LIST_VALUE_CODEC;
    }
    if (WRAPPER_TYPES.has(resolved.fullName) && isTrue(optionOf(field, "wktpointer"))) {
      const inner = resolved.fieldsArray[0];
      return wrapperCodec(this.#valueCodec(resolved, inner), inner);
    }
    const customType = optionOf(field, "customtype");
    if (typeof customType === "string" && /(^|\.)Traits$/.test(customType)) return traitsCodec(resolved);
    return this.#nestedCodec(resolved);
  }

  /** A non-embedded message: a nested JSON object with its own plan. */
  #nestedCodec(type: protobuf.Type): ValueCodec {
    let plan: MessagePlan | undefined;
    const planOf = () => plan ??= this.plan(type);
    return messageCodec(
      (writer, value, key) => {
        if (!isJsonObject(value)) return fail(key, "an object", value);
        writer.fork();
        try {
          planOf().encode(value, writer);
        } catch (e) {
          throw within(key, e);
        }
        writer.ldelim();
      },
      (decoded) => renderNodes(planOf().nodes, decoded, {}),
      (writer) => planOf().encode(EMPTY as JsonObject, writer),
      () => renderNodes(planOf().nodes, EMPTY, {}),
    );
  }
}

function compileRepeated(
  field: protobuf.Field,
  key: string | null,
  omitEmpty: boolean,
  codec: ValueCodec,
): LeafPlan {
  const keyName = key ?? field.name;
  const packed = codec.packable && field.packed;
  const tag = (field.id << 3) | (packed ? DELIMITED : codec.wireType);
  const zero = codec.zero;
  return {
    kind: "leaf",
    name: field.name,
    id: field.id,
    key,
    tag,
    scalar: undefined,
    write(writer, value) {
      if (!Array.isArray(value)) return fail(keyName, "an array", value);
      if (value.length === 0) return;
      if (packed) {
        writer.uint32(tag).fork();
        for (const item of value) codec.write(writer, item ?? codec.nullItem, keyName);
        writer.ldelim();
        return;
      }
      for (const item of value) {
        // Go decodes a null item as the element's zero value, which the wire must still count.
        if (item === null && zero) zero.write(writer.uint32(tag));
        else codec.write(writer.uint32(tag), item ?? codec.nullItem, keyName);
      }
    },
    writeAbsent: undefined,
    render(decoded) {
      const list = decoded as unknown[] | undefined;
      if (!list || list.length === 0) return omitEmpty ? undefined : null;
      return list.map((item) => codec.render(item));
    },
  };
}

/** Nodes sorted by field number (stable for equal numbers, which a valid schema does not have). */
function byFieldNumber(nodes: readonly PlanNode[]): PlanNode[] {
  return [...nodes].sort((a, b) => a.id - b.id);
}

/** Bytes of `value` as a varint. */
function varintLength(value: number): number {
  let length = 1;
  for (let v = value >>> 7; v > 0; v >>>= 7) length++;
  return length;
}

/**
 * Go's `encoding/json` rule for flattened (embedded) fields: for each key, the shallowest fields win; if more than
 * one field sits at that depth, none is used. Losers get `key = null`.
 */
function applyGoVisibility(candidates: Candidate[]): void {
  const byKey = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const key = candidate.leaf.key as string;
    const list = byKey.get(key);
    if (list) list.push(candidate);
    else byKey.set(key, [candidate]);
  }
  for (const list of byKey.values()) {
    if (list.length === 1) continue;
    const shallowest = Math.min(...list.map((c) => c.depth));
    const winners = list.filter((c) => c.depth === shallowest);
    for (const candidate of list) {
      if (winners.length !== 1 || candidate !== winners[0]) candidate.leaf.key = null;
    }
  }
}
