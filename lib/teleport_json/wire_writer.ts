/**
 * A protobuf wire writer tuned for the converter's hot path: messages are written back to back into a large
 * slab and handed out as views of it (allocating a buffer per message cost more than encoding it), ASCII strings
 * are copied without an encoder call, and length-delimited sub-messages are written in place (one byte reserved
 * for the length, shifted in the rare case it needs more). The method names follow protobufjs's `Writer`, which
 * it replaces here because its Node `Buffer` string writes are slow under Deno.
 *
 * @module
 */

/** 64-bit two's complement bits as two unsigned 32-bit halves. */
export interface LongBits {
  /** Bits 0-31, as an unsigned 32-bit number. */
  readonly low: number;
  /** Bits 32-63, as an unsigned 32-bit number. */
  readonly high: number;
}

const TWO_32 = 4294967296;
const MAX_VARINT32_BYTES = 5;
/** From this length on, `TextEncoder.encodeInto` beats copying char by char (its call costs ~40 chars). */
const NATIVE_STRING_LENGTH = 48;

function varint32Length(value: number): number {
  let length = 1;
  for (let v = value >>> 7; v > 0; v >>>= 7) length++;
  return length;
}
const encoder = new TextEncoder();
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const float32 = new Float32Array(1);
const float32Bytes = new Uint8Array(float32.buffer);

/** The two's complement bits of a safe integer (or of any integer-valued number, modulo 2^64). */
export function longBitsOfNumber(value: number): LongBits {
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  let low = magnitude >>> 0;
  let high = Math.floor(magnitude / TWO_32) >>> 0;
  if (negative) {
    high = ~high >>> 0;
    low = ~low >>> 0;
    if (++low > 0xffffffff) {
      low = 0;
      high = (high + 1) >>> 0;
    }
  }
  return { low, high };
}

/** The two's complement bits of a decimal integer of any size (taken modulo 2^64). */
export function longBitsOfDecimal(text: string): LongBits {
  const bits = BigInt.asUintN(64, BigInt(text));
  return { low: Number(bits & 0xffffffffn), high: Number(bits >> 32n) };
}

/**
 * Writes protobuf wire data. Call {@linkcode WireWriter.finish} to take the bytes of the message written; the
 * writer then starts the next one.
 *
 * Finished messages are views of a shared slab that is never written again: they stay valid and unchanged for
 * as long as they are referenced (each keeps its whole slab alive).
 *
 * @example
 * ```ts
 * import { WireWriter } from "./wire_writer.ts";
 * const bytes = new WireWriter().uint32((1 << 3) | 2).fork().uint32((2 << 3) | 2).string("hi").ldelim().finish();
 * // Uint8Array [10, 4, 18, 2, 104, 105]
 * ```
 */
export class WireWriter {
  #buffer: Uint8Array;
  /** Where the message being written starts in the slab; everything before it was handed out. */
  #start = 0;
  #position = 0;
  /** Open forks, as offsets from `#start` (so a move to a new slab leaves them valid). */
  readonly #forks: number[] = [];
  readonly #slabSize: number;

  /** Creates a writer that allocates slabs of `slabSize` bytes (larger for a message that needs more). */
  constructor(slabSize = 64 * 1024) {
    this.#slabSize = slabSize;
    this.#buffer = new Uint8Array(slabSize);
  }

  #reserve(bytes: number): void {
    if (this.#position + bytes <= this.#buffer.length) return;
    // A new slab, with the message written so far moved to its start; the old slab keeps what was handed out.
    const written = this.#position - this.#start;
    let size = this.#slabSize;
    while (size < 2 * (written + bytes)) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buffer.subarray(this.#start, this.#position));
    this.#buffer = next;
    this.#start = 0;
    this.#position = written;
  }

  /** A varint of an unsigned 32-bit value (tags, lengths, uint32). */
  uint32(value: number): this {
    this.#reserve(5);
    const buffer = this.#buffer;
    let v = value >>> 0;
    while (v > 127) {
      buffer[this.#position++] = (v & 127) | 128;
      v >>>= 7;
    }
    buffer[this.#position++] = v;
    return this;
  }

  /** A varint of a signed 32-bit value (negative values take ten bytes, as protobuf requires). */
  int32(value: number): this {
    return value < 0 ? this.#varint64(value >>> 0, 0xffffffff) : this.uint32(value);
  }

  /** A zigzag varint of a signed 32-bit value. */
  sint32(value: number): this {
    return this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** A little-endian 32-bit value. */
  fixed32(value: number): this {
    this.#reserve(4);
    const v = value >>> 0;
    const buffer = this.#buffer;
    buffer[this.#position++] = v & 255;
    buffer[this.#position++] = (v >>> 8) & 255;
    buffer[this.#position++] = (v >>> 16) & 255;
    buffer[this.#position++] = v >>> 24;
    return this;
  }

  /** Same bits as {@linkcode WireWriter.fixed32}. */
  sfixed32(value: number): this {
    return this.fixed32(value);
  }

  /** A varint of 64-bit bits (int64 and uint64 alike). */
  int64(bits: LongBits): this {
    return this.#varint64(bits.low >>> 0, bits.high >>> 0);
  }

  /** A varint of a safe integer as int64 (negative values in two's complement), without a {@linkcode LongBits}. */
  int64Number(value: number): this {
    const negative = value < 0;
    const magnitude = negative ? -value : value;
    let low = magnitude >>> 0;
    let high = Math.floor(magnitude / TWO_32) >>> 0;
    if (negative) {
      high = ~high >>> 0;
      low = ~low >>> 0;
      if (++low > 0xffffffff) {
        low = 0;
        high = (high + 1) >>> 0;
      }
    }
    return this.#varint64(low, high);
  }

  /** A zigzag varint of signed 64-bit bits. */
  sint64(bits: LongBits): this {
    const mask = bits.high >> 31;
    const high = (((bits.high << 1) | (bits.low >>> 31)) ^ mask) >>> 0;
    const low = ((bits.low << 1) ^ mask) >>> 0;
    return this.#varint64(low, high);
  }

  /** Little-endian 64-bit bits (fixed64 and sfixed64 alike). */
  fixed64(bits: LongBits): this {
    return this.fixed32(bits.low).fixed32(bits.high);
  }

  #varint64(low: number, high: number): this {
    this.#reserve(10);
    const buffer = this.#buffer;
    while (high > 0) {
      buffer[this.#position++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    while (low > 127) {
      buffer[this.#position++] = (low & 127) | 128;
      low >>>= 7;
    }
    buffer[this.#position++] = low;
    return this;
  }

  /** A boolean varint. */
  bool(value: boolean): this {
    this.#reserve(1);
    this.#buffer[this.#position++] = value ? 1 : 0;
    return this;
  }

  /** A little-endian IEEE 754 double. */
  double(value: number): this {
    this.#reserve(8);
    float64[0] = value;
    this.#buffer.set(float64Bytes, this.#position);
    this.#position += 8;
    return this;
  }

  /** A little-endian IEEE 754 float. */
  float(value: number): this {
    this.#reserve(4);
    float32[0] = value;
    this.#buffer.set(float32Bytes, this.#position);
    this.#position += 4;
    return this;
  }

  /** A length-prefixed UTF-8 string. */
  string(value: string): this {
    const length = value.length;
    if (length >= NATIVE_STRING_LENGTH) return this.#longString(value);
    // Short ASCII, the usual case: one byte per char, copied without a call into the runtime.
    this.#reserve(1 + length);
    const buffer = this.#buffer;
    const start = this.#position;
    let at = start + 1;
    for (let i = 0; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c > 127) return this.#longString(value);
      buffer[at++] = c;
    }
    buffer[start] = length;
    this.#position = at;
    return this;
  }

  /** Encodes straight into the slab (the length guessed for ASCII, and the text moved if the guess was off). */
  #longString(value: string): this {
    const most = value.length * 3;
    this.#reserve(MAX_VARINT32_BYTES + most);
    const buffer = this.#buffer;
    const start = this.#position;
    const guess = varint32Length(value.length);
    const { written } = encoder.encodeInto(value, buffer.subarray(start + guess, start + guess + most));
    const header = varint32Length(written);
    if (header !== guess) buffer.copyWithin(start + header, start + guess, start + guess + written);
    let v = written;
    let at = start;
    while (v > 127) {
      buffer[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    buffer[at] = v;
    this.#position = start + header + written;
    return this;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): this {
    this.uint32(value.length);
    this.#reserve(value.length);
    this.#buffer.set(value, this.#position);
    this.#position += value.length;
    return this;
  }

  /** Starts a length-delimited sub-message; end it with {@linkcode WireWriter.ldelim}. */
  fork(): this {
    this.#reserve(1);
    this.#forks.push(this.#position++ - this.#start);
    return this;
  }

  /** Ends the innermost {@linkcode WireWriter.fork}, writing its length in front of it. */
  ldelim(): this {
    const fork = this.#forks.pop();
    if (fork === undefined) throw new Error("WireWriter.ldelim() without fork()");
    const start = this.#start + fork;
    const length = this.#position - start - 1;
    if (length < 128) {
      this.#buffer[start] = length;
      return this;
    }
    let extra = 0;
    for (let v = length >>> 7; v > 0; v >>>= 7) extra++;
    this.#reserve(extra);
    // The reserve may have moved the message to a new slab.
    const at0 = this.#start + fork;
    const buffer = this.#buffer;
    buffer.copyWithin(at0 + 1 + extra, at0 + 1, this.#position);
    let v = length;
    let at = at0;
    while (v > 127) {
      buffer[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    buffer[at] = v;
    this.#position += extra;
    return this;
  }

  /** Bytes of the current message written so far: a mark to {@linkcode WireWriter.truncate} back to. */
  get length(): number {
    return this.#position - this.#start;
  }

  /** Forgets what was written after `mark` (outside any open fork). */
  truncate(mark: number): this {
    this.#position = this.#start + mark;
    return this;
  }

  /** Returns the message written (a view of the slab, never written again) and starts the next one. */
  finish(): Uint8Array {
    if (this.#forks.length !== 0) throw new Error("WireWriter.finish() inside an unterminated fork()");
    const bytes = this.#buffer.subarray(this.#start, this.#position);
    this.#start = this.#position;
    return bytes;
  }

  /** Forgets the current message (after an error midway). */
  reset(): void {
    this.#position = this.#start;
    this.#forks.length = 0;
  }
}
