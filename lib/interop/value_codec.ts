/**
 * A compact binary encoding of declared values (see `types.ts`), used wherever values cross a thread:
 * batch arguments (main to worker), call results (worker to main, in shared memory) and host function
 * arguments and results. Strings travel as raw UTF-16 code units so the worker copies them into plugin
 * memory without transcoding; byte arrays travel as they are.
 *
 * `text` (adapters only) travels as UTF-8. Every `string`, `bytes` and `text` value is a u32 byte length, padding
 * to the next multiple of 8 bytes, then the payload: copies to aligned places in shared memory run several times
 * faster.
 *
 * Buffers are resizable `ArrayBuffer`s or growable `SharedArrayBuffer`s; views over them track their length.
 *
 * @module
 */
import type { ParamType, ResultType } from "./types.ts";

/** A buffer that can get larger in place. */
export type GrowableBuffer = ArrayBuffer | SharedArrayBuffer;

/** Creates a growable shared buffer of `initial` bytes that may grow to `maximum`. */
export function growableShared(initial: number, maximum: number): SharedArrayBuffer {
  return new SharedArrayBuffer(initial, { maxByteLength: maximum });
}

function enlarge(buffer: GrowableBuffer, needed: number): void {
  const max = buffer instanceof SharedArrayBuffer ? buffer.maxByteLength : buffer.maxByteLength;
  if (needed > max) throw new RangeError(`encoded values need ${needed} bytes, more than the ${max} allowed`);
  const size = Math.min(max, Math.max(needed, buffer.byteLength * 2));
  if (buffer instanceof SharedArrayBuffer) buffer.grow(size);
  else buffer.resize(size);
}

const CHUNK = 8192;

// ignoreBOM: a leading U+FEFF is text like any other, not a byte order mark to drop.
const UTF16 = new TextDecoder("utf-16le", { ignoreBOM: true });
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();

/** Strings up to this many code units are encoded and decoded in JavaScript when they are ASCII. */
const SHORT_TEXT = 32;

/** Decodes UTF-8; short ASCII text without a native decoder call, which costs more than the work itself. */
function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length > SHORT_TEXT) return UTF8.decode(bytes);
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] > 0x7f) return UTF8.decode(bytes);
    text += String.fromCharCode(bytes[i]);
  }
  return text;
}

/** Decodes UTF-16LE code units exactly (lone surrogates are kept, unlike `TextDecoder`). */
export function decodeUtf16(bytes: Uint8Array): string {
  // The native decoder is many times faster; it only differs on lone surrogates, which it replaces with U+FFFD,
  // so a result holding U+FFFD (rare) is decoded again unit by unit.
  const fast = UTF16.decode(bytes);
  if (!fast.includes("\uFFFD")) return fast;
  const units = bytes.byteOffset % 2 === 0
    ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 1)
    : new Uint16Array(bytes.slice().buffer, 0, bytes.byteLength >>> 1);
  if (units.length <= CHUNK) return String.fromCharCode.apply(null, units as unknown as number[]);
  const parts: string[] = [];
  for (let i = 0; i < units.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, units.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return parts.join("");
}

/** Bytes from `offset` to the next multiple of 8, where payloads start (see `ValueWriter`). */
function alignPadding(offset: number): number {
  return -offset & 7;
}

/** Appends values to a growable buffer. */
export class ValueWriter {
  /** The buffer written to; it grows as needed. */
  readonly buffer: GrowableBuffer;
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  /** Number of bytes written so far. */
  offset = 0;

  constructor(buffer: GrowableBuffer) {
    this.buffer = buffer;
    this.#view = new DataView(buffer);
    this.#bytes = new Uint8Array(buffer);
  }

  #reserve(size: number): number {
    const at = this.offset;
    if (at + size > this.buffer.byteLength) enlarge(this.buffer, at + size);
    this.offset = at + size;
    return at;
  }

  /** Writes a 32-bit unsigned number. */
  u32(value: number): void {
    this.#view.setUint32(this.#reserve(4), value, true);
  }

  /**
   * Writes the length of a payload and reserves the payload at the next multiple of 8 bytes: copies to an
   * 8-byte-aligned place in shared memory run several times faster than to an unaligned one.
   */
  #payload(length: number): number {
    const lengthAt = this.offset;
    const at = lengthAt + 4 + alignPadding(lengthAt + 4);
    // One reservation for the length, the padding and the payload: this runs once per value of a batch.
    this.#reserve(at + length - lengthAt);
    this.#view.setUint32(lengthAt, length, true);
    return at;
  }

  /** Writes raw bytes preceded by their length. */
  bytes(value: Uint8Array): void {
    this.#bytes.set(value, this.#payload(value.byteLength));
  }

  /** Writes a JavaScript string as UTF-16 code units preceded by their byte length. */
  string(value: string): void {
    const units = new Uint16Array(this.buffer, this.#payload(value.length * 2), value.length);
    for (let i = 0; i < value.length; i++) units[i] = value.charCodeAt(i);
  }

  /** Writes a JavaScript string as UTF-8 preceded by its byte length (lone surrogates become U+FFFD). */
  text(value: string): void {
    if (value.length <= SHORT_TEXT && this.#shortAscii(value)) return;
    const lengthAt = this.offset;
    // At most 3 bytes per UTF-16 code unit; the length is set and the unused rest given back once written.
    const at = this.#payload(value.length * 3);
    const { written } = UTF8_ENCODER.encodeInto(value, this.#bytes.subarray(at, at + value.length * 3));
    this.offset = at + written;
    this.#view.setUint32(lengthAt, written, true);
  }

  /** Writes a short ASCII string byte by byte (a native encoder call costs more); false when not ASCII. */
  #shortAscii(value: string): boolean {
    for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
    const at = this.#payload(value.length);
    for (let i = 0; i < value.length; i++) this.#bytes[at + i] = value.charCodeAt(i);
    return true;
  }

  /**
   * Writes a JavaScript value of the declared type; throws a `TypeError` naming `what` when the value does
   * not fit the type.
   */
  value(type: ResultType, value: unknown, what: string): void {
    switch (type) {
      case "void":
        return;
      case "string":
        if (typeof value !== "string") throw new TypeError(`${what} must be a string`);
        return this.string(value);
      case "text":
        if (typeof value !== "string") throw new TypeError(`${what} must be a string`);
        return this.text(value);
      case "bytes":
        if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
        return this.bytes(value);
      case "bool":
        if (typeof value !== "boolean") throw new TypeError(`${what} must be a boolean`);
        return this.u32(value ? 1 : 0);
      case "i64":
        if (typeof value !== "bigint") throw new TypeError(`${what} must be a bigint`);
        return this.#view.setBigInt64(this.#reserve(8), BigInt.asIntN(64, value), true);
      default:
        if (typeof value !== "number") throw new TypeError(`${what} must be a number`);
        if (type === "f64") return this.#view.setFloat64(this.#reserve(8), value, true);
        if (type === "f32") return this.#view.setFloat32(this.#reserve(4), value, true);
        return this.#view.setInt32(this.#reserve(4), value, true);
    }
  }

  /**
   * Writes a WebAssembly-side value of the declared type; `string` and `bytes` are given as the raw
   * bytes of the AssemblyScript object.
   */
  wasmValue(type: ResultType, value: number | bigint | Uint8Array): void {
    switch (type) {
      case "void":
        return;
      case "string":
      case "bytes":
        return this.bytes(value as Uint8Array);
      case "i64":
        return this.#view.setBigInt64(this.#reserve(8), value as bigint, true);
      case "f64":
        return this.#view.setFloat64(this.#reserve(8), value as number, true);
      case "f32":
        return this.#view.setFloat32(this.#reserve(4), value as number, true);
      case "bool":
        return this.#view.setInt32(this.#reserve(4), value ? 1 : 0, true);
      default:
        return this.#view.setInt32(this.#reserve(4), value as number, true);
    }
  }
}

/** Reads values written by {@linkcode ValueWriter}. */
export class ValueReader {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  /** Position of the next value. */
  offset: number;

  constructor(buffer: ArrayBufferLike, offset = 0) {
    this.#view = new DataView(buffer);
    this.#bytes = new Uint8Array(buffer);
    this.offset = offset;
  }

  /** Reads a 32-bit unsigned number. */
  u32(): number {
    const value = this.#view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** Returns a view of the next length-prefixed bytes (not a copy). */
  rawBytes(): Uint8Array {
    const length = this.u32();
    this.offset += alignPadding(this.offset);
    const view = this.#bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  /** Reads a value of the declared type as JavaScript sees it; bytes are copied. */
  value(type: ResultType): unknown {
    switch (type) {
      case "void":
        return undefined;
      case "string":
        return decodeUtf16(this.rawBytes());
      case "text":
        return decodeUtf8(this.rawBytes());
      case "bytes":
        return this.rawBytes().slice();
      default:
        return this.number(type);
    }
  }

  /** Reads a numeric value as WebAssembly takes it (`bool` as 0 or 1) or JavaScript sees it. */
  number(type: Exclude<ParamType, "string" | "bytes" | "text">, forWasm = false): number | bigint | boolean {
    const at = this.offset;
    switch (type) {
      case "i64":
        this.offset += 8;
        return this.#view.getBigInt64(at, true);
      case "f64":
        this.offset += 8;
        return this.#view.getFloat64(at, true);
      case "f32":
        this.offset += 4;
        return this.#view.getFloat32(at, true);
      case "bool":
        this.offset += 4;
        return forWasm ? this.#view.getInt32(at, true) : this.#view.getInt32(at, true) !== 0;
      default:
        this.offset += 4;
        return this.#view.getInt32(at, true);
    }
  }
}
