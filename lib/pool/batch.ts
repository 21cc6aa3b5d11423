/**
 * Book-keeping for calls on their way through the pool: a {@linkcode Batch} collects per-call results, and
 * a {@linkcode Job} is the slice of a batch one worker runs in one message.
 *
 * @module
 */
import type { ResultType, Signature } from "../interop/types.ts";
import { growableShared, ValueWriter } from "../interop/value_codec.ts";
import { MAX_SHARED_BYTES } from "./protocol.ts";

/** The outcome of one call in a batch. */
export type CallResult<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly error: Error;
};

/** Many calls of one export; resolves once every call has a result. */
export class Batch {
  readonly exportName: string;
  readonly signature: Signature;
  readonly args: readonly (readonly unknown[])[];
  readonly results: CallResult<unknown>[];
  readonly promise: Promise<CallResult<unknown>[]>;
  #pending: number;
  #resolve!: (results: CallResult<unknown>[]) => void;

  constructor(exportName: string, signature: Signature, args: readonly (readonly unknown[])[]) {
    this.exportName = exportName;
    this.signature = signature;
    this.args = args;
    this.results = new Array(args.length);
    this.#pending = args.length;
    this.promise = new Promise((resolve) => this.#resolve = resolve);
    if (args.length === 0) this.#resolve(this.results);
  }

  /** Records the result of call `index` (the first result recorded for a call wins). */
  settle(index: number, result: CallResult<unknown>): void {
    if (this.results[index] !== undefined) return;
    this.results[index] = result;
    if (--this.#pending === 0) this.#resolve(this.results);
  }

  /** Whether call `index` has a result. */
  isSettled(index: number): boolean {
    return this.results[index] !== undefined;
  }
}

/** Calls `start .. start + count - 1` of a batch, run by one worker in one message. */
export interface Job {
  readonly batch: Batch;
  readonly start: number;
  readonly count: number;
  /** The arguments, encoded ahead of dispatch by {@linkcode encodeJob}. */
  input?: SharedArrayBuffer;
}

const FIXED_SIZE: Readonly<Record<Exclude<ResultType, "string" | "bytes">, number>> = {
  i32: 4,
  f32: 4,
  bool: 4,
  i64: 8,
  f64: 8,
  void: 0,
};

/**
 * Checks the arguments of every call against the signature before anything is queued, so a wrong call
 * fails at once with a `TypeError` naming the export and the argument.
 */
export function checkArguments(exportName: string, signature: Signature, args: readonly unknown[]): void {
  if (args.length !== signature.params.length) {
    throw new TypeError(
      `${exportName} takes ${signature.params.length} argument(s) (${
        signature.params.join(", ")
      }), got ${args.length}`,
    );
  }
  signature.params.forEach((type, i) => {
    const value = args[i];
    const ok = type === "string"
      ? typeof value === "string"
      : type === "bytes"
      ? value instanceof Uint8Array
      : type === "bool"
      ? typeof value === "boolean"
      : type === "i64"
      ? typeof value === "bigint"
      : typeof value === "number";
    if (!ok) throw new TypeError(`${exportName} argument ${i + 1} must be of type ${type}`);
  });
}

/**
 * Shared buffers for encoded arguments, reused from job to job: Deno's `postMessage` costs ~0.3 ms for a
 * buffer it has not seen before and ~2 us for one it has, so buffers are recycled rather than allocated.
 */
export class InputBuffers {
  readonly #free: SharedArrayBuffer[] = [];

  /** A buffer of at least `size` bytes. */
  take(size: number): SharedArrayBuffer {
    const buffer = this.#free.pop() ?? growableShared(Math.max(size, 64 * 1024), MAX_SHARED_BYTES);
    if (buffer.byteLength < size) buffer.grow(size);
    return buffer;
  }

  /** Returns a buffer no worker reads any more. */
  give(buffer: SharedArrayBuffer): void {
    this.#free.push(buffer);
  }
}

/** Encodes the job's arguments into a buffer from `buffers` and keeps it in `job.input`. */
export function encodeJob(job: Job, buffers: InputBuffers): SharedArrayBuffer {
  const { params } = job.batch.signature;
  let size = 0;
  for (let i = job.start; i < job.start + job.count; i++) {
    const args = job.batch.args[i];
    params.forEach((type, p) => {
      if (type === "string") size += 4 + (args[p] as string).length * 2;
      else if (type === "bytes") size += 4 + (args[p] as Uint8Array).byteLength;
      else size += FIXED_SIZE[type];
    });
  }
  const writer = new ValueWriter(buffers.take(size));
  for (let i = job.start; i < job.start + job.count; i++) {
    const args = job.batch.args[i];
    params.forEach((type, p) => writer.value(type, args[p], `${job.batch.exportName} argument ${p + 1}`));
  }
  job.input = writer.buffer as SharedArrayBuffer;
  return job.input;
}
