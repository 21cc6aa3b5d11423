/**
 * Host functions that need no shared state and therefore run inside the worker, next to the plugin, at the
 * cost of a plain function call. Workers have no permissions and cannot load code sent to them, so these
 * implementations are part of the worker's own module graph; a trait refers to one by name
 * (see `workerFunction` in `trait.ts`).
 *
 * A builtin is made once per instance from its {@linkcode WorkerBuiltinContext} (the instance's memory
 * interop, and the `SharedArrayBuffer` its trait shares between the workers, if any) and is then called with
 * the raw WebAssembly arguments.
 *
 * @module
 */
import { type AssemblyScriptMemoryInterop, STRING_CLASS_ID } from "../interop/assemblyscript.ts";
import { decodeUtf16 } from "../interop/value_codec.ts";
import { type Scope, TokenTable } from "../store/token_table.ts";
import { checkScope, checkTtl } from "../store/validate.ts";
import { wasmFrames } from "./wasm_stack.ts";

/** Thrown inside the worker when the plugin calls `abort()`; the worker reports it as an abort. */
export class PluginAbort {
  constructor(
    readonly message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** The WebAssembly frames that called `abort`, innermost first. */
    readonly wasmStack: readonly string[],
  ) {}
}

/**
 * Thrown by a builtin when the host function itself fails (a store error, not a fault of the plugin's
 * code); the plugin call fails with its message, as when a main-thread host function throws.
 */
export class BuiltinHostError extends Error {}

function optionalString(interop: () => AssemblyScriptMemoryInterop, ptr: number): string {
  return ptr === 0 ? "" : decodeUtf16(interop().objectBytes(ptr, STRING_CLASS_ID));
}

/** What a builtin is made from, once per instance. */
export interface WorkerBuiltinContext {
  /** The current instance's memory interop (on demand: it throws while the plugin's start function runs). */
  readonly interop: () => AssemblyScriptMemoryInterop;
  /** The buffer the trait shares between the pool's workers, when it gives one. */
  readonly shared: SharedArrayBuffer | undefined;
}

/** Makes a worker-side host function, called with the raw WebAssembly arguments. */
export type WorkerBuiltin = (context: WorkerBuiltinContext) => (...args: number[]) => number | void;

/** The name of a worker-side host function. */
export type WorkerBuiltinName =
  | "assemblyscript.abort"
  | "assemblyscript.seed"
  | "assemblyscript.dateNow"
  | "store.takeToken"
  | "store.releaseTokens";

/** Every worker-side host function, by the name traits refer to it with. */
export const WORKER_BUILTINS: Readonly<Record<WorkerBuiltinName, WorkerBuiltin>> = {
  /** AssemblyScript `abort(message, file, line, column)`: ends the call with the plugin's message and location. */
  "assemblyscript.abort": ({ interop }) => (message, file, line, column): never => {
    // The frames that led here: an abort raised inside the standard library (a missing Map key, an index
    // out of range) names the library as its file; the stack leads back to the plugin's own code.
    const wasmStack = wasmFrames(new Error());
    throw new PluginAbort(
      optionalString(interop, message),
      optionalString(interop, file),
      line,
      column,
      wasmStack,
    );
  },
  /** AssemblyScript `seed()`: the seed of `Math.random`. */
  "assemblyscript.seed": () => () => Math.random() * Number.MAX_SAFE_INTEGER,
  /** AssemblyScript `Date.now()`: milliseconds since the epoch. */
  "assemblyscript.dateNow": () => () => Date.now(),
  /** `store.takeToken(scope, ttl)` on the memory store's shared table (see `MemoryTokenStore`). */
  "store.takeToken": ({ interop, shared }) => {
    const table = sharedTable(shared, "store.takeToken");
    return (scope, ttlSeconds) => {
      const units = pluginScope(interop, scope, "takeToken");
      try {
        checkTtl(ttlSeconds);
        return table.take(units, ttlSeconds * 1000, Date.now());
      } catch (error) {
        throw new BuiltinHostError((error as Error).message);
      }
    };
  },
  /** `store.releaseTokens(scope)` on the memory store's shared table. */
  "store.releaseTokens": ({ interop, shared }) => {
    const table = sharedTable(shared, "store.releaseTokens");
    return (scope) => {
      const units = pluginScope(interop, scope, "releaseTokens");
      try {
        table.release(units);
      } catch (error) {
        throw new BuiltinHostError((error as Error).message);
      }
    };
  },
};

function sharedTable(shared: SharedArrayBuffer | undefined, name: string): TokenTable {
  if (shared === undefined) throw new Error(`worker builtin ${name} needs the token table's shared buffer`);
  return new TokenTable(shared);
}

/** The plugin string's UTF-16 code units, viewed in place; an empty scope fails like on every backend. */
function pluginScope(
  interop: () => AssemblyScriptMemoryInterop,
  ptr: number,
  method: "takeToken" | "releaseTokens",
): Scope {
  const bytes = interop().objectBytes(ptr, STRING_CLASS_ID);
  if (bytes.byteLength === 0) {
    try {
      checkScope(method, "");
    } catch (error) {
      throw new BuiltinHostError((error as Error).message);
    }
  }
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}
