/**
 * One execution context: a Deno Worker without permissions holding one instance of the plugin, seen from
 * the main thread. It runs one job at a time, answers the worker's host function calls, enforces the
 * per-call timeout by terminating the worker, and on termination or crash hands back every finished result
 * plus the calls that never started.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { decodeUtf16, growableShared, ValueReader, ValueWriter } from "../interop/value_codec.ts";
import { type Batch, type CallResult, encodeJob, type InputBuffers, type Job } from "./batch.ts";
import {
  MarshallingError,
  MemoryLimitError,
  PluginAbortError,
  type PluginCallError,
  PluginTrapError,
  TimeoutError,
  WorkerCrashError,
} from "./errors.ts";
import {
  type CallFailure,
  CHANNEL_ANSWERED,
  CONTROL_BYTES,
  type InitMessage,
  MAX_SHARED_BYTES,
  RESULT_OK,
  SLOT_CHANNEL_STATE,
  SLOT_CHANNEL_STATUS,
  SLOT_COMPLETED,
  SLOT_COUNT,
  SLOT_IN_FLIGHT,
  SLOT_JOB,
  SLOT_JOB_COUNT,
  SLOT_JOB_EXPORT,
  SLOT_JOB_INPUT_BYTES,
  SLOT_JOB_OUTPUT,
  SLOT_OUTPUT_BYTES,
  SLOT_TERMINATED,
  STARTED_AT_OFFSET,
  type WorkerMessage,
} from "./protocol.ts";
import { isFailedMemoryGrow, type PreparedPlugin } from "./prepare.ts";
import type { HostCallContext, WorkerScript } from "./trait.ts";
import workerBundle from "../dist/worker_bundle.js" with { type: "text" };

/** What a context tells its pool. */
export interface ContextEvents {
  /** The context finished its job and is free. */
  idle(context: ExecutionContext): void;
  /** The context's worker is gone; `leftover` holds the calls of its job that never started. */
  lost(context: ExecutionContext, leftover: Job | undefined): void;
}

/** Settings shared by every context of a pool. */
export interface ContextSettings {
  readonly plugin: PreparedPlugin;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Limit of the plugin's memory in bytes, when one is set. */
  readonly memoryLimitBytes?: number;
  /** Where encoded arguments are taken from and returned to. */
  readonly buffers: InputBuffers;
  /** The URL of the script every worker runs (see {@linkcode createWorkerUrl}). */
  readonly workerUrl: string;
}

/** The plain worker: `worker_entry.ts` bundled into one script (`deno task bundle-worker`). */
export const PLAIN_WORKER: WorkerScript = { name: "plain", source: workerBundle };

/**
 * Makes the URL workers start from to run `script`: a `blob:` URL, so that starting a worker reads nothing
 * from disk (it needs no read permission and works the same from a checkout, a URL import and the compiled
 * binary) and costs the main thread little (a `data:` URL of a large script costs it ~100 ms a worker).
 * Revoke it (`URL.revokeObjectURL`) once no worker will start from it.
 */
export function createWorkerUrl(script: WorkerScript): string {
  return URL.createObjectURL(new Blob([script.source], { type: "text/javascript" }));
}

/** How every context's worker is started: a module worker without any permission. */
export const WORKER_OPTIONS: WorkerOptions = { type: "module", deno: { permissions: "none" } };

/** Wall-clock milliseconds: the one clock main thread and workers share (each has its own `timeOrigin`). */
function now(): number {
  return Date.now();
}

/** A worker with one plugin instance. */
export class ExecutionContext {
  /** Instance id, unique within the pool; trace lines and logs carry it. */
  readonly id: number;
  /** Resolves once the instance is ready; rejects when it cannot start. */
  readonly ready: Promise<void>;
  readonly #settings: ContextSettings;
  readonly #events: ContextEvents;
  readonly #worker: Worker;
  readonly #control = new SharedArrayBuffer(CONTROL_BYTES);
  readonly #slots = new Int32Array(this.#control, 0, SLOT_COUNT);
  readonly #startedAt = new Float64Array(this.#control, STARTED_AT_OFFSET, 1);
  readonly #outputs = [
    growableShared(64 * 1024, MAX_SHARED_BYTES),
    growableShared(64 * 1024, MAX_SHARED_BYTES),
  ] as const;
  /** The output the current job writes to; jobs alternate between the two. */
  #output: 0 | 1 = 0;
  readonly #channel = growableShared(64 * 1024, MAX_SHARED_BYTES);
  /** Index of each export as the worker knows it (see `SLOT_JOB_EXPORT`). */
  readonly #exportIndex: ReadonlyMap<string, number>;
  /** The current job's encoded arguments. */
  readonly #input = growableShared(64 * 1024, MAX_SHARED_BYTES);
  /** Errors thrown by main-thread host functions during the current job, by the id sent to the worker. */
  readonly #hostErrors = new Map<number, unknown>();
  #nextErrorId = 0;
  /** The current instance's interrupt flag (see `wasm_interrupt.ts`), once the worker sent it. */
  #interrupt: Int32Array | undefined;
  #job: Job | undefined;
  #dispatchedAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #alive = true;
  #started = false;
  #onReady!: () => void;
  #onStartFailed!: (error: Error) => void;

  constructor(id: number, settings: ContextSettings, events: ContextEvents) {
    this.id = id;
    this.#settings = settings;
    this.#events = events;
    this.#exportIndex = new Map(Object.keys(settings.plugin.exports).map((name, index) => [name, index]));
    this.ready = new Promise((resolve, reject) => {
      this.#onReady = resolve;
      this.#onStartFailed = reject;
    });
    this.#worker = new Worker(settings.workerUrl, WORKER_OPTIONS);
    this.#worker.onmessage = (event: MessageEvent<WorkerMessage>) => this.#receive(event.data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#crash(event.message);
    };
    this.#worker.onmessageerror = () => this.#crash("a message from the worker could not be read");
    const { plugin } = settings;
    const init: InitMessage = {
      type: "init",
      module: plugin.module,
      hostFunctions: plugin.descriptors,
      exports: plugin.exports,
      adapters: Object.fromEntries(
        Object.entries(plugin.adapters).map(([name, { adapter, config }]) => [name, { adapter, config }]),
      ),
      control: this.#control,
      outputs: this.#outputs,
      channel: this.#channel,
      input: this.#input,
    };
    this.#worker.postMessage(init);
  }

  /** Whether the context is running a job. */
  get busy(): boolean {
    return this.#job !== undefined;
  }

  /** Runs a job; the context must be ready and idle. */
  run(job: Job): void {
    if (!this.#alive || this.#job !== undefined) throw new Error(`instance ${this.id} cannot take a job now`);
    const input = job.input ?? encodeJob(job, this.#settings.buffers);
    if (this.#input.byteLength < input.byteLength) this.#input.grow(input.byteLength);
    new Uint8Array(this.#input, 0, input.byteLength).set(input);
    this.#settings.buffers.give(input.buffer);
    job.input = undefined;
    this.#job = job;
    this.#output = this.#output === 0 ? 1 : 0;
    Atomics.store(this.#slots, SLOT_COMPLETED, 0);
    Atomics.store(this.#slots, SLOT_OUTPUT_BYTES, 0);
    Atomics.store(this.#slots, SLOT_IN_FLIGHT, -1);
    this.#dispatchedAt = now();
    Atomics.store(this.#slots, SLOT_JOB_EXPORT, this.#exportIndex.get(job.batch.exportName)!);
    Atomics.store(this.#slots, SLOT_JOB_COUNT, job.count);
    Atomics.store(this.#slots, SLOT_JOB_INPUT_BYTES, input.byteLength);
    Atomics.store(this.#slots, SLOT_JOB_OUTPUT, this.#output);
    Atomics.add(this.#slots, SLOT_JOB, 1);
    Atomics.notify(this.#slots, SLOT_JOB);
    // A timer left from an earlier job is kept: when it fires it measures this job's time and re-arms.
    if (this.#timer === undefined) this.#arm(this.#settings.timeoutMs);
  }

  /** Terminates the worker; a job in flight fails with `reason` for its current and remaining calls. */
  terminate(reason?: Error): void {
    if (!this.#alive) return;
    const job = this.#job;
    this.#stop();
    if (job !== undefined && reason !== undefined) {
      const completed = Atomics.load(this.#slots, SLOT_COMPLETED);
      this.#collect(job, completed, Atomics.load(this.#slots, SLOT_OUTPUT_BYTES), this.#output);
      for (let i = job.start; i < job.start + job.count; i++) {
        job.batch.settle(i, { ok: false, error: reason });
      }
    }
  }

  #stop(): void {
    this.#alive = false;
    this.#job = undefined;
    clearTimeout(this.#timer);
    this.#worker.terminate();
    this.#release();
  }

  /**
   * Makes sure the terminated worker's thread ends: Deno does not stop a worker stuck in a loop or in
   * `Atomics.wait`. Setting the interrupt flag makes the plugin's next loop iteration trap; answering the
   * host channel wakes a worker waiting for a host function; raising the job slot wakes an idle one.
   * Either way its JavaScript runs again and the pending termination takes effect.
   */
  #release(): void {
    Atomics.store(this.#slots, SLOT_TERMINATED, 1);
    if (this.#interrupt !== undefined) Atomics.store(this.#interrupt, 0, 1);
    const writer = new ValueWriter(this.#channel);
    writer.u32(0);
    writer.string("the instance was terminated");
    Atomics.store(this.#slots, SLOT_CHANNEL_STATUS, 1);
    Atomics.store(this.#slots, SLOT_CHANNEL_STATE, CHANNEL_ANSWERED);
    Atomics.notify(this.#slots, SLOT_CHANNEL_STATE);
    // Raising the job number (after the terminated flag) also wakes a worker that is only about to wait.
    Atomics.add(this.#slots, SLOT_JOB, 1);
    Atomics.notify(this.#slots, SLOT_JOB);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#checkTimeout();
    }, Math.max(0, delayMs));
  }

  #checkTimeout(): void {
    const job = this.#job;
    if (job === undefined) return;
    const inFlight = Atomics.load(this.#slots, SLOT_IN_FLIGHT);
    if (Atomics.load(this.#slots, SLOT_COMPLETED) === job.count) return; // done; its message is on its way
    const startedAt = inFlight >= 0 ? this.#startedAt[0] : this.#dispatchedAt;
    const remaining = startedAt + this.#settings.timeoutMs - now();
    if (remaining > 1) return this.#arm(remaining);
    this.#settings.logger.warn("instance {id}: {export} exceeded {timeout} ms; terminating it", {
      id: this.id,
      export: job.batch.exportName,
      timeout: this.#settings.timeoutMs,
    });
    this.#lose(new TimeoutError(job.batch.exportName, this.#settings.timeoutMs));
  }

  #crash(reason: string): void {
    if (!this.#alive) return;
    if (!this.#started) {
      this.#stop();
      this.#onStartFailed(new Error(reason));
      return;
    }
    this.#settings.logger.error("instance {id} crashed: {reason}", { id: this.id, reason });
    this.#lose(new WorkerCrashError(this.#job?.batch.exportName ?? "(idle)", reason));
  }

  /**
   * Ends the worker after a timeout or crash: finished calls keep their results, the call in flight fails
   * with `error`, and the calls after it go back to the pool.
   */
  #lose(error: PluginCallError): void {
    const job = this.#job;
    const completed = Atomics.load(this.#slots, SLOT_COMPLETED);
    const inFlight = Atomics.load(this.#slots, SLOT_IN_FLIGHT);
    this.#stop();
    if (job === undefined) return this.#events.lost(this, undefined);
    this.#collect(job, completed, Atomics.load(this.#slots, SLOT_OUTPUT_BYTES), this.#output);
    const failed = inFlight >= 0 ? inFlight : completed;
    if (failed < job.count) job.batch.settle(job.start + failed, { ok: false, error });
    const next = failed + 1;
    const leftover = next < job.count
      ? { batch: job.batch, start: job.start + next, count: job.count - next }
      : undefined;
    this.#events.lost(this, leftover);
  }

  /**
   * Reads the first `completed` results of the job from shared memory into its batch. The worker stores
   * the results' byte `length` before their count, so reading the count first and the length second covers
   * them all. They are copied out in one piece and each `bytes` result is a view of that copy: one
   * allocation per job instead of one per result.
   */
  #collect(job: Job, completed: number, length: number, output: 0 | 1): void {
    if (completed === 0) return;
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(this.#outputs[output], 0, length));
    const reader = new ValueReader(copy.buffer);
    const { batch } = job;
    const type = batch.signature.result;
    for (let i = 0; i < completed; i++) {
      const status = reader.u32();
      const result: CallResult<unknown> = status !== RESULT_OK
        ? {
          ok: false,
          error: this.#failure(batch, JSON.parse(decodeUtf16(reader.rawBytes())) as CallFailure),
        }
        : { ok: true, value: type === "bytes" ? reader.rawBytes() : reader.value(type) };
      batch.settle(job.start + i, result);
    }
  }

  #failure(batch: Batch, failure: CallFailure): Error {
    const name = batch.exportName;
    switch (failure.kind) {
      case "abort":
        return new PluginAbortError(name, failure.message, failure.file, failure.line, failure.column);
      case "trap": {
        const limit = this.#settings.memoryLimitBytes;
        if (limit !== undefined && isFailedMemoryGrow(this.#settings.plugin.binary, failure)) {
          return new MemoryLimitError(name, limit);
        }
        return new PluginTrapError(name, failure.message, failure.wasmStack);
      }
      case "marshalling":
        return new MarshallingError(name, failure.message);
      case "host": {
        const original = this.#hostErrors.get(failure.errorId);
        this.#hostErrors.delete(failure.errorId);
        return original instanceof Error ? original : new Error(failure.message);
      }
    }
  }

  #receive(message: WorkerMessage): void {
    if (!this.#alive) return;
    switch (message.type) {
      case "interrupt-flag":
        this.#interrupt = new Int32Array(message.buffer, 0, 1);
        return;
      case "ready":
        this.#started = true;
        this.#onReady();
        return;
      case "init-failed":
        this.#stop();
        this.#onStartFailed(new Error(message.message));
        return;
      case "host-call":
        return void this.#answerHostCall(message.functionIndex);
      case "notification":
        return this.#notify(message.functionIndex, message.args);
      case "batch-done": {
        const job = this.#job!;
        const output = this.#output;
        // Read before the next job is dispatched: it resets the slot.
        const length = Atomics.load(this.#slots, SLOT_OUTPUT_BYTES);
        // The timeout timer stays armed for the next job (one timer per job would cost more than a job's
        // worth of bookkeeping); with no job when it fires, it simply ends.
        this.#job = undefined;
        // Hand the worker its next job first, then read this one's results from the other output.
        this.#events.idle(this);
        this.#collect(job, job.count, length, output);
        return;
      }
    }
  }

  #callContext(): HostCallContext {
    return {
      instanceId: this.id,
      exportName: this.#job?.batch.exportName ?? "",
      logger: this.#settings.logger,
    };
  }

  async #answerHostCall(functionIndex: number): Promise<void> {
    const fn = this.#settings.plugin.hostFunctions[functionIndex];
    if (fn.kind !== "main") return;
    const writer = new ValueWriter(this.#channel);
    let status = 0;
    try {
      const reader = new ValueReader(this.#channel);
      const args = fn.params.map((type) => reader.value(type));
      const result = await fn.run(...args as [], this.#callContext());
      if (!this.#alive) return;
      writer.value(fn.result, result, `result of host function ${fn.namespace}.${fn.name}`);
    } catch (error) {
      if (!this.#alive) return;
      const id = this.#nextErrorId++;
      this.#hostErrors.set(id, error);
      writer.offset = 0;
      writer.u32(id);
      writer.string(error instanceof Error ? error.message : String(error));
      status = 1;
    }
    Atomics.store(this.#slots, SLOT_CHANNEL_STATUS, status);
    Atomics.store(this.#slots, SLOT_CHANNEL_STATE, CHANNEL_ANSWERED);
    Atomics.notify(this.#slots, SLOT_CHANNEL_STATE);
  }

  #notify(functionIndex: number, args: readonly unknown[]): void {
    const fn = this.#settings.plugin.hostFunctions[functionIndex];
    if (fn.kind !== "notification") return;
    try {
      fn.run(...args as [], this.#callContext());
    } catch (error) {
      this.#settings.logger.warn("instance {id}: host function {fn} failed: {error}", {
        id: this.id,
        fn: `${fn.namespace}.${fn.name}`,
        error,
      });
    }
  }
}
