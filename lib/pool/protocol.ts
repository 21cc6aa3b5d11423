/**
 * The messages and shared-memory layout between the pool (main thread) and its workers.
 *
 * Each worker gets a small control block (Int32 slots plus one Float64) and growable shared buffers: two
 * `outputs`, used by turns, where it appends each finished call's result as it goes (the main thread reads
 * one job's results while the worker already fills the other with the next job's), and `channel`, which
 * carries host function arguments and results while the worker waits in `Atomics.wait`. Because results
 * and progress live in shared memory, the main thread still has every finished result after it terminates a
 * hung worker, and resubmits only the calls that never started.
 *
 * The main thread sends one message, `init`. After it, the worker waits in `Atomics.wait` for jobs: the main
 * thread copies a job's encoded arguments into the worker's shared `input` buffer in one piece, describes the
 * job in the control block and raises {@linkcode SLOT_JOB}. A posted message costs the main thread tens of
 * microseconds, a notify a few. The worker still reports `batch-done` (and host calls) by message, because the
 * main thread cannot wait.
 *
 * @module
 */
import type { ParamType, ResultType, Signature } from "../interop/types.ts";
import type { WorkerBuiltinName } from "./worker_builtins.ts";

/** Int32 slot: index (within the batch) of the call in flight, or -1 when the worker is idle. */
export const SLOT_IN_FLIGHT = 0;
/** Int32 slot: number of calls of the batch whose result is in `output`. */
export const SLOT_COMPLETED = 1;
/** Int32 slot: host channel state ({@linkcode CHANNEL_WAITING} or {@linkcode CHANNEL_ANSWERED}). */
export const SLOT_CHANNEL_STATE = 2;
/** Int32 slot: 0 when the host function returned, 1 when it threw. */
export const SLOT_CHANNEL_STATUS = 3;
/** Int32 slot: set to 1 by the main thread when it terminates the worker; the worker then stops at once. */
export const SLOT_TERMINATED = 4;
/**
 * Int32 slot: bytes of `output` holding finished results, stored before {@linkcode SLOT_COMPLETED} so that
 * whoever reads the count first finds at least that many results' bytes (the main thread copies them out at
 * once instead of one allocation per result).
 */
export const SLOT_OUTPUT_BYTES = 5;
/**
 * Int32 slot: job number, raised by one for each job the main thread hands the worker. The worker waits
 * on it (`Atomics.wait`) for its next job, which the slots below describe: a job costs no message.
 */
export const SLOT_JOB = 6;
/** Int32 slot: the job's export, as an index into `Object.keys(InitMessage.exports)`. */
export const SLOT_JOB_EXPORT = 7;
/** Int32 slot: number of calls in the job. */
export const SLOT_JOB_COUNT = 8;
/** Int32 slot: bytes of `input` holding the job's encoded arguments. */
export const SLOT_JOB_INPUT_BYTES = 9;
/** Int32 slot: which of the two `outputs` (0 or 1) receives the job's results. */
export const SLOT_JOB_OUTPUT = 10;
/** Number of Int32 slots. */
export const SLOT_COUNT = 11;
/** Byte offset of the Float64 holding the epoch time (ms) when the call in flight started. */
export const STARTED_AT_OFFSET = 48;
/** Size of the control block in bytes. */
export const CONTROL_BYTES = 56;

/** Channel state: the worker waits for the main thread. */
export const CHANNEL_WAITING = 0;
/** Channel state: the main thread has written the answer. */
export const CHANNEL_ANSWERED = 1;

/** Result entry status in `output`. */
export const RESULT_OK = 0;
/** Result entry status in `output`: the entry holds a {@linkcode CallFailure}. */
export const RESULT_ERROR = 1;

/** Largest size the output and channel buffers may grow to. */
export const MAX_SHARED_BYTES = 1024 * 1024 * 1024;

/** How a worker imports one host function. */
export interface HostFunctionDescriptor {
  readonly namespace: string;
  readonly name: string;
  readonly params: readonly ParamType[];
  readonly result: ResultType;
  readonly kind: "main" | "notification" | "worker";
  readonly builtin?: WorkerBuiltinName;
  /** The buffer a worker builtin shares with the other workers. */
  readonly shared?: SharedArrayBuffer;
}

/** Main to worker: instantiate the module. */
export interface InitMessage {
  readonly type: "init";
  readonly module: WebAssembly.Module;
  readonly hostFunctions: readonly HostFunctionDescriptor[];
  readonly exports: Readonly<Record<string, Signature>>;
  /** The adapter exports among `exports`: which adapter of the worker script implements each, and its config. */
  readonly adapters: Readonly<Record<string, { readonly adapter: string; readonly config?: unknown }>>;
  readonly control: SharedArrayBuffer;
  readonly outputs: readonly [SharedArrayBuffer, SharedArrayBuffer];
  readonly channel: SharedArrayBuffer;
  /** Where each job's encoded arguments are placed before the job is handed over. */
  readonly input: SharedArrayBuffer;
}

/** Worker to main. */
export type WorkerMessage =
  | { readonly type: "ready" }
  | { readonly type: "interrupt-flag"; readonly buffer: SharedArrayBuffer }
  | { readonly type: "init-failed"; readonly message: string }
  | { readonly type: "host-call"; readonly functionIndex: number }
  | { readonly type: "notification"; readonly functionIndex: number; readonly args: readonly unknown[] }
  | { readonly type: "batch-done" };

/** Why a call failed, as the worker reports it (JSON in the output entry). */
export type CallFailure =
  | {
    readonly kind: "abort";
    readonly message: string;
    readonly file: string;
    readonly line: number;
    readonly column: number;
  }
  | { readonly kind: "trap"; readonly message: string; readonly wasmStack: readonly string[] }
  | { readonly kind: "host"; readonly errorId: number; readonly message: string }
  | { readonly kind: "marshalling"; readonly message: string };
