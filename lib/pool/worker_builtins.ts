/**
 * Host functions that need no shared state and therefore run inside the worker, next to the plugin, at the
 * cost of a plain function call. Workers have no permissions and cannot load code sent to them, so these
 * implementations are part of the worker's own module graph; a trait refers to one by name
 * (see `workerFunction` in `trait.ts`).
 *
 * A builtin gets the instance's memory interop and the raw WebAssembly arguments.
 *
 * @module
 */
import { type AssemblyScriptMemoryInterop, STRING_CLASS_ID } from "../interop/assemblyscript.ts";
import { decodeUtf16 } from "../interop/value_codec.ts";

/** Thrown inside the worker when the plugin calls `abort()`; the worker reports it as an abort. */
export class PluginAbort {
  constructor(
    readonly message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {}
}

function optionalString(interop: () => AssemblyScriptMemoryInterop, ptr: number): string {
  return ptr === 0 ? "" : decodeUtf16(interop().objectBytes(ptr, STRING_CLASS_ID));
}

/**
 * A worker-side host function: gets the current instance's memory interop (on demand: it throws while the
 * plugin's start function runs) and the raw WebAssembly arguments.
 */
export type WorkerBuiltin = (interop: () => AssemblyScriptMemoryInterop, ...args: number[]) => number | void;

/** The name of a worker-side host function. */
export type WorkerBuiltinName = "assemblyscript.abort" | "assemblyscript.seed" | "assemblyscript.dateNow";

/** Every worker-side host function, by the name traits refer to it with. */
export const WORKER_BUILTINS: Readonly<Record<WorkerBuiltinName, WorkerBuiltin>> = {
  /** AssemblyScript `abort(message, file, line, column)`: ends the call with the plugin's message and location. */
  "assemblyscript.abort": (interop, message, file, line, column): never => {
    throw new PluginAbort(optionalString(interop, message), optionalString(interop, file), line, column);
  },
  /** AssemblyScript `seed()`: the seed of `Math.random`. */
  "assemblyscript.seed": () => Math.random() * Number.MAX_SAFE_INTEGER,
  /** AssemblyScript `Date.now()`: milliseconds since the epoch. */
  "assemblyscript.dateNow": () => Date.now(),
};
