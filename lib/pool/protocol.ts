/**
 * The messages and shared-memory layout between the pool (main thread) and its workers.
 *
 * Each worker gets a small control block (Int32 slots plus one Float64) and growable shared buffers: two
 * `inputs` and two `outputs`, one pair per job slot, and `channel`, which carries host function arguments and
 * results while the worker waits in `Atomics.wait`. A worker holds up to {@linkcode JOB_SLOTS} jobs: it runs
 * job number `n` (counted from 0) from the slot `n % 2` and starts the next one as soon as it finishes, without
 * waiting for the main thread, which may be busy elsewhere (reading, writing) when a job ends. The worker appends
 * each finished call's result to the slot's output as it goes; because results and progress live in shared
 * memory, the main thread still has every finished result after it terminates a hung worker, and resubmits only
 * the calls that never started.
 *
 * The main thread sends one message, `init`. After it, the worker waits in `Atomics.wait` for jobs: the main
 * thread copies a job's encoded arguments into the slot's shared input in one piece, describes the job in the
 * slot's control fields and raises {@linkcode SLOT_JOBS_POSTED}. A posted message costs the main thread tens of
 * microseconds, a notify a few. The worker still reports `batch-done` (and host calls) by message, because the
 * main thread cannot wait.
 *
 * @module
 */
import type { ParamType, ResultType, Signature } from "../interop/types.ts";
import type { WorkerBuiltinName } from "./worker_builtins.ts";

/** Jobs a worker holds at once: the one it runs and the next. */
export const JOB_SLOTS = 2;

/** Int32 slot: index (within its job) of the call in flight, or -1 when no call runs. */
export const SLOT_IN_FLIGHT = 0;
/** Int32 slot: host channel state ({@linkcode CHANNEL_WAITING} or {@linkcode CHANNEL_ANSWERED}). */
export const SLOT_CHANNEL_STATE = 1;
/** Int32 slot: 0 when the host function returned, 1 when it threw. */
export const SLOT_CHANNEL_STATUS = 2;
/** Int32 slot: set to 1 by the main thread when it terminates the worker; the worker then stops at once. */
export const SLOT_TERMINATED = 3;
/**
 * Int32 slot: number of jobs the main thread has handed over. The worker waits on it (`Atomics.wait`) when it
 * has run them all.
 */
export const SLOT_JOBS_POSTED = 4;
/** Int32 slot: number of the job the worker runs or last ran (-1 before the first). */
export const SLOT_RUNNING = 5;
/**
 * Int32 slot: the latest instance whose interrupt flag the main thread holds (instances are counted from 1).
 * A worker waits for it before an instance runs plugin code, so that a timeout never sets a stale flag and
 * leaves the new instance's loops running.
 */
export const SLOT_INTERRUPT_ACK = 6;
/**
 * Int32 slot: 1 once the first instance's start code has finished (set just before `ready` is posted), so a
 * start timer that fires while `ready` waits in a busy main thread's queue does not count it as hung.
 */
export const SLOT_STARTED = 7;

/** Per job slot: the job's export, as an index into `Object.keys(InitMessage.exports)`. */
export const JOB_EXPORT = 0;
/** Per job slot: number of calls in the job. */
export const JOB_COUNT = 1;
/** Per job slot: bytes of the slot's input holding the job's encoded arguments. */
export const JOB_INPUT_BYTES = 2;
/** Per job slot: number of calls of the job whose result is in the slot's output. */
export const JOB_COMPLETED = 3;
/**
 * Per job slot: bytes of the slot's output holding finished results, stored before {@linkcode JOB_COMPLETED}
 * so that whoever reads the count first finds at least that many results' bytes (the main thread copies them
 * out at once instead of one allocation per result).
 */
export const JOB_OUTPUT_BYTES = 4;
const JOB_FIELDS = 5;
const FIRST_JOB_SLOT = 8;

/** The Int32 slot of `field` (e.g. {@linkcode JOB_COUNT}) for job slot `slot` (0 or 1). */
export function jobField(slot: number, field: number): number {
  return FIRST_JOB_SLOT + slot * JOB_FIELDS + field;
}

/** Number of Int32 slots. */
export const SLOT_COUNT = FIRST_JOB_SLOT + JOB_SLOTS * JOB_FIELDS;
/**
 * Byte offset of the Float64 holding the epoch time (ms) when the call in flight (or the first instance's start
 * code) started.
 */
export const STARTED_AT_OFFSET = Math.ceil((SLOT_COUNT * 4) / 8) * 8;
/** Size of the control block in bytes. */
export const CONTROL_BYTES = STARTED_AT_OFFSET + 8;

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
  /** Per job slot: where the job's results are appended. */
  readonly outputs: readonly [SharedArrayBuffer, SharedArrayBuffer];
  readonly channel: SharedArrayBuffer;
  /** Per job slot: where the job's encoded arguments are placed before the job is handed over. */
  readonly inputs: readonly [SharedArrayBuffer, SharedArrayBuffer];
}

/** Worker to main. */
export type WorkerMessage =
  | { readonly type: "ready" }
  /** Instance number `instance` of this worker interrupts its loops through `buffer`. */
  | { readonly type: "interrupt-flag"; readonly buffer: SharedArrayBuffer; readonly instance: number }
  | { readonly type: "init-failed"; readonly message: string }
  /** A replacement instance (after a failed call) could not be made: the worker serves no more jobs. */
  | { readonly type: "instance-failed"; readonly message: string }
  | { readonly type: "host-call"; readonly functionIndex: number }
  | { readonly type: "notification"; readonly functionIndex: number; readonly args: readonly unknown[] }
  /** Job number `job` has finished; its results are in its slot's output. */
  | { readonly type: "batch-done"; readonly job: number };

/** Why a call failed, as the worker reports it (JSON in the output entry). */
export type CallFailure =
  | {
    readonly kind: "abort";
    readonly message: string;
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly wasmStack: readonly string[];
  }
  | { readonly kind: "trap"; readonly message: string; readonly wasmStack: readonly string[] }
  | { readonly kind: "host"; readonly errorId: number; readonly message: string }
  | { readonly kind: "marshalling"; readonly message: string }
  | { readonly kind: "adapter"; readonly message: string };
