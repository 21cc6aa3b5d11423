/**
 * Book-keeping for calls on their way through the pool: a {@linkcode Batch} collects per-call results, and
 * a {@linkcode Job} is the slice of a batch one worker runs at a time.
 *
 * @module
 */
import type { Signature } from "../interop/types.ts";
import { ValueWriter } from "../interop/value_codec.ts";

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

/** Calls `start .. start + count - 1` of a batch, run by one worker as one job. */
export interface Job {
  readonly batch: Batch;
  readonly start: number;
  readonly count: number;
}

/** Fails every call of `job` that has no result yet with `error`. */
export function failJob(job: Job, error: unknown): void {
  for (let i = job.start; i < job.start + job.count; i++) {
    job.batch.settle(i, { ok: false, error: error as Error });
  }
}

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
  const { params } = signature;
  for (let i = 0; i < params.length; i++) {
    const type = params[i];
    const value = args[i];
    const ok = type === "bytes"
      ? value instanceof Uint8Array
      : type === "string" || type === "text"
      ? typeof value === "string"
      : type === "bool"
      ? typeof value === "boolean"
      : type === "i64"
      ? typeof value === "bigint"
      : typeof value === "number";
    if (!ok) throw new TypeError(`${exportName} argument ${i + 1} must be of type ${type}`);
  }
}

/**
 * The fewest bytes {@linkcode encodeJob} can write for `job` (`text` at one byte per code unit, no padding):
 * enough to refuse a job that cannot fit before any shared memory grows for it, which it could never give back.
 */
export function minimumEncodedSize(job: Job): number {
  const { params } = job.batch.signature;
  let size = 0;
  for (let i = job.start; i < job.start + job.count; i++) {
    const call = job.batch.args[i];
    for (let p = 0; p < params.length; p++) {
      const type = params[p];
      const value = call[p];
      size += type === "bytes"
        ? 4 + (value as Uint8Array).byteLength
        : type === "string"
        ? 4 + (value as string).length * 2
        : type === "text"
        ? 4 + (value as string).length
        : 4;
    }
  }
  return size;
}

/**
 * Encodes the job's arguments into `input` (a worker's shared input, grown as needed) and returns the number
 * of bytes written. The arguments were checked by {@linkcode checkArguments} when the batch was made, so
 * values are written without checks; payloads land 8-byte aligned, where copies into shared memory are fast.
 */
export function encodeJob(job: Job, input: SharedArrayBuffer): number {
  const { params } = job.batch.signature;
  const { args } = job.batch;
  const end = job.start + job.count;
  const writer = new ValueWriter(input);
  for (let i = job.start; i < end; i++) {
    const call = args[i];
    for (let p = 0; p < params.length; p++) {
      const type = params[p];
      const value = call[p];
      if (type === "bytes") writer.bytes(value as Uint8Array);
      else if (type === "string") writer.string(value as string);
      else if (type === "text") writer.text(value as string);
      else writer.wasmValue(type, value as number | bigint);
    }
  }
  return writer.offset;
}
