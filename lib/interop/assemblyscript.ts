/**
 * Reads and writes AssemblyScript objects in a plugin's linear memory: strings (UTF-16) and ArrayBuffers,
 * allocated through the runtime's `__new` with the class id of the type being created, and pinned while they
 * must survive a garbage collection.
 *
 * Object layout (AssemblyScript incremental runtime): the 32-bit runtime class id sits at `ptr - 8` and the
 * payload size in bytes at `ptr - 4`; the payload starts at `ptr`.
 *
 * @module
 */
import { decodeUtf16 } from "./value_codec.ts";

/** Class id the AssemblyScript compiler assigns to `ArrayBuffer` (`idof<ArrayBuffer>()`). */
export const ARRAY_BUFFER_CLASS_ID = 1;
/** Class id the AssemblyScript compiler assigns to `String` (`idof<String>()`). */
export const STRING_CLASS_ID = 2;

/** Exports a module needs so the host can exchange objects with it (build with `--exportRuntime`). */
export const RUNTIME_EXPORTS = ["memory", "__new", "__pin", "__unpin", "__collect"] as const;

/** Thrown when a module lacks the AssemblyScript runtime exports. */
export class MissingRuntimeExportsError extends Error {
  /** The runtime exports that are missing. */
  readonly missing: readonly string[];
  /** Creates the error listing the missing exports. */
  constructor(missing: readonly string[]) {
    super(
      `the plugin does not export the AssemblyScript runtime (${missing.join(", ")} missing): ` +
        `build it with --exportRuntime`,
    );
    this.name = "MissingRuntimeExportsError";
    this.missing = missing;
  }
}

/** Thrown when a pointer does not hold the kind of object expected. */
export class ObjectTypeError extends Error {
  /** Creates the error with what was expected and found. */
  constructor(message: string) {
    super(message);
    this.name = "ObjectTypeError";
  }
}

/** Names the runtime exports missing from `exportNames`, in a stable order. */
export function missingRuntimeExports(exportNames: Iterable<string>): string[] {
  const present = new Set(exportNames);
  return RUNTIME_EXPORTS.filter((name) => !present.has(name));
}

type New = (size: number, classId: number) => number;
type PointerFn = (ptr: number) => number;

/**
 * Memory interop for one AssemblyScript instance. Works in any thread: the pool's workers use it, and so can
 * code that instantiates a plugin directly.
 *
 * @example Round-trip a string through a plugin export
 * ```ts
 * import { AssemblyScriptMemoryInterop } from "./assemblyscript.ts";
 * const { instance } = await WebAssembly.instantiate(await Deno.readFile("plugin.wasm"), { env: { abort() {} } });
 * const interop = new AssemblyScriptMemoryInterop(instance.exports);
 * const arg = interop.pin(interop.newString("héllo"));
 * const result = (instance.exports.echo as (ptr: number) => number)(arg);
 * console.log(interop.getString(result));
 * interop.unpin(arg);
 * ```
 */
export class AssemblyScriptMemoryInterop {
  readonly #memory: WebAssembly.Memory;
  readonly #new: New;
  readonly #pin: PointerFn;
  readonly #unpin: PointerFn;
  readonly #collect: () => void;
  /** Views of the memory's current buffer; replaced when the memory grows (the buffer changes then). */
  #buffer: ArrayBufferLike | undefined;
  #words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

  /** Binds to an instance's exports; throws {@linkcode MissingRuntimeExportsError} when the runtime is absent. */
  constructor(exports: WebAssembly.Exports) {
    const missing = missingRuntimeExports(Object.keys(exports));
    if (missing.length > 0) throw new MissingRuntimeExportsError(missing);
    if (!(exports.memory instanceof WebAssembly.Memory)) throw new MissingRuntimeExportsError(["memory"]);
    this.#memory = exports.memory;
    this.#new = exports.__new as New;
    this.#pin = exports.__pin as PointerFn;
    this.#unpin = exports.__unpin as PointerFn;
    this.#collect = exports.__collect as () => void;
  }

  /** The instance's memory. */
  get memory(): WebAssembly.Memory {
    return this.#memory;
  }

  /** Allocates a managed object of `size` payload bytes with the given runtime class id. */
  allocate(size: number, classId: number): number {
    return this.#new(size, classId) >>> 0;
  }

  /** Keeps the object alive across garbage collections until {@linkcode unpin}; returns `ptr`. */
  pin(ptr: number): number {
    this.#pin(ptr);
    return ptr;
  }

  /** Lets the garbage collector reclaim the object again. */
  unpin(ptr: number): void {
    this.#unpin(ptr);
  }

  /** Runs a full garbage collection. */
  collect(): void {
    this.#collect();
  }

  #header(): Uint32Array {
    const buffer = this.#memory.buffer;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#words = new Uint32Array(buffer);
    }
    return this.#words;
  }

  /** The runtime class id of the object at `ptr` (objects are 16-byte aligned, headers 4-byte aligned). */
  classIdOf(ptr: number): number {
    return this.#header()[(ptr - 8) >>> 2];
  }

  /** The payload size in bytes of the object at `ptr`, read from its header. */
  sizeOf(ptr: number): number {
    return this.#header()[(ptr - 4) >>> 2];
  }

  /**
   * A view of the payload of the object at `ptr`, after checking its class id. The view is valid until the
   * plugin allocates again (memory may grow and move); copy it to keep it.
   */
  objectBytes(ptr: number, classId: number): Uint8Array {
    if (ptr === 0) throw new ObjectTypeError(`expected ${className(classId)}, got null`);
    const buffer = this.#memory.buffer;
    if (ptr < 8 || ptr >= buffer.byteLength) {
      throw new ObjectTypeError(`pointer ${ptr} is outside the plugin's memory`);
    }
    const actual = this.classIdOf(ptr);
    if (actual !== classId) {
      throw new ObjectTypeError(`expected ${className(classId)} at ${ptr}, found class id ${actual}`);
    }
    const size = this.sizeOf(ptr);
    if (ptr + size > buffer.byteLength) throw new ObjectTypeError(`object at ${ptr} runs past the memory`);
    return new Uint8Array(buffer, ptr, size);
  }

  /** Allocates an object of the class and copies `payload` into it; returns its pointer (not pinned). */
  newObject(classId: number, payload: Uint8Array): number {
    const ptr = this.allocate(payload.byteLength, classId);
    new Uint8Array(this.#memory.buffer, ptr, payload.byteLength).set(payload);
    return ptr;
  }

  /** Reads the AssemblyScript string at `ptr`. */
  getString(ptr: number): string {
    return decodeUtf16(this.objectBytes(ptr, STRING_CLASS_ID));
  }

  /** Allocates an AssemblyScript string holding `value`; returns its pointer (not pinned). */
  newString(value: string): number {
    const ptr = this.allocate(value.length * 2, STRING_CLASS_ID);
    const units = new Uint16Array(this.#memory.buffer, ptr, value.length);
    for (let i = 0; i < value.length; i++) units[i] = value.charCodeAt(i);
    return ptr;
  }

  /** Copies the AssemblyScript ArrayBuffer at `ptr` out of plugin memory. */
  getArrayBuffer(ptr: number): Uint8Array {
    return this.objectBytes(ptr, ARRAY_BUFFER_CLASS_ID).slice();
  }

  /** Allocates an AssemblyScript ArrayBuffer holding a copy of `bytes`; returns its pointer (not pinned). */
  newArrayBuffer(bytes: Uint8Array): number {
    return this.newObject(ARRAY_BUFFER_CLASS_ID, bytes);
  }
}

function className(classId: number): string {
  return classId === STRING_CLASS_ID
    ? "a String"
    : classId === ARRAY_BUFFER_CLASS_ID
    ? "an ArrayBuffer"
    : `class ${classId}`;
}
