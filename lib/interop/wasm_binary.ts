/**
 * A tiny reader and patcher for the WebAssembly binary format: just enough to check a plugin's import and
 * export signatures before it runs, and to cap its memory by rewriting the memory section's maximum.
 *
 * The JavaScript API cannot do either: `WebAssembly.Module.imports()` omits signatures (and a JS function
 * accepts any signature at link time), and a module-defined memory's maximum cannot be changed after compile.
 *
 * @module
 */

/** A core WebAssembly value type as it appears in function signatures. */
export type WasmValueType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

/** A function signature read from the type section. */
export interface WasmFunctionType {
  /** Parameter types. */
  readonly params: readonly WasmValueType[];
  /** Result types (empty for none). */
  readonly results: readonly WasmValueType[];
}

/** Memory limits in 64 KiB pages. */
export interface WasmMemoryLimits {
  /** Initial size in pages. */
  readonly minimumPages: number;
  /** Maximum size in pages; absent when unbounded. */
  readonly maximumPages?: number;
}

/** One import with its function signature (functions) or limits (memories). */
export interface WasmImport {
  /** Import module (namespace). */
  readonly module: string;
  /** Import name. */
  readonly name: string;
  /** What is imported. */
  readonly kind: "function" | "table" | "memory" | "global" | "tag";
  /** The signature of an imported function. */
  readonly type?: WasmFunctionType;
  /** The limits of an imported memory. */
  readonly memory?: WasmMemoryLimits;
}

/** One export with its function signature when it is a function. */
export interface WasmExport {
  /** Export name. */
  readonly name: string;
  /** What is exported. */
  readonly kind: "function" | "table" | "memory" | "global" | "tag";
  /** The signature of an exported function. */
  readonly type?: WasmFunctionType;
}

/** What {@linkcode inspectWasm} learns about a module. */
export interface WasmModuleInfo {
  /** Imports in index order. */
  readonly imports: readonly WasmImport[];
  /** Exports in declaration order. */
  readonly exports: readonly WasmExport[];
  /** Memories the module defines itself (not imported ones), in index order. */
  readonly memories: readonly WasmMemoryLimits[];
}

/** Thrown when the bytes are not a WebAssembly binary this reader understands. */
export class WasmFormatError extends Error {
  /** Creates the error with what was wrong and where. */
  constructor(message: string) {
    super(message);
    this.name = "WasmFormatError";
  }
}

/** Size of one WebAssembly memory page. */
export const WASM_PAGE_SIZE = 65536;

/** Type section id (the ids below are the sections this folder reads or rewrites). */
export const SECTION_TYPE = 1;
/** Import section id. */
export const SECTION_IMPORT = 2;
/** Function section id. */
export const SECTION_FUNCTION = 3;
/** Memory section id. */
export const SECTION_MEMORY = 5;
/** Export section id. */
export const SECTION_EXPORT = 7;
/** Section id of the start function. */
export const SECTION_START = 8;
/** Code section id. */
export const SECTION_CODE = 10;

const EXTERNAL_KINDS = ["function", "table", "memory", "global", "tag"] as const;
const VALUE_TYPES: Readonly<Record<number, WasmValueType>> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

class Reader {
  offset: number;
  constructor(readonly bytes: Uint8Array, offset = 0, readonly end = bytes.length) {
    this.offset = offset;
  }
  byte(): number {
    if (this.offset >= this.end) throw new WasmFormatError(`unexpected end of data at byte ${this.offset}`);
    return this.bytes[this.offset++];
  }
  /** An unsigned LEB128 number up to 2^53. */
  u32(): number {
    let result = 0;
    let scale = 1;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new WasmFormatError(`LEB128 number too long at byte ${this.offset}`);
  }
  name(): string {
    const length = this.u32();
    if (this.offset + length > this.end) throw new WasmFormatError(`name runs past its section`);
    const text = utf8.decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }
  valueType(): WasmValueType {
    const code = this.byte();
    const type = VALUE_TYPES[code];
    if (type === undefined) {
      throw new WasmFormatError(`unsupported value type 0x${code.toString(16)} at byte ${this.offset - 1}`);
    }
    return type;
  }
  limits(): WasmMemoryLimits {
    const flags = this.byte();
    if (flags > 1) {
      throw new WasmFormatError(`unsupported memory kind (flags 0x${flags.toString(16)}: shared or 64-bit)`);
    }
    const minimumPages = this.u32();
    return flags === 1 ? { minimumPages, maximumPages: this.u32() } : { minimumPages };
  }
}

/** Where one section of a binary lies. */
export interface WasmSection {
  /** Section id (`SECTION_*`; 0 for custom sections). */
  readonly id: number;
  /** Offset of the section id byte. */
  readonly start: number;
  /** Offset of the section's first content byte (after its id and size). */
  readonly contentStart: number;
  /** Offset just past the section. */
  readonly end: number;
}

/**
 * Lists the sections of a binary in file order.
 *
 * @throws {WasmFormatError} when the magic or version is wrong or a section runs past the end.
 */
export function wasmSections(bytes: Uint8Array): WasmSection[] {
  if (
    bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d
  ) {
    throw new WasmFormatError("not a WebAssembly binary (missing \\0asm magic)");
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new WasmFormatError("unsupported WebAssembly binary version");
  }
  const reader = new Reader(bytes, 8);
  const found: WasmSection[] = [];
  while (reader.offset < bytes.length) {
    const start = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    const contentStart = reader.offset;
    const end = contentStart + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} runs past the end of the binary`);
    found.push({ id, start, contentStart, end });
    reader.offset = end;
  }
  return found;
}

/**
 * Reads a module's imports, exports (with function signatures) and defined memories.
 *
 * @example
 * ```ts
 * import { inspectWasm } from "./wasm_binary.ts";
 * const info = inspectWasm(await Deno.readFile("plugin.wasm"));
 * console.log(info.exports.find((e) => e.name === "handleEvent")?.type);
 * ```
 */
export function inspectWasm(bytes: Uint8Array): WasmModuleInfo {
  const types: WasmFunctionType[] = [];
  const imports: WasmImport[] = [];
  const functionTypes: WasmFunctionType[] = [];
  const memories: WasmMemoryLimits[] = [];
  const exports: WasmExport[] = [];
  const typeAt = (index: number): WasmFunctionType => {
    const type = types[index];
    if (type === undefined) throw new WasmFormatError(`function type index ${index} out of range`);
    return type;
  };
  for (const section of wasmSections(bytes)) {
    const reader = new Reader(bytes, section.contentStart, section.end);
    switch (section.id) {
      case SECTION_TYPE:
        for (let count = reader.u32(); count > 0; count--) {
          const form = reader.byte();
          if (form !== 0x60) throw new WasmFormatError(`unsupported type form 0x${form.toString(16)}`);
          const params = Array.from({ length: reader.u32() }, () => reader.valueType());
          const results = Array.from({ length: reader.u32() }, () => reader.valueType());
          types.push({ params, results });
        }
        break;
      case SECTION_IMPORT:
        for (let count = reader.u32(); count > 0; count--) {
          const module = reader.name();
          const name = reader.name();
          const kindCode = reader.byte();
          const kind = EXTERNAL_KINDS[kindCode];
          if (kind === "function") {
            const type = typeAt(reader.u32());
            functionTypes.push(type);
            imports.push({ module, name, kind, type });
          } else if (kind === "table") {
            reader.valueType();
            reader.limits();
            imports.push({ module, name, kind });
          } else if (kind === "memory") {
            imports.push({ module, name, kind, memory: reader.limits() });
          } else if (kind === "global") {
            reader.valueType();
            reader.byte();
            imports.push({ module, name, kind });
          } else if (kind === "tag") {
            reader.byte();
            reader.u32();
            imports.push({ module, name, kind });
          } else {
            throw new WasmFormatError(`unknown import kind ${kindCode} for ${module}.${name}`);
          }
        }
        break;
      case SECTION_FUNCTION:
        for (let count = reader.u32(); count > 0; count--) functionTypes.push(typeAt(reader.u32()));
        break;
      case SECTION_MEMORY:
        for (let count = reader.u32(); count > 0; count--) memories.push(reader.limits());
        break;
      case SECTION_EXPORT:
        for (let count = reader.u32(); count > 0; count--) {
          const name = reader.name();
          const kindCode = reader.byte();
          const kind = EXTERNAL_KINDS[kindCode];
          if (kind === undefined) throw new WasmFormatError(`unknown export kind ${kindCode} for ${name}`);
          const index = reader.u32();
          if (kind === "function") {
            const type = functionTypes[index];
            if (type === undefined) {
              throw new WasmFormatError(`export ${name} names missing function ${index}`);
            }
            exports.push({ name, kind, type });
          } else {
            exports.push({ name, kind });
          }
        }
        break;
    }
  }
  return { imports, exports, memories };
}

/** Encodes a non-negative integer as unsigned LEB128, the encoding of every count and index in a binary. */
export function encodeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

/**
 * Returns a copy of `bytes` whose defined memories may grow to at most `maximumPages`, so that
 * `memory.grow` fails beyond it. A memory that already declares a smaller maximum keeps it.
 *
 * Throws {@linkcode WasmFormatError} when a memory needs more than `maximumPages` from the start.
 */
export function limitMemory(bytes: Uint8Array, maximumPages: number): Uint8Array {
  const section = wasmSections(bytes).find((s) => s.id === SECTION_MEMORY);
  if (section === undefined) return bytes.slice();
  const reader = new Reader(bytes, section.contentStart, section.end);
  const content: number[] = [];
  const count = reader.u32();
  content.push(...encodeU32(count));
  for (let i = 0; i < count; i++) {
    const { minimumPages, maximumPages: declared } = reader.limits();
    if (minimumPages > maximumPages) {
      throw new WasmFormatError(
        `the plugin's memory starts at ${minimumPages} pages, above the memory limit of ${maximumPages} pages`,
      );
    }
    const maximum = Math.min(declared ?? maximumPages, maximumPages);
    content.push(0x01, ...encodeU32(minimumPages), ...encodeU32(maximum));
  }
  const header = [SECTION_MEMORY, ...encodeU32(content.length)];
  const out = new Uint8Array(bytes.length - (section.end - section.start) + header.length + content.length);
  out.set(bytes.subarray(0, section.start), 0);
  out.set(header, section.start);
  out.set(content, section.start + header.length);
  out.set(bytes.subarray(section.end), section.start + header.length + content.length);
  return out;
}
