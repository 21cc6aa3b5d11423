/**
 * Makes a plugin's loops interruptible from another thread.
 *
 * Deno 2.9 cannot stop a worker that is stuck in an endless loop: `worker.terminate()` returns, but the
 * thread keeps running (denoland/deno#35657). So the pool rewrites the plugin before compiling it: it adds
 * a one-page shared memory, exported as {@linkcode INTERRUPT_EXPORT}, and at the head of every loop an
 * atomic load of its first word followed by `if unreachable end`. Setting that word to a non-zero value
 * from the main thread makes the next loop iteration trap, which hands control back to the worker's
 * JavaScript, where the pending termination takes effect.
 *
 * A start function runs inside `new WebAssembly.Instance`, before any export (the flag included) can be
 * reached, so endless start code could not be stopped: the rewrite turns it into the export
 * {@linkcode START_EXPORT}, which the worker calls once the main thread holds the instance's flag.
 *
 * This needs the multi-memory and threads features (both on in Deno 2.9). Modules this rewriter does not
 * understand are left unchanged (see {@linkcode makeInterruptible}).
 *
 * @module
 */
import {
  encodeU32,
  SECTION_CODE,
  SECTION_EXPORT,
  SECTION_IMPORT,
  SECTION_MEMORY,
  SECTION_START,
  WasmFormatError,
  wasmSections,
} from "./wasm_binary.ts";

/** Name of the exported shared memory whose first word interrupts the plugin's loops. */
export const INTERRUPT_EXPORT = "__interrupt";
/** Name of the export the module's start function becomes; call it right after instantiating. */
export const START_EXPORT = "__interruptible_start";

/** Export kind of a function. */
const EXPORT_FUNCTION = 0x00;
/** Export kind of a memory. */
const EXPORT_MEMORY = 0x02;

const SECTION_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

interface Section {
  readonly id: number;
  content: Uint8Array;
}

class Cursor {
  constructor(readonly bytes: Uint8Array, public at: number, readonly end: number) {}
  byte(): number {
    if (this.at >= this.end) throw new WasmFormatError(`unexpected end of code at byte ${this.at}`);
    return this.bytes[this.at++];
  }
  /** Skips a LEB128 number (signed or unsigned, any width) and returns the unsigned value when small. */
  leb(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return result;
    }
  }
  skip(count: number): void {
    this.at += count;
    if (this.at > this.end) throw new WasmFormatError("instruction runs past its function body");
  }
  /** Skips a value type, including reference types that name a heap type. */
  valueType(): void {
    const code = this.byte();
    if (code === 0x63 || code === 0x64) this.leb();
  }
  blockType(): void {
    const code = this.bytes[this.at];
    if (code === 0x40 || (code >= 0x6f && code <= 0x7f && code !== 0x78 && code !== 0x79)) this.at++;
    else if (code === 0x63 || code === 0x64) this.valueType();
    else this.leb();
  }
  memarg(): void {
    const flags = this.leb();
    if (flags & 0x40) this.leb();
    this.leb();
  }
}

function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Skips the immediates of the instruction whose opcode was just read. */
function skipImmediates(opcode: number, c: Cursor): void {
  if (opcode >= 0x45 && opcode <= 0xc4) return; // numeric instructions
  if (opcode >= 0x28 && opcode <= 0x3e) return c.memarg();
  switch (opcode) {
    case 0x00:
    case 0x01:
    case 0x05:
    case 0x0b:
    case 0x0f:
    case 0x1a:
    case 0x1b:
    case 0xd1:
    case 0x19:
      return;
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x06:
      return c.blockType();
    case 0x0c:
    case 0x0d:
    case 0x10:
    case 0x12:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
    case 0x3f:
    case 0x40:
    case 0xd2:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x18:
      return void c.leb();
    case 0x11:
    case 0x13:
      c.leb();
      return void c.leb();
    case 0x0e:
      for (let n = c.leb(); n >= 0; n--) c.leb();
      return;
    case 0x1c:
      for (let n = c.leb(); n > 0; n--) c.valueType();
      return;
    case 0x41:
    case 0x42:
      return void c.leb();
    case 0x43:
      return c.skip(4);
    case 0x44:
      return c.skip(8);
    case 0xd0:
      return c.valueType();
    case 0xfc:
      return skipMisc(c.leb(), c);
    case 0xfd:
      return skipSimd(c.leb(), c);
    case 0xfe: {
      const sub = c.leb();
      return sub === 0x03 ? c.skip(1) : c.memarg();
    }
    default:
      throw new WasmFormatError(`unsupported opcode 0x${opcode.toString(16)} at byte ${c.at - 1}`);
  }
}

function skipMisc(sub: number, c: Cursor): void {
  if (sub <= 7) return;
  const immediates: Readonly<Record<number, number>> = {
    8: 2,
    9: 1,
    10: 2,
    11: 1,
    12: 2,
    13: 1,
    14: 2,
    15: 1,
    16: 1,
    17: 1,
  };
  const count = immediates[sub];
  if (count === undefined) throw new WasmFormatError(`unsupported opcode 0xfc ${sub}`);
  for (let i = 0; i < count; i++) c.leb();
}

function skipSimd(sub: number, c: Cursor): void {
  if (sub <= 11 || sub === 92 || sub === 93) return c.memarg();
  if (sub === 12 || sub === 13) return c.skip(16);
  if (sub >= 21 && sub <= 34) return c.skip(1);
  if (sub >= 84 && sub <= 91) {
    c.memarg();
    return c.skip(1);
  }
}

/** `i32.const 0; i32.atomic.load (memory m); if; unreachable; end` */
function loopCheck(memoryIndex: number): number[] {
  return [0x41, 0x00, 0xfe, 0x10, 0x42, ...encodeU32(memoryIndex), 0x00, 0x04, 0x40, 0x00, 0x0b];
}

function instrumentBody(bytes: Uint8Array, check: readonly number[]): Uint8Array {
  const c = new Cursor(bytes, 0, bytes.length);
  for (let groups = c.leb(); groups > 0; groups--) {
    c.leb();
    c.valueType();
  }
  const parts: (Uint8Array | readonly number[])[] = [];
  let copiedUpTo = 0;
  while (c.at < c.end) {
    const opcode = c.byte();
    skipImmediates(opcode, c);
    if (opcode === 0x03) {
      parts.push(bytes.subarray(copiedUpTo, c.at), check);
      copiedUpTo = c.at;
    }
  }
  parts.push(bytes.subarray(copiedUpTo));
  return concat(parts);
}

/** The sections of a binary, each with its content, so that they can be replaced and reordered. */
function readSections(bytes: Uint8Array): Section[] {
  return wasmSections(bytes).map((s) => ({ id: s.id, content: bytes.subarray(s.contentStart, s.end) }));
}

function countImportedMemories(section: Section | undefined): number {
  if (section === undefined) return 0;
  const c = new Cursor(section.content, 0, section.content.length);
  let memories = 0;
  for (let count = c.leb(); count > 0; count--) {
    c.skip(c.leb());
    c.skip(c.leb());
    const kind = c.byte();
    if (kind === 0x00) c.leb();
    else if (kind === 0x01) {
      c.valueType();
      if (c.byte() & 1) c.leb();
      c.leb();
    } else if (kind === 0x02) {
      memories++;
      const flags = c.byte();
      c.leb();
      if (flags & 1) c.leb();
    } else if (kind === 0x03) {
      c.valueType();
      c.byte();
    } else if (kind === 0x04) {
      c.byte();
      c.leb();
    } else throw new WasmFormatError(`unknown import kind ${kind}`);
  }
  return memories;
}

function vectorWithOneMore(content: Uint8Array | undefined, entry: readonly number[]): Uint8Array {
  if (content === undefined) return concat([[1], entry]);
  const c = new Cursor(content, 0, content.length);
  const count = c.leb();
  return concat([encodeU32(count + 1), content.subarray(c.at), entry]);
}

function placeSection(sections: Section[], section: Section): void {
  const rank = SECTION_ORDER.indexOf(section.id);
  const at = sections.findIndex((s) => s.id !== 0 && SECTION_ORDER.indexOf(s.id) > rank);
  sections.splice(at < 0 ? sections.length : at, 0, section);
}

function addExport(sections: Section[], name: string, kind: number, index: number): void {
  const bytes = new TextEncoder().encode(name);
  const entry = [...encodeU32(bytes.length), ...bytes, kind, ...encodeU32(index)];
  const exports = sections.find((s) => s.id === SECTION_EXPORT);
  if (exports !== undefined) exports.content = vectorWithOneMore(exports.content, entry);
  else placeSection(sections, { id: SECTION_EXPORT, content: vectorWithOneMore(undefined, entry) });
}

/**
 * Returns a copy of the module whose loops can be interrupted through the exported shared memory
 * {@linkcode INTERRUPT_EXPORT}, and whose start function (if any) is the export {@linkcode START_EXPORT}.
 * Throws {@linkcode WasmFormatError} for code it cannot parse.
 */
export function makeInterruptible(bytes: Uint8Array): Uint8Array {
  const sections = readSections(bytes);
  const find = (id: number) => sections.find((s) => s.id === id);
  const memory = find(SECTION_MEMORY);
  const definedMemories = memory === undefined
    ? 0
    : new Cursor(memory.content, 0, memory.content.length).leb();
  const interruptIndex = countImportedMemories(find(SECTION_IMPORT)) + definedMemories;
  const check = loopCheck(interruptIndex);

  const sharedPage = [0x03, 0x01, 0x01];
  if (memory !== undefined) memory.content = vectorWithOneMore(memory.content, sharedPage);
  else placeSection(sections, { id: SECTION_MEMORY, content: vectorWithOneMore(undefined, sharedPage) });

  addExport(sections, INTERRUPT_EXPORT, EXPORT_MEMORY, interruptIndex);
  const start = find(SECTION_START);
  if (start !== undefined) {
    const startFunction = new Cursor(start.content, 0, start.content.length).leb();
    sections.splice(sections.indexOf(start), 1);
    addExport(sections, START_EXPORT, EXPORT_FUNCTION, startFunction);
  }

  const code = find(SECTION_CODE);
  if (code !== undefined) {
    const c = new Cursor(code.content, 0, code.content.length);
    const count = c.leb();
    const parts: (Uint8Array | readonly number[])[] = [encodeU32(count)];
    for (let i = 0; i < count; i++) {
      const size = c.leb();
      const body = instrumentBody(code.content.subarray(c.at, c.at + size), check);
      c.skip(size);
      parts.push(encodeU32(body.length), body);
    }
    code.content = concat(parts);
  }

  return concat([
    bytes.subarray(0, 8),
    ...sections.flatMap((s) => [[s.id, ...encodeU32(s.content.length)], s.content]),
  ]);
}
