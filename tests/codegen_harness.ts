/**
 * Test support for the code generator: compiles generated AssemblyScript together with a small entry that
 * exports `roundTrip(typeIndex, buf)` (decode then encode one message type), and runs it in this thread.
 *
 * @module
 */
import protobuf from "protobufjs";
import { compileAssemblyScript, type CompileTarget } from "../lib/asc/compiler.ts";
import { generateAssemblyScript } from "../lib/codegen/generate.ts";
import { qualifiedName } from "../lib/codegen/names.ts";

/** An AssemblyScript abort (failed assertion or thrown error), with the message the module gave. */
export class AbortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AbortError";
  }
}

/** Decodes and re-encodes messages inside WebAssembly built from generated code. */
export interface RoundTripper {
  /** The message types, by index as `roundTrip` takes them. */
  types: protobuf.Type[];
  /** Decodes `bytes` as `types[typeIndex]` in AssemblyScript and returns its encoding; throws AbortError. */
  roundTrip(typeIndex: number, bytes: Uint8Array): Uint8Array;
  /** Compilation time in milliseconds. */
  compileMillis: number;
}

/** Every message type of `root` that the generator emits (nested ones included), in declaration order. */
export function messageTypes(root: protobuf.NamespaceBase): protobuf.Type[] {
  const out: protobuf.Type[] = [];
  for (const nested of root.nestedArray) {
    if (nested instanceof protobuf.Type && nested.filename !== "google/protobuf/descriptor.proto") {
      out.push(nested);
    }
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) {
      out.push(...messageTypes(nested));
    }
  }
  return out;
}

/** Generates code for `root`, compiles it with a round-trip entry for `types` and instantiates it. */
export async function buildRoundTripper(
  root: protobuf.Root,
  types: protobuf.Type[],
  target: CompileTarget = "release",
): Promise<RoundTripper> {
  const roots = [...new Set(types.map((t) => qualifiedName(t).split(".")[0]))];
  const entry = [
    `import { ${roots.join(", ")} } from "./teleport";`,
    "",
    "export function roundTrip(typeIndex: i32, buf: ArrayBuffer): ArrayBuffer {",
    "  switch (typeIndex) {",
    ...types.map((t, i) => `    case ${i}: return ${qualifiedName(t)}.decode(buf).encode();`),
    "  }",
    '  throw new Error("no such type");',
    "}",
  ].join("\n");
  const built = await buildWithEntry(root, entry, target);
  return {
    types,
    compileMillis: built.compileMillis,
    roundTrip: (typeIndex, bytes) => built.call("roundTrip", bytes, typeIndex),
  };
}

/** Generated code compiled with a test entry and instantiated in this thread. */
export interface EntryModule {
  /** The WebAssembly binary. */
  binary: Uint8Array;
  /** Compilation time in milliseconds. */
  compileMillis: number;
  /**
   * Calls export `name` with `leading` numbers and then `bytes` as an ArrayBuffer, and returns the
   * ArrayBuffer it returns; throws AbortError when the module aborts.
   */
  call(name: string, bytes: Uint8Array, ...leading: number[]): Uint8Array;
}

/**
 * Generates code for `root` into `./teleport/` and compiles it with `entry` (AssemblyScript source that
 * imports from `./teleport`; a `newBuffer` export is added for passing input in).
 */
export async function buildWithEntry(
  root: protobuf.Root,
  entry: string,
  target: CompileTarget = "release",
): Promise<EntryModule> {
  const files = Object.fromEntries(
    [...generateAssemblyScript(root)].map(([path, source]) => [`teleport/${path}`, source]),
  );
  files["harness.ts"] = [
    entry,
    "",
    "export function newBuffer(length: i32): ArrayBuffer {",
    "  return new ArrayBuffer(length);",
    "}",
    "",
  ].join("\n");
  const { binary, millis } = await compileAssemblyScript({ entries: ["harness.ts"], files, target });
  const module = await WebAssembly.compile(binary as BufferSource);
  let instance: WebAssembly.Instance;
  const env = imports(() => instance);
  instance = await WebAssembly.instantiate(module, env);
  return {
    binary,
    compileMillis: millis,
    call(name, bytes, ...leading) {
      try {
        return call(instance, name, bytes, leading);
      } catch (error) {
        // An abort can leave the module's heap mid-operation: continue on a fresh instance.
        instance = new WebAssembly.Instance(module, env);
        throw error;
      }
    },
  };
}

interface HarnessExports {
  memory: WebAssembly.Memory;
  newBuffer(length: number): number;
  __pin(ptr: number): number;
  __unpin(ptr: number): void;
}

function imports(current: () => WebAssembly.Instance): WebAssembly.Imports {
  const text = (ptr: number) => {
    if (ptr === 0) return "";
    const memory = (current().exports as unknown as HarnessExports).memory;
    const length = new Uint32Array(memory.buffer)[(ptr - 4) >>> 2];
    return new TextDecoder("utf-16le").decode(new Uint8Array(memory.buffer, ptr, length));
  };
  return {
    env: {
      abort(message: number, file: number, line: number, column: number) {
        throw new AbortError(`${text(message)} (${text(file)}:${line}:${column})`);
      },
      trace() {},
      seed: () => 1,
    },
  };
}

function call(
  instance: WebAssembly.Instance,
  name: string,
  bytes: Uint8Array,
  leading: number[],
): Uint8Array {
  const exports = instance.exports as unknown as HarnessExports;
  const run = instance.exports[name] as (...args: number[]) => number;
  const input = exports.__pin(exports.newBuffer(bytes.length));
  new Uint8Array(exports.memory.buffer, input, bytes.length).set(bytes);
  const output = run(...leading, input);
  exports.__unpin(input);
  const length = new Uint32Array(exports.memory.buffer)[(output - 4) >>> 2];
  return new Uint8Array(exports.memory.buffer, output, length).slice();
}
