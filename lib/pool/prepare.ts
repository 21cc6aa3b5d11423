/**
 * Turns a plugin binary and a list of traits into what the workers need: the module compiled once (with
 * its memory capped when a limit is set, its loops and start code interruptible), the host function table,
 * the export signatures (the plugin's, then the traits' adapter exports) and the one worker script the traits
 * bring, after checking that every import is provided and every required export exists with the declared
 * signature.
 *
 * @module
 */
import { missingRuntimeExports } from "../interop/assemblyscript.ts";
import { type ExportDeclarations, formatSignature, type Signature, WASM_TYPE } from "../interop/types.ts";
import { makeInterruptible } from "../interop/wasm_interrupt.ts";
import {
  inspectWasm,
  limitMemory,
  WasmFormatError,
  type WasmFunctionType,
  type WasmModuleInfo,
} from "../interop/wasm_binary.ts";
import { PluginLoadError, PoolOptionsError } from "./errors.ts";
import type { HostFunctionDescriptor } from "./protocol.ts";
import type { AdapterExport, HostFunction, Trait, WorkerScript } from "./trait.ts";
import { errorMessage } from "../error_message.ts";

/** A plugin checked against its traits and compiled. */
export interface PreparedPlugin {
  readonly module: WebAssembly.Module;
  /** The binary the module was compiled from (memory capped when a limit is set, loops interruptible). */
  readonly binary: Uint8Array;
  /** Whether the module's loops can be interrupted (see `wasm_interrupt.ts`); false for code it cannot parse. */
  readonly interruptible: boolean;
  /** Host functions the plugin imports, in the order of {@linkcode descriptors}. */
  readonly hostFunctions: readonly HostFunction[];
  readonly descriptors: readonly HostFunctionDescriptor[];
  /** Every export callers may run: the plugin's exports the traits require, then the traits' adapter exports. */
  readonly exports: ExportDeclarations;
  /** The adapter exports among {@linkcode exports}. */
  readonly adapters: Readonly<Record<string, AdapterExport>>;
  /** The worker script the traits bring for their adapters; the plain worker when undefined. */
  readonly workerScript?: WorkerScript;
}

function wasmSignature(signature: Signature): WasmFunctionType {
  return {
    params: signature.params.map((type) => WASM_TYPE[type]!),
    results: signature.result === "void" ? [] : [WASM_TYPE[signature.result]!],
  };
}

function sameType(a: WasmFunctionType, b: WasmFunctionType): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}

function formatWasm(type: WasmFunctionType): string {
  return `(${type.params.join(", ")}) -> ${type.results.length === 0 ? "void" : type.results.join(", ")}`;
}

/** A declared signature, with its WebAssembly form when that reads differently (strings and buffers are pointers). */
function formatDeclared(signature: Signature, wasm: WasmFunctionType): string {
  const declared = formatSignature(signature);
  const lowered = formatWasm(wasm);
  return declared === lowered ? declared : `${declared} (in WebAssembly ${lowered})`;
}

function hostFunctionsByImport(traits: readonly Trait[]): Map<string, { fn: HostFunction; trait: Trait }> {
  const byImport = new Map<string, { fn: HostFunction; trait: Trait }>();
  for (const trait of traits) {
    for (const fn of trait.hostFunctions) {
      const key = `${fn.namespace}.${fn.name}`;
      const existing = byImport.get(key);
      if (existing !== undefined) {
        throw new PoolOptionsError(
          `host function ${key} is provided by both the ${existing.trait.name} and the ${trait.name} traits`,
        );
      }
      byImport.set(key, { fn, trait });
    }
  }
  return byImport;
}

function requiredExports(traits: readonly Trait[]): Record<string, Signature> {
  const exports: Record<string, Signature> = {};
  const owners: Record<string, string> = {};
  for (const trait of traits) {
    for (const [name, signature] of Object.entries(trait.requiredExports)) {
      const existing = exports[name];
      if (existing !== undefined && formatSignature(existing) !== formatSignature(signature)) {
        throw new PoolOptionsError(
          `export ${name} is required as ${formatSignature(existing)} by ${owners[name]} ` +
            `but as ${formatSignature(signature)} by ${trait.name}`,
        );
      }
      exports[name] = signature;
      owners[name] = trait.name;
    }
  }
  return exports;
}

/** Plugins have no UTF-8 strings: `text` is for adapters only. */
function rejectText(where: string, signature: Signature): void {
  if (signature.params.includes("text") || signature.result === "text") {
    throw new PoolOptionsError(`${where} uses the type text, which only adapter exports can use`);
  }
}

/** The traits' adapter exports, and the one worker script that implements them. */
function adapterExports(
  traits: readonly Trait[],
  plugin: Readonly<Record<string, Signature>>,
): { adapters: Record<string, AdapterExport>; workerScript?: WorkerScript } {
  const adapters: Record<string, AdapterExport> = {};
  let workerScript: WorkerScript | undefined;
  for (const trait of traits) {
    const declared = Object.entries(trait.adapterExports ?? {});
    if (declared.length === 0) continue;
    if (trait.workerScript === undefined) {
      throw new PoolOptionsError(`the ${trait.name} trait declares adapter exports but no worker script`);
    }
    if (workerScript !== undefined && workerScript.source !== trait.workerScript.source) {
      throw new PoolOptionsError(
        `the ${trait.name} trait needs the worker script ${trait.workerScript.name}, but another trait ` +
          `needs ${workerScript.name}: a pool runs one worker script`,
      );
    }
    workerScript = trait.workerScript;
    for (const [name, adapter] of declared) {
      if (Object.hasOwn(plugin, name) || Object.hasOwn(adapters, name)) {
        throw new PoolOptionsError(`export ${name} is declared twice (adapter export of ${trait.name})`);
      }
      adapters[name] = adapter;
    }
  }
  return { adapters, workerScript };
}

function checkModule(
  info: WasmModuleInfo,
  byImport: Map<string, { fn: HostFunction; trait: Trait }>,
  exports: Record<string, Signature>,
  traitNames: string,
): HostFunction[] {
  const missingRuntime = missingRuntimeExports(info.exports.map((e) => e.name));
  if (missingRuntime.length > 0) {
    throw new PluginLoadError(
      `the plugin does not export the AssemblyScript runtime (${missingRuntime.join(", ")} missing): ` +
        `build it with --exportRuntime`,
    );
  }
  const used: HostFunction[] = [];
  for (const entry of info.imports) {
    const key = `${entry.module}.${entry.name}`;
    if (entry.kind === "memory") {
      throw new PluginLoadError(`the plugin imports its memory (${key}); build it without --importMemory`);
    }
    if (entry.kind !== "function") {
      throw new PluginLoadError(`the plugin imports ${entry.kind} ${key}; only functions can be provided`);
    }
    const provided = byImport.get(key);
    if (provided === undefined) {
      throw new PluginLoadError(
        `the plugin imports ${key}, which none of the traits (${traitNames}) provides`,
      );
    }
    const expected = wasmSignature(provided.fn);
    if (!sameType(expected, entry.type!)) {
      throw new PluginLoadError(
        `the plugin imports ${key} as ${formatWasm(entry.type!)}, but the ${provided.trait.name} trait ` +
          `declares ${formatDeclared(provided.fn, expected)}`,
      );
    }
    used.push(provided.fn);
  }
  for (const [name, signature] of Object.entries(exports)) {
    const found = info.exports.find((e) => e.name === name);
    if (found === undefined || found.kind !== "function") {
      throw new PluginLoadError(
        `the plugin does not export the function ${name}${formatSignature(signature)}`,
      );
    }
    const expected = wasmSignature(signature);
    if (!sameType(expected, found.type!)) {
      throw new PluginLoadError(
        `the plugin exports ${name} as ${formatWasm(found.type!)}, but ${
          formatDeclared(signature, expected)
        } is required`,
      );
    }
  }
  return used;
}

/**
 * Checks `bytes` against the traits and compiles it; throws {@linkcode PluginLoadError} naming what is
 * wrong, or {@linkcode PoolOptionsError} when the traits contradict each other.
 */
export async function preparePlugin(
  bytes: Uint8Array,
  traits: readonly Trait[],
  memoryLimitPages?: number,
): Promise<PreparedPlugin> {
  const byImport = hostFunctionsByImport(traits);
  const exports = requiredExports(traits);
  for (const [key, { fn }] of byImport) rejectText(`host function ${key}`, fn);
  for (const [name, signature] of Object.entries(exports)) rejectText(`export ${name}`, signature);
  const { adapters, workerScript } = adapterExports(traits, exports);
  let info: WasmModuleInfo;
  let binary = bytes;
  try {
    info = inspectWasm(bytes);
    if (memoryLimitPages !== undefined) binary = limitMemory(bytes, memoryLimitPages);
  } catch (error) {
    if (error instanceof WasmFormatError) {
      throw new PluginLoadError(`invalid WebAssembly plugin: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const hostFunctions = checkModule(info, byImport, exports, traits.map((t) => t.name).join(", ") || "none");
  let interruptible = true;
  try {
    binary = makeInterruptible(binary);
  } catch (error) {
    if (!(error instanceof WasmFormatError)) throw error;
    interruptible = false;
  }
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw new PluginLoadError(
      `invalid WebAssembly plugin: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  const descriptors = hostFunctions.map((fn): HostFunctionDescriptor => ({
    namespace: fn.namespace,
    name: fn.name,
    params: fn.params,
    result: fn.result,
    kind: fn.kind,
    builtin: fn.kind === "worker" ? fn.builtin : undefined,
    shared: fn.kind === "worker" ? fn.shared : undefined,
  }));
  return {
    module,
    binary,
    interruptible,
    hostFunctions,
    descriptors,
    exports: { ...exports, ...adapters },
    adapters,
    workerScript,
  };
}

/**
 * Whether a trap is AssemblyScript's allocator giving up because `memory.grow` failed, i.e. the memory
 * limit was hit. The allocator executes `unreachable` right after a failed grow: debug builds name the
 * function (`growMemory`); in optimised builds the trapping `unreachable` directly follows
 * `memory.grow ... if`, which the bytes at the trap's offset show.
 */
export function isFailedMemoryGrow(
  binary: Uint8Array,
  trap: { readonly message: string; readonly wasmStack: readonly string[] },
): boolean {
  if (trap.message !== "unreachable" || trap.wasmStack.length === 0) return false;
  const top = trap.wasmStack[0];
  if (top.includes("growMemory")) return true;
  const match = /:0x([0-9a-f]+)\)$/.exec(top);
  if (match === null) return false;
  const offset = parseInt(match[1], 16);
  const OPCODE_UNREACHABLE = 0x00, OPCODE_IF = 0x04, EMPTY_BLOCK = 0x40, OPCODE_MEMORY_GROW = 0x40;
  if (
    binary[offset] !== OPCODE_UNREACHABLE || binary[offset - 2] !== OPCODE_IF ||
    binary[offset - 1] !== EMPTY_BLOCK
  ) {
    return false;
  }
  // memory.grow (with memory index 0) among the few instructions computing the `if` condition.
  for (let at = Math.max(0, offset - 10); at < offset - 2; at++) {
    if (binary[at] === OPCODE_MEMORY_GROW && binary[at + 1] === 0x00) return true;
  }
  return false;
}
