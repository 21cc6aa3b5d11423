/**
 * Teleport audit-log JSON ⇄ `events.OneOf`, driven by the schema's gogoproto options (see `plan.ts`), with
 * lossless forwarding: an event the plugin returns unchanged is forwarded as the very line that came in, and a
 * changed one keeps every key the schema does not know, in the original key order.
 *
 * @module
 */
import protobuf from "protobufjs";
import { eventTypeInfo } from "../events/catalog.ts";
import { bundledSchema } from "../proto/schema.ts";
import {
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
  parseJsonLossless,
  parseJsonObjectLine,
} from "./json.ts";
import { ConversionError, diffNodes, type MessagePlan, PlanCompiler, renderNodes } from "./plan.ts";
import { WireWriter } from "./wire_writer.ts";
import { errorMessage } from "../error_message.ts";

/** Thrown for input that cannot be handled at all (not a JSON object) or an unusable plugin result. */
export class TeleportJsonError extends Error {
  /** Creates the error; `message` says what is wrong with the line or the plugin's result. */
  constructor(message: string) {
    super(message);
    this.name = "TeleportJsonError";
  }
}

/** `Metadata.Type` Teleport gives events it cannot decode (`api/types/events` `unknown.go`). */
export const UNKNOWN_EVENT_TYPE = "unknown";
/** `Metadata.Code` of such events. */
export const UNKNOWN_EVENT_CODE = "TCC00E";

/** One audit event read from a JSON line, ready to hand to a plugin. */
export interface ParsedEvent {
  /** The line exactly as received (forwarded as is when the plugin leaves the event unchanged). */
  readonly line: string;
  /** The parsed line; integers beyond 2^53 are kept as raw literals. */
  readonly object: JsonObject;
  /** The `event` key (`""` when missing or not a string). */
  readonly type: string;
  /** The `events.OneOf` member carrying the event (`Unknown` for fallbacks). */
  readonly member: string;
  /** The encoded `events.OneOf`. */
  readonly bytes: Uint8Array;
  /** Why the event became `events.Unknown` (unknown type, or the error converting it); absent otherwise. */
  readonly fallback?: string;
  /**
   * When asked for (`wrapField`): an enclosing message holding only the event as that field, e.g.
   * `plugin.HandleEventRequest`. `bytes` is its tail (same memory).
   */
  readonly wrapped?: Uint8Array;
}

/** Options of {@linkcode TeleportJsonCodec}. */
export interface TeleportJsonCodecOptions {
  /** A resolved schema holding `events.OneOf` (default: the bundled schema). */
  root?: protobuf.Root;
  /** Fully qualified name of the envelope (default `events.OneOf`). */
  oneOfType?: string;
  /** Maps an `event` type string to its OneOf member name (default: the event catalog). */
  memberOf?: (eventType: string) => string | undefined;
}

interface Member {
  readonly name: string;
  readonly tag: number;
  readonly type: protobuf.Type;
}

type Decoded = Record<string, unknown>;

const EMPTY_OBJECT: JsonObject = Object.freeze({}) as JsonObject;

/**
 * Converts Teleport audit JSON lines to `events.OneOf` bytes and back. Plans are compiled per message on first
 * use and cached in the instance; create one codec and reuse it.
 *
 * @example
 * ```ts
 * import { TeleportJsonCodec } from "./codec.ts";
 * const codec = new TeleportJsonCodec();
 * const parsed = codec.toEvent('{"ei":0,"event":"user.login","code":"T1000I","time":"2020-04-07T18:45:07Z","user":"bob","success":true}');
 * parsed.member; // "UserLogin"
 * codec.renderEvent(parsed, parsed.bytes) === parsed.line; // true: unchanged events are forwarded verbatim
 * ```
 */
export class TeleportJsonCodec {
  readonly #oneOf: protobuf.Type;
  readonly #members = new Map<string, Member>();
  readonly #membersById = new Map<number, Member>();
  readonly #memberOf: (eventType: string) => string | undefined;
  readonly #plans = new PlanCompiler();
  // Reused for every event (the codec is synchronous): no buffer allocation per event but the result.
  readonly #writer = new WireWriter();
  readonly #unknown: Member;
  readonly #unknownKeys: UnknownKeys;

  /**
   * Builds a codec over a schema. Plans are compiled lazily, per message, on first use.
   *
   * @param options Schema, envelope type and type table; the defaults use the bundled schema and event catalog.
   * @throws {TeleportJsonError} when the envelope has no oneof or no `Unknown` member.
   */
  constructor(options: TeleportJsonCodecOptions = {}) {
    const root = options.root ?? bundledSchema().root;
    const name = options.oneOfType ?? "events.OneOf";
    const envelope = root.lookup(name);
    if (!(envelope instanceof protobuf.Type)) {
      throw new TeleportJsonError(`${name}: no such message in the schema`);
    }
    this.#oneOf = envelope;
    const oneof = this.#oneOf.oneofsArray[0];
    if (!oneof) throw new TeleportJsonError(`${name}: has no oneof of events`);
    for (const field of oneof.fieldsArray) {
      if (field.resolvedType instanceof protobuf.Type) {
        const member = { name: field.name, tag: (field.id << 3) | 2, type: field.resolvedType };
        this.#members.set(field.name, member);
        this.#membersById.set(field.id, member);
      }
    }
    this.#memberOf = options.memberOf ?? ((type) => eventTypeInfo(type)?.member);
    const unknown = this.#members.get("Unknown");
    if (!unknown) {
      throw new TeleportJsonError(`${name}: has no member Unknown (the fallback for unknown types)`);
    }
    this.#unknown = unknown;
    this.#unknownKeys = unknownKeysOf(this.#plans.plan(unknown.type));
  }

  /**
   * Parses one JSON line (without its line terminator, which would be forwarded too) into an event. Types the
   * schema lacks, and lines whose values do not fit their fields, become `events.Unknown` carrying the raw line in
   * `Data` (see {@linkcode ParsedEvent.fallback}). `wrapField`: see {@linkcode TeleportJsonCodec.fromObject}.
   *
   * @throws {TeleportJsonError} when the line is not a JSON object.
   */
  toEvent(line: string, wrapField?: number): ParsedEvent {
    const parsed = parseJsonObjectLine(line, parseJsonLossless);
    if (typeof parsed === "string") throw new TeleportJsonError(parsed);
    return this.fromObject(parsed, line, wrapField);
  }

  /**
   * Like {@linkcode toEvent} for an object already parsed; `line` is what will be forwarded if unchanged.
   * With `wrapField`, the event is also written as that (length-delimited) field of an enclosing message,
   * {@linkcode ParsedEvent.wrapped}: 1 gives the `plugin.HandleEventRequest` a plugin's `handleEvent` takes,
   * without copying the event again.
   */
  fromObject(object: JsonObject, line: string = JSON.stringify(object), wrapField?: number): ParsedEvent {
    const typeValue = object[this.#unknownKeys.type];
    const type = typeof typeValue === "string" ? typeValue : "";
    const memberName = this.#memberOf(type);
    const member = memberName === undefined ? undefined : this.#members.get(memberName);
    if (member === undefined) {
      const why = type === "" ? "no event type" : `event type "${type}" is not in the schema`;
      return this.#unknownEvent(object, line, type, why, wrapField);
    }
    try {
      const { bytes, wrapped } = this.#encode(member, object, wrapField);
      return { line, object, type, member: member.name, bytes, wrapped };
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      return this.#unknownEvent(object, line, type, `${type}: ${e.message}`, wrapField);
    }
  }

  /**
   * The JSON line to forward for `oneOfBytes`, the event the plugin returned for `parsed`:
   * - unchanged (same bytes, or bytes that decode to the same event): `parsed.line`, byte for byte;
   * - changed, same OneOf member: the original object with the changed schema-known keys re-rendered (in place,
   *   new ones appended) and every other key kept as it was;
   * - a different member: the new event rendered entirely.
   *
   * @throws {TeleportJsonError} when the bytes are not an `events.OneOf` holding an event, or hold a value that
   * cannot be written as JSON (a time outside years 1-9999).
   */
  renderEvent(parsed: ParsedEvent, oneOfBytes: Uint8Array): string {
    if (sameBytes(parsed.bytes, oneOfBytes)) return parsed.line;
    return rendering(() => this.#renderChanged(parsed, oneOfBytes));
  }

  #renderChanged(parsed: ParsedEvent, oneOfBytes: Uint8Array): string {
    const next = this.#decode(oneOfBytes);
    if (next.member.name !== parsed.member) {
      return JSON.stringify(this.#renderWhole(next.member, next.message));
    }
    const before = this.#decode(parsed.bytes).message;
    const dataField = this.#unknownKeys.dataField;
    if (next.member === this.#unknown && next.message[dataField] !== before[dataField]) {
      // The plugin replaced the raw event an Unknown carries: that is the new original.
      return JSON.stringify(this.#renderWhole(next.member, next.message));
    }
    let was: JsonObject, now: JsonObject;
    if (next.member === this.#unknown) {
      was = this.#renderKnown(next.member, before);
      now = this.#renderKnown(next.member, next.message);
    } else {
      was = {};
      now = {};
      diffNodes(this.#plans.plan(next.member.type).nodes, before, next.message, was, now);
    }
    const patched = applyChanges(parsed.object, was, now);
    return patched === undefined ? parsed.line : JSON.stringify(patched);
  }

  /** Renders an encoded `events.OneOf` as Teleport would write it (Go field order, no original to keep). */
  renderMessage(oneOfBytes: Uint8Array): string {
    return rendering(() => {
      const { member, message } = this.#decode(oneOfBytes);
      return JSON.stringify(this.#renderWhole(member, message));
    });
  }

  /** The OneOf member that would carry events of `type`, or `undefined` when they would become Unknown. */
  memberOf(type: string): string | undefined {
    const name = this.#memberOf(type);
    return name !== undefined && this.#members.has(name) ? name : undefined;
  }

  #encode(
    member: Member,
    object: JsonObject,
    wrapField?: number,
  ): { bytes: Uint8Array; wrapped?: Uint8Array } {
    const writer = this.#writer;
    try {
      if (wrapField !== undefined) writer.uint32((wrapField << 3) | 2).fork();
      const start = writer.length;
      writer.uint32(member.tag).fork();
      this.#plans.plan(member.type).encode(object, writer);
      writer.ldelim();
      if (wrapField === undefined) return { bytes: writer.finish() };
      const length = writer.length - start;
      const wrapped = writer.ldelim().finish();
      return { bytes: wrapped.subarray(wrapped.length - length), wrapped };
    } catch (e) {
      writer.reset();
      throw e;
    }
  }

  /** Teleport's fallback (`lib/events/dynamic.go`): Metadata from the line, its type and code kept aside. */
  #unknownEvent(
    object: JsonObject,
    line: string,
    type: string,
    why: string,
    wrapField?: number,
  ): ParsedEvent {
    const keys = this.#unknownKeys;
    const fields: JsonObject = {};
    for (const key of keys.metadata) if (object[key] !== undefined) fields[key] = object[key];
    fields[keys.type] = UNKNOWN_EVENT_TYPE;
    fields[keys.code] = UNKNOWN_EVENT_CODE;
    fields[keys.unknownType] = type;
    fields[keys.unknownCode] = typeof object[keys.code] === "string" ? object[keys.code] : "";
    fields[keys.data] = line.trim();
    let encoded: { bytes: Uint8Array; wrapped?: Uint8Array };
    try {
      encoded = this.#encode(this.#unknown, fields, wrapField);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      // Metadata that does not parse (a bad time, say) is left out; the raw line still carries it.
      for (const key of keys.metadata) if (key !== keys.type && key !== keys.code) delete fields[key];
      encoded = this.#encode(this.#unknown, fields, wrapField);
    }
    const { bytes, wrapped } = encoded;
    return { line, object, type, member: this.#unknown.name, bytes, wrapped, fallback: why };
  }

  /**
   * Decodes the wrapped by hand and only the member message with protobufjs: the generated decoder of a
   * 267-case oneof is too large for V8 to optimise and costs several times the member's own decoding.
   */
  #decode(oneOfBytes: Uint8Array): { member: Member; message: Decoded } {
    let member: Member | undefined;
    let message: Decoded | undefined;
    try {
      const reader = protobuf.Reader.create(oneOfBytes);
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        const candidate = (tag & 7) === 2 ? this.#membersById.get(tag >>> 3) : undefined;
        if (candidate === undefined) {
          reader.skipType(tag & 7);
          continue;
        }
        // Protobuf semantics for a oneof: the last member on the wire wins.
        member = candidate;
        message = candidate.type.decode(reader, reader.uint32()) as unknown as Decoded;
      }
    } catch (e) {
      throw new TeleportJsonError(
        `plugin result is not a valid ${this.#oneOf.name}: ${errorMessage(e)}`,
      );
    }
    if (member === undefined || message === undefined) {
      throw new TeleportJsonError(`plugin result ${this.#oneOf.name} holds no event`);
    }
    return { member, message };
  }

  /** The JSON keys the schema knows for this message, as Go renders them (Unknown: the original's metadata). */
  #renderKnown(member: Member, message: Decoded): JsonObject {
    const out = renderNodes(this.#plans.plan(member.type).nodes, message, {});
    if (member !== this.#unknown) return out;
    // An Unknown stands for the original event: its metadata with the original type and code.
    const keys = this.#unknownKeys;
    const view: JsonObject = {};
    for (const key of keys.metadata) if (out[key] !== undefined) view[key] = out[key];
    view[keys.type] = out[keys.unknownType] ?? "";
    if (out[keys.unknownCode] !== undefined) view[keys.code] = out[keys.unknownCode];
    else delete view[keys.code];
    return view;
  }

  #renderWhole(member: Member, message: Decoded): JsonObject {
    if (member !== this.#unknown) return this.#renderKnown(member, message);
    // An Unknown is the raw event it carries, with whatever metadata the plugin changed applied to it.
    const data = message[this.#unknownKeys.dataField];
    const base = parseObjectOr(data, EMPTY_OBJECT);
    const type = typeof base[this.#unknownKeys.type] === "string"
      ? base[this.#unknownKeys.type] as string
      : "";
    const baseline = this.#unknownEvent(base, typeof data === "string" ? data : "", type, "").bytes;
    const before = this.#renderKnown(member, this.#decode(baseline).message);
    return applyChanges(base, before, this.#renderKnown(member, message)) ?? base;
  }
}

/** JSON keys of `events.Unknown`, read from its plan (they follow the schema's jsontags). */
interface UnknownKeys {
  /** Keys of the embedded Metadata. */
  metadata: string[];
  type: string;
  code: string;
  unknownType: string;
  unknownCode: string;
  data: string;
  /** Proto name of the Data field. */
  dataField: string;
}

function unknownKeysOf(plan: MessagePlan): UnknownKeys {
  const metadata = plan.nodes.find((node) => node.kind === "embed");
  const keyOf = (nodes: MessagePlan["nodes"], name: string) => {
    const node = nodes.find((n) => n.kind === "leaf" && n.name === name);
    if (node?.kind !== "leaf" || node.key === null) {
      throw new TeleportJsonError(`${plan.type.fullName}: no JSON key for field ${name}`);
    }
    return node.key;
  };
  if (metadata?.kind !== "embed") throw new TeleportJsonError(`${plan.type.fullName}: no embedded Metadata`);
  return {
    metadata: metadata.nodes.flatMap((n) => n.kind === "leaf" && n.key !== null ? [n.key] : []),
    type: keyOf(metadata.nodes, "Type"),
    code: keyOf(metadata.nodes, "Code"),
    unknownType: keyOf(plan.nodes, "UnknownType"),
    unknownCode: keyOf(plan.nodes, "UnknownCode"),
    data: keyOf(plan.nodes, "Data"),
    dataField: "Data",
  };
}

/** Runs a rendering, reporting values Go could not write either (a time beyond year 9999) as TeleportJsonError. */
function rendering(render: () => string): string {
  try {
    return render();
  } catch (e) {
    if (e instanceof ConversionError) {
      throw new TeleportJsonError(`plugin result cannot be rendered: ${e.message}`);
    }
    throw e;
  }
}

function parseObjectOr(text: unknown, fallback: JsonObject): JsonObject {
  if (typeof text !== "string") return fallback;
  try {
    const value = parseJsonLossless(text);
    return isJsonObject(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // Four bytes a step (DataView reads need no alignment): this runs once per event on the hot path.
  const left = new DataView(a.buffer, a.byteOffset, a.byteLength);
  const right = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const words = a.length - (a.length % 4);
  for (let i = 0; i < words; i += 4) if (left.getUint32(i) !== right.getUint32(i)) return false;
  for (let i = words; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Applies the difference between `before` and `after` (two renderings of known keys) to `original`: changed keys
 * are replaced in place (objects on both sides are patched key by key, so unknown nested keys survive), removed
 * ones deleted, new ones appended; all other keys stay as they were. Returns `undefined` when nothing differs.
 */
export function applyChanges(
  original: JsonObject,
  before: JsonObject,
  after: JsonObject,
): JsonObject | undefined {
  const changes = new Map<string, JsonValue | undefined>();
  for (const key in after) {
    const was = before[key], now = after[key];
    if (jsonEqual(was, now)) continue;
    const current = original[key];
    if (isJsonObject(current) && isJsonObject(was) && isJsonObject(now)) {
      const nested = applyChanges(current, was, now);
      if (nested !== undefined) changes.set(key, nested);
    } else {
      changes.set(key, now);
    }
  }
  for (const key in before) {
    if (!(key in after) && key in original) changes.set(key, undefined);
  }
  if (changes.size === 0) return undefined;
  // No prototype: a key named "__proto__" (an own property in parsed JSON) stays a key.
  const out = Object.create(null) as JsonObject;
  for (const key in original) {
    if (!changes.has(key)) out[key] = original[key];
    else if (changes.get(key) !== undefined) out[key] = changes.get(key) as JsonValue;
  }
  for (const [key, value] of changes) if (value !== undefined && !(key in original)) out[key] = value;
  return out;
}
