/// <reference lib="deno.worker" />
/**
 * The execution context pool's worker: holds one WebAssembly instance of the plugin, runs batches of calls on
 * it one after another, and records progress and results in shared memory as it goes. A worker script starts
 * it with {@linkcode startWorker} and the adapters it implements (`worker_entry.ts` has none).
 *
 * After a call fails (trap, abort, host function error) the instance is discarded and a fresh one is made
 * from the same module, because the AssemblyScript runtime's state is not trustworthy after an unwound call.
 *
 * @module
 */
import {
  ARRAY_BUFFER_CLASS_ID,
  AssemblyScriptMemoryInterop,
  ObjectTypeError,
  STRING_CLASS_ID,
} from "../interop/assemblyscript.ts";
import type { JsValueOf, ParamType, ResultType, Signature } from "../interop/types.ts";
import { decodeUtf16, ValueReader, ValueWriter } from "../interop/value_codec.ts";
import { INTERRUPT_EXPORT, START_EXPORT } from "../interop/wasm_interrupt.ts";
import {
  type CallFailure,
  CHANNEL_WAITING,
  type HostFunctionDescriptor,
  type InitMessage,
  JOB_COMPLETED,
  JOB_COUNT,
  JOB_EXPORT,
  JOB_INPUT_BYTES,
  JOB_OUTPUT_BYTES,
  JOB_SLOTS,
  jobField,
  MAX_SHARED_BYTES,
  RESULT_ERROR,
  RESULT_OK,
  SLOT_CHANNEL_STATE,
  SLOT_CHANNEL_STATUS,
  SLOT_COUNT,
  SLOT_IN_FLIGHT,
  SLOT_INTERRUPT_ACK,
  SLOT_JOBS_POSTED,
  SLOT_RUNNING,
  SLOT_STARTED,
  SLOT_TERMINATED,
  STARTED_AT_OFFSET,
  type WorkerMessage,
} from "./protocol.ts";
import { BuiltinHostError, PluginAbort, WORKER_BUILTINS } from "./worker_builtins.ts";
import { wasmFrames, WORKER_STACK_TRACE_LIMIT } from "./wasm_stack.ts";
import { waitForHostAnswer } from "./host_answer.ts";
import { errorMessage } from "../error_message.ts";

/** How often a worker waiting for a host function checks whether it was terminated. */
const TERMINATION_POLL_MS = 50;

/** Thrown into the plugin when a main-thread host function failed; carries the id of the original error. */
class HostCallFailed extends Error {
  constructor(readonly errorId: number, message: string) {
    super(message);
  }
}

type WasmValue = number | bigint;
/**
 * A value as WebAssembly takes it: a number (`bool` as 0 or 1), a bigint for `i64`, or the raw bytes of a
 * `bytes` or `string` (UTF-16LE) value.
 */
export type RawArgument = WasmValue | Uint8Array;
/** What is neither an object nor `text` (which plugins never see: prepare.ts refuses it outside adapters). */
type NumericType = Exclude<ParamType, "string" | "bytes" | "text">;

/** What an adapter is made from, once per worker. */
export interface AdapterContext {
  /** The adapter export's `config`, as the trait declared it. */
  readonly config: unknown;
  /**
   * Calls a plugin export (one of the exports the traits require) on the current instance, with arguments as
   * WebAssembly takes them ({@linkcode RawArgument}). A `bytes` or `string` result is a view of plugin memory,
   * valid until the next call. A failing call throws; the adapter call then fails with it, as a plugin call
   * would.
   */
  call(exportName: string, ...args: RawArgument[]): RawArgument | undefined;
}

/** Makes the function behind an adapter export: it takes and returns values as declared (`text` as strings). */
export type WorkerAdapter = (context: AdapterContext) => (...args: JsValueOf<ParamType>[]) => unknown;

interface Live {
  readonly exports: WebAssembly.Exports;
  readonly interop: AssemblyScriptMemoryInterop;
}

let setup: InitMessage;
let control: Int32Array;
let startedAt: Float64Array;
let outputs: [ValueWriter, ValueWriter];
let output: ValueWriter;
let channelWriter: ValueWriter;
/** This worker's copy of the current job's arguments. */
const input = new ArrayBuffer(64 * 1024, { maxByteLength: MAX_SHARED_BYTES });
/**
 * The current instance; undefined while one is being created (the start function of a module the pool could
 * not rewrite runs then; a rewritten module's start code runs after, see `instantiate`).
 */
let live: Live | undefined;
/** Set while an instance's start code (its top-level statements) runs. */
let inStartCode = false;

/**
 * The current instance's interop. While an unrewritten module's start function runs, the instance's exports
 * (and memory) are not available yet, so a host function called then cannot read or write plugin objects.
 */
function interop(): AssemblyScriptMemoryInterop {
  if (live === undefined) {
    throw new Error(
      "the plugin called a host function from its start function, before its memory is available",
    );
  }
  return live.interop;
}

/** An instance's start code failed (as opposed to instantiating the module). */
class StartCodeFailed {
  constructor(readonly cause: unknown) {}
}

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

function classIdOf(type: ParamType | ResultType): number {
  return type === "string" ? STRING_CLASS_ID : ARRAY_BUFFER_CLASS_ID;
}

function isObjectType(type: ResultType): type is "string" | "bytes" {
  return type === "string" || type === "bytes";
}

/** Converts what a host function returned (read from the channel) into a WebAssembly value. */
function toWasm(descriptor: HostFunctionDescriptor, reader: ValueReader): WasmValue | undefined {
  const type = descriptor.result;
  if (type === "void") return undefined;
  if (isObjectType(type)) {
    // A debug build sets its garbage collector up on its own first allocation, so an object made for start
    // code before that fails deep inside the runtime; both builds refuse it here, with the reason.
    if (inStartCode) {
      throw new BuiltinHostError(
        `host function ${descriptor.namespace}.${descriptor.name} returns an object, which start code ` +
          "(top-level statements) cannot receive: call it from an exported function",
      );
    }
    return interop().newObject(classIdOf(type), reader.rawBytes());
  }
  return reader.number(type as NumericType, true) as WasmValue;
}

function mainThreadImport(descriptor: HostFunctionDescriptor, functionIndex: number) {
  return (...raw: WasmValue[]): WasmValue | undefined => {
    channelWriter.offset = 0;
    descriptor.params.forEach((type, i) => {
      channelWriter.wasmValue(
        type,
        isObjectType(type) ? interop().objectBytes(raw[i] as number, classIdOf(type)) : raw[i],
      );
    });
    Atomics.store(control, SLOT_CHANNEL_STATE, CHANNEL_WAITING);
    post({ type: "host-call", functionIndex });
    // Polled: a worker terminated meanwhile must not wait for an answer that never comes.
    waitForHostAnswer(control, TERMINATION_POLL_MS, terminated);
    const reader = new ValueReader(setup.channel);
    if (Atomics.load(control, SLOT_CHANNEL_STATUS) !== 0) {
      const errorId = reader.u32();
      throw new HostCallFailed(errorId, decodeUtf16(reader.rawBytes()));
    }
    return toWasm(descriptor, reader);
  };
}

function notificationImport(descriptor: HostFunctionDescriptor, functionIndex: number) {
  return (...raw: WasmValue[]): void => {
    const args = descriptor.params.map((type, i) => {
      const value = raw[i];
      if (type === "string") return interop().getString(value as number);
      if (type === "bytes") return interop().getArrayBuffer(value as number);
      if (type === "bool") return value !== 0;
      return value;
    });
    post({ type: "notification", functionIndex, args });
  };
}

function buildImports(): WebAssembly.Imports {
  const imports: Record<string, Record<string, (...args: WasmValue[]) => WasmValue | undefined | void>> = {};
  setup.hostFunctions.forEach((descriptor, index) => {
    let implementation;
    if (descriptor.kind === "main") implementation = mainThreadImport(descriptor, index);
    else if (descriptor.kind === "notification") implementation = notificationImport(descriptor, index);
    else {
      implementation = WORKER_BUILTINS[descriptor.builtin!]({ interop, shared: descriptor.shared }) as (
        ...args: WasmValue[]
      ) => WasmValue | undefined;
    }
    (imports[descriptor.namespace] ??= {})[descriptor.name] = implementation;
  });
  return imports;
}

/** Instances made so far by this worker. */
let instances = 0;

function instantiate(): void {
  live = undefined;
  const instance = new WebAssembly.Instance(setup.module, buildImports());
  live = { exports: instance.exports, interop: new AssemblyScriptMemoryInterop(instance.exports) };
  // Each instance has its own interrupt flag: tell the main thread where the new one is.
  const flag = instance.exports[INTERRUPT_EXPORT];
  if (flag instanceof WebAssembly.Memory) {
    const number = ++instances;
    post({ type: "interrupt-flag", buffer: flag.buffer as SharedArrayBuffer, instance: number });
    // No plugin code runs before the main thread holds this instance's flag: a timeout meanwhile would set
    // the old flag and never stop this instance's loops.
    waitForMain(SLOT_INTERRUPT_ACK, number);
  }
  // The start code, moved out of instantiation by `makeInterruptible` so that it can be stopped too.
  const start = instance.exports[START_EXPORT];
  if (typeof start === "function" && !terminated()) {
    // Measured from here: the wait for the main thread above is not the plugin's time.
    startedAt[0] = Date.now();
    inStartCode = true;
    try {
      start();
    } catch (error) {
      throw new StartCodeFailed(error);
    } finally {
      inStartCode = false;
    }
  }
}

/** Why making an instance failed, in one line: the start code's abort (with its location) or trap, or the error. */
function instanceFailure(error: unknown): string {
  if (!(error instanceof StartCodeFailed)) {
    if (error instanceof PluginAbort) return `it aborted: ${error.message}`;
    return errorMessage(error);
  }
  const failure = describeFailure(error.cause);
  switch (failure.kind) {
    case "abort":
      return `its start code aborted: ${failure.message || "(no message)"}${
        failure.file ? ` at ${failure.file}:${failure.line}:${failure.column}` : ""
      }`;
    case "trap":
      return `its start code trapped: ${failure.message}${
        failure.wasmStack.length > 0 ? ` at ${failure.wasmStack[0]}` : ""
      }`;
    default:
      return `its start code failed: ${failure.message}`;
  }
}

/** Waits until the main thread raises `slot` to `value`, or terminates the worker. */
function waitForMain(slot: number, value: number): void {
  for (
    let seen = Atomics.load(control, slot);
    seen < value && !terminated();
    seen = Atomics.load(control, slot)
  ) {
    Atomics.wait(control, slot, seen, TERMINATION_POLL_MS);
  }
}

function describeFailure(error: unknown): CallFailure {
  if (error instanceof PluginAbort) {
    return {
      kind: "abort",
      message: error.message,
      file: error.file,
      line: error.line,
      column: error.column,
      wasmStack: error.wasmStack,
    };
  }
  if (error instanceof HostCallFailed) {
    return { kind: "host", errorId: error.errorId, message: error.message };
  }
  // No id: the main thread has no error object of its own for a builtin's failure, only the message.
  if (error instanceof BuiltinHostError) return { kind: "host", errorId: -1, message: error.message };
  if (error instanceof ObjectTypeError) return { kind: "marshalling", message: error.message };
  if (error instanceof Error) {
    return { kind: "trap", message: error.message, wasmStack: wasmFrames(error) };
  }
  return { kind: "trap", message: String(error), wasmStack: [] };
}

/** Reads one call's arguments from the batch input; objects stay views of the input until copied in. */
function readArguments(params: readonly ParamType[], reader: ValueReader, into: RawArgument[]): void {
  for (let i = 0; i < params.length; i++) {
    const type = params[i];
    into[i] = isObjectType(type) ? reader.rawBytes() : reader.number(type as NumericType, true) as WasmValue;
  }
}

/** Reads one adapter call's arguments as JavaScript values (`text` and `string` decoded, bytes copied). */
function readAdapterArguments(params: readonly ParamType[], reader: ValueReader, into: unknown[]): void {
  for (let i = 0; i < params.length; i++) into[i] = reader.value(params[i]);
}

/**
 * Whether a plugin call failed during the current call of an export: the instance's runtime state is then not
 * to be trusted, even when an adapter caught the error.
 */
let pluginFailed = false;

/**
 * Copies the arguments into plugin memory (pinned), calls the export and returns its raw result; a failure
 * marks the instance as failed ({@linkcode pluginFailed}).
 */
function invoke(
  exportName: string,
  signature: Signature,
  raw: readonly RawArgument[],
): RawArgument | undefined {
  try {
    const { interop, exports } = live!;
    const { params, result: type } = signature;
    const args: WasmValue[] = new Array(params.length);
    for (let i = 0; i < params.length; i++) {
      const value = raw[i];
      args[i] = value instanceof Uint8Array
        ? interop.pin(interop.newObject(classIdOf(params[i]), value))
        : value;
    }
    const result = (exports[exportName] as (...args: WasmValue[]) => WasmValue | undefined)(...args);
    const value = isObjectType(type) ? interop.objectBytes(result as number, classIdOf(type)) : result;
    for (let i = 0; i < params.length; i++) {
      if (raw[i] instanceof Uint8Array) interop.unpin(args[i] as number);
    }
    return value;
  } catch (error) {
    pluginFailed = true;
    throw error;
  }
}

/** Runs one call (of a plugin export or an adapter export) and appends its result to `output`. */
function callOnce(exportName: string, signature: Signature, raw: RawArgument[]): void {
  const adapter = adapters.get(exportName);
  const result = adapter === undefined ? invoke(exportName, signature, raw) : adapter(...raw);
  const entryStart = output.offset;
  output.u32(RESULT_OK);
  try {
    if (adapter === undefined) output.wasmValue(signature.result, result as RawArgument);
    else output.value(signature.result, result, `result of adapter export ${exportName}`);
  } catch (error) {
    output.offset = entryStart;
    throw error;
  }
}

function terminated(): boolean {
  return Atomics.load(control, SLOT_TERMINATED) !== 0;
}

/**
 * Copies the job's arguments out of the slot's shared input in one piece: the per-argument copies into plugin
 * memory are then copies between plain buffers, which cost several times less than copies out of shared
 * memory.
 */
function receiveInput(slot: number, length: number): ArrayBuffer {
  if (input.byteLength < length) input.resize(length);
  new Uint8Array(input, 0, length).set(new Uint8Array(setup.inputs[slot], 0, length));
  return input;
}

/**
 * Runs job number `job`, described in its slot of the control block. Returns false when the worker must serve
 * no more jobs (it was terminated, or no new instance could be made after a failure).
 */
function runJob(job: number, exportNames: readonly string[]): boolean {
  const slot = job % JOB_SLOTS;
  const completedSlot = jobField(slot, JOB_COMPLETED);
  const outputBytesSlot = jobField(slot, JOB_OUTPUT_BYTES);
  const exportName = exportNames[Atomics.load(control, jobField(slot, JOB_EXPORT))];
  const count = Atomics.load(control, jobField(slot, JOB_COUNT));
  const signature = setup.exports[exportName];
  output = outputs[slot];
  const reader = new ValueReader(receiveInput(slot, Atomics.load(control, jobField(slot, JOB_INPUT_BYTES))));
  const raw: RawArgument[] = new Array(signature.params.length);
  const isAdapter = adapters.has(exportName);
  const read = isAdapter ? readAdapterArguments : readArguments;
  output.offset = 0;
  Atomics.store(control, outputBytesSlot, 0);
  Atomics.store(control, completedSlot, 0);
  Atomics.store(control, SLOT_RUNNING, job);
  for (let index = 0; index < count; index++) {
    read(signature.params, reader, raw);
    startedAt[0] = Date.now();
    // Marked in flight before the check: a main thread that terminates the worker (storing the flag first)
    // then either sees this call in flight or the worker sees the flag, so a call never runs twice.
    Atomics.store(control, SLOT_IN_FLIGHT, index);
    // Terminated by the main thread (which resubmits the remaining calls elsewhere): run nothing more.
    if (terminated()) return false;
    pluginFailed = false;
    try {
      callOnce(exportName, signature, raw);
    } catch (error) {
      if (terminated()) return false;
      output.u32(RESULT_ERROR);
      // An adapter's own fault (it threw, or returned a wrong value) is not the plugin's: the instance stays.
      const failure: CallFailure = isAdapter && !pluginFailed
        ? { kind: "adapter", message: errorMessage(error) }
        : describeFailure(error);
      output.string(JSON.stringify(failure));
      // A plugin export's instance is replaced on any failure, its result not fitting the output included
      // (invoke marks only failures of its own).
      if (!isAdapter) pluginFailed = true;
    }
    Atomics.store(control, outputBytesSlot, output.offset);
    Atomics.store(control, completedSlot, index + 1);
    // After the result is published: a timeout while the new instance starts then resubmits the next calls
    // instead of failing this one. Its start code gets a whole timeout of its own.
    if (pluginFailed) {
      startedAt[0] = Date.now();
      try {
        instantiate();
      } catch (error) {
        if (!terminated()) post({ type: "instance-failed", message: instanceFailure(error) });
        return false;
      }
    }
  }
  Atomics.store(control, SLOT_IN_FLIGHT, -1);
  post({ type: "batch-done", job });
  return true;
}

/**
 * Runs jobs as the main thread hands them over, in order, until the worker is terminated. The worker's event
 * loop stays blocked meanwhile: after `init` nothing arrives by message.
 */
function serve(): void {
  const exportNames = Object.keys(setup.exports);
  for (let job = 0;; job++) {
    // Jobs handed over before this loop started, or while the previous one ran, are already counted.
    while (Atomics.load(control, SLOT_JOBS_POSTED) <= job && !terminated()) {
      Atomics.wait(control, SLOT_JOBS_POSTED, job);
    }
    if (terminated() || !runJob(job, exportNames)) return;
  }
}

/** The adapter exports of this worker, made for the current setup. */
let adapters = new Map<string, (...args: unknown[]) => unknown>();

function makeAdapters(registry: Readonly<Record<string, WorkerAdapter>>): void {
  const context = (config: unknown): AdapterContext => ({
    config,
    call(exportName, ...args) {
      const signature = setup.exports[exportName];
      if (signature === undefined || setup.adapters[exportName] !== undefined) {
        throw new Error(`the adapter called ${exportName}, which is not a plugin export the traits require`);
      }
      return invoke(exportName, signature, args);
    },
  });
  adapters = new Map();
  for (const [name, { adapter, config }] of Object.entries(setup.adapters)) {
    const make = registry[adapter];
    if (make === undefined) {
      throw new Error(`this worker script has no adapter ${adapter} (for export ${name})`);
    }
    adapters.set(name, make(context(config)) as (...args: unknown[]) => unknown);
  }
}

/**
 * Starts the worker: waits for the pool's `init` message, instantiates the plugin, then serves jobs. A worker
 * script calls it once, with the adapters it implements by name.
 *
 * @example A worker script with one adapter
 * ```ts ignore
 * import { startWorker } from "./worker.ts";
 * startWorker({ "shout": () => (text) => String(text).toUpperCase() });
 * ```
 */
export function startWorker(registry: Readonly<Record<string, WorkerAdapter>>): void {
  self.onmessage = (event: MessageEvent<InitMessage>) => {
    const message = event.data;
    setup = message;
    // This isolate runs only the plugin: its failures keep enough frames to lead back to the plugin's code.
    Error.stackTraceLimit = WORKER_STACK_TRACE_LIMIT;
    control = new Int32Array(message.control, 0, SLOT_COUNT);
    startedAt = new Float64Array(message.control, STARTED_AT_OFFSET, 1);
    outputs = [new ValueWriter(message.outputs[0]), new ValueWriter(message.outputs[1])];
    channelWriter = new ValueWriter(message.channel);
    Atomics.store(control, SLOT_IN_FLIGHT, -1);
    try {
      makeAdapters(registry);
      startedAt[0] = Date.now();
      instantiate();
    } catch (error) {
      post({ type: "init-failed", message: instanceFailure(error) });
      return;
    }
    Atomics.store(control, SLOT_STARTED, 1);
    post({ type: "ready" });
    serve();
  };
}
