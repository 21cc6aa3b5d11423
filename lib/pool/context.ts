/**
 * One execution context: a Deno Worker without permissions holding one instance of the plugin, seen from
 * the main thread. It holds up to two jobs (the worker starts the second as soon as the first ends, without
 * waiting for the main thread), runs one call at a time, answers the worker's host function calls, enforces
 * the per-call timeout by terminating the worker, and on termination or crash hands back every finished
 * result plus the calls that never started.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { decodeUtf16, growableShared, ValueReader, ValueWriter } from "../interop/value_codec.ts";
import { type Batch, type CallResult, encodeJob, failJob, type Job, minimumEncodedSize } from "./batch.ts";
import {
  AdapterError,
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
  JOB_COMPLETED,
  JOB_COUNT,
  JOB_EXPORT,
  JOB_INPUT_BYTES,
  JOB_OUTPUT_BYTES,
  JOB_SLOTS,
  jobField,
  MAX_SHARED_BYTES,
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
import { isFailedMemoryGrow, type PreparedPlugin } from "./prepare.ts";
import type { HostCallContext, WorkerScript } from "./trait.ts";
import workerBundle from "../dist/worker_bundle.js" with { type: "text" };
import { errorMessage } from "../error_message.ts";

/** What a context tells its pool. */
export interface ContextEvents {
  /** The context finished a job and can take another. */
  idle(): void;
  /** The context's worker is gone; `leftovers` hold the calls of its jobs that never started, oldest first. */
  lost(context: ExecutionContext, leftovers: readonly Job[]): void;
}

/** Settings shared by every context of a pool. */
export interface ContextSettings {
  readonly plugin: PreparedPlugin;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Limit of the plugin's memory in bytes, when one is set. */
  readonly memoryLimitBytes?: number;
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

/** Time a worker may take to boot (load its script, instantiate) on top of the start code's own limit. */
const WORKER_BOOT_MS = 5_000;

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
  /** Per job slot: the job's results. */
  readonly #outputs = [
    growableShared(64 * 1024, MAX_SHARED_BYTES),
    growableShared(64 * 1024, MAX_SHARED_BYTES),
  ] as const;
  /** Per job slot: the job's encoded arguments. */
  readonly #inputs = [
    growableShared(64 * 1024, MAX_SHARED_BYTES),
    growableShared(64 * 1024, MAX_SHARED_BYTES),
  ] as const;
  readonly #channel = growableShared(64 * 1024, MAX_SHARED_BYTES);
  /** Index of each export as the worker knows it (see `JOB_EXPORT`). */
  readonly #exportIndex: ReadonlyMap<string, number>;
  /** Errors thrown by main-thread host functions during the current job, by the id sent to the worker. */
  readonly #hostErrors = new Map<number, unknown>();
  #nextErrorId = 0;
  /** The current instance's interrupt flag (see `wasm_interrupt.ts`), once the worker sent it. */
  #interrupt: Int32Array | undefined;
  /** Jobs handed to the worker whose results were not collected yet, oldest first, with their numbers. */
  readonly #jobs: { readonly job: Job; readonly number: number }[] = [];
  /** Jobs handed over so far: the number of the next one. */
  #posted = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #alive = true;
  #started = false;
  #onReady!: () => void;
  #onStartFailed!: (error: Error) => void;
  /** Limits the first instance's start code to the call timeout. */
  #startTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(id: number, settings: ContextSettings, events: ContextEvents) {
    this.id = id;
    this.#settings = settings;
    this.#events = events;
    this.#exportIndex = new Map(Object.keys(settings.plugin.exports).map((name, index) => [name, index]));
    Atomics.store(this.#slots, SLOT_IN_FLIGHT, -1);
    Atomics.store(this.#slots, SLOT_RUNNING, -1);
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
      inputs: this.#inputs,
    };
    this.#worker.postMessage(init);
    // A module the pool could not rewrite has no interrupt flag, so no flag message starts the start timer:
    // its start (worker boot included) gets the call timeout plus time to boot. Its thread cannot be stopped.
    if (!plugin.interruptible) {
      this.#startTimer = setTimeout(() => this.#startTimedOut(), settings.timeoutMs + WORKER_BOOT_MS);
    }
  }

  /** Jobs the context holds (0 to {@linkcode JOB_SLOTS}); it can take another while below that. */
  get outstanding(): number {
    return this.#jobs.length;
  }

  /**
   * Hands the worker a job; the context must be ready and hold fewer than {@linkcode JOB_SLOTS} jobs. The worker
   * starts it as soon as it finishes the one before. A job whose arguments exceed the shared buffers' maximum size
   * fails at once, call by call.
   */
  run(job: Job): void {
    if (!this.#alive || this.#jobs.length >= JOB_SLOTS) {
      throw new Error(`instance ${this.id} cannot take a job now`);
    }
    const number = this.#posted;
    const slot = number % JOB_SLOTS;
    // The slot is free (its previous job was collected before this one could be handed over), so the
    // arguments are encoded straight into its shared input.
    let inputBytes: number;
    try {
      const least = minimumEncodedSize(job);
      if (least > MAX_SHARED_BYTES) {
        throw new RangeError(
          `encoded values need at least ${least} bytes, more than the ${MAX_SHARED_BYTES} allowed`,
        );
      }
      inputBytes = encodeJob(job, this.#inputs[slot]);
    } catch (error) {
      // Arguments beyond the shared buffers' maximum size: the job's calls fail, the worker never sees it.
      const failure = new MarshallingError(
        job.batch.exportName,
        `the arguments of ${job.count} calls do not fit a worker's input (${
          errorMessage(error)
        }): use smaller batches`,
      );
      failJob(job, failure);
      return;
    }
    this.#posted++;
    this.#jobs.push({ job, number });
    Atomics.store(this.#slots, jobField(slot, JOB_COMPLETED), 0);
    Atomics.store(this.#slots, jobField(slot, JOB_OUTPUT_BYTES), 0);
    Atomics.store(this.#slots, jobField(slot, JOB_EXPORT), this.#exportIndex.get(job.batch.exportName)!);
    Atomics.store(this.#slots, jobField(slot, JOB_COUNT), job.count);
    Atomics.store(this.#slots, jobField(slot, JOB_INPUT_BYTES), inputBytes);
    Atomics.add(this.#slots, SLOT_JOBS_POSTED, 1);
    Atomics.notify(this.#slots, SLOT_JOBS_POSTED);
    // A timer left from an earlier job is kept: when it fires it measures the running call and re-arms.
    if (this.#timer === undefined) this.#arm(this.#settings.timeoutMs);
  }

  /** The job the worker runs (or ran last), while the context still holds it. */
  #runningJob(): Job | undefined {
    const running = Atomics.load(this.#slots, SLOT_RUNNING);
    return this.#jobs.find((entry) => entry.number === running)?.job;
  }

  /**
   * Collects every finished result of the jobs the context holds and gives them up: returns the call that
   * was running (if any) and the calls that never started, oldest first. The worker must be stopped.
   */
  #salvage(): { running?: { batch: Batch; index: number }; rest: Job[] } {
    const running = Atomics.load(this.#slots, SLOT_RUNNING);
    const inFlight = Atomics.load(this.#slots, SLOT_IN_FLIGHT);
    const rest: Job[] = [];
    let runningCall: { batch: Batch; index: number } | undefined;
    for (const { job, number } of this.#jobs.splice(0)) {
      if (number > running) {
        rest.push(job);
        continue;
      }
      const slot = number % JOB_SLOTS;
      const completed = Atomics.load(this.#slots, jobField(slot, JOB_COMPLETED));
      this.#collect(job, completed, Atomics.load(this.#slots, jobField(slot, JOB_OUTPUT_BYTES)), slot);
      let next = completed;
      // The call after the finished ones had started (the worker marks it before calling).
      if (number === running && inFlight >= 0 && inFlight === completed && completed < job.count) {
        runningCall = { batch: job.batch, index: job.start + completed };
        next++;
      }
      // A spread keeps whatever else the pool attached to the job (its AbortSignal).
      if (next < job.count) rest.push({ ...job, start: job.start + next, count: job.count - next });
    }
    return { running: runningCall, rest };
  }

  /** Terminates the worker; the calls it holds that have no result yet fail with `reason`. */
  terminate(reason?: Error): void {
    if (!this.#alive) return;
    this.#stop();
    const { running, rest } = this.#salvage();
    if (reason === undefined) return;
    if (running !== undefined) running.batch.settle(running.index, { ok: false, error: reason });
    for (const job of rest) failJob(job, reason);
  }

  #stop(): void {
    this.#alive = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#startTimer);
    this.#worker.terminate();
    this.#release();
  }

  /**
   * Makes sure the terminated worker's thread ends: Deno does not stop a worker stuck in a loop or in
   * `Atomics.wait`. Setting the interrupt flag makes the plugin's next loop iteration trap; answering the
   * host channel wakes a worker waiting for a host function; raising `SLOT_JOBS_POSTED` wakes an idle one.
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
    // Raising the job count (after the terminated flag) also wakes a worker that is only about to wait.
    Atomics.add(this.#slots, SLOT_JOBS_POSTED, 1);
    Atomics.notify(this.#slots, SLOT_JOBS_POSTED);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#checkTimeout();
    }, Math.max(0, delayMs));
  }

  #checkTimeout(): void {
    if (this.#jobs.length === 0) return; // nothing held: the timer ends until the next job
    // No call runs (between jobs, or the finished jobs' messages are on their way): look again soon, so that a
    // call starting meanwhile is caught within a quarter of the timeout of its limit.
    if (Atomics.load(this.#slots, SLOT_IN_FLIGHT) < 0) return this.#arm(this.#settings.timeoutMs / 4);
    const remaining = this.#startedAt[0] + this.#settings.timeoutMs - now();
    if (remaining > 1) return this.#arm(remaining);
    const exportName = this.#runningJob()?.batch.exportName ?? "(unknown export)";
    this.#settings.logger.warn("instance {id}: {export} exceeded {timeout} ms; terminating it", {
      id: this.id,
      export: exportName,
      timeout: this.#settings.timeoutMs,
    });
    this.#lose(new TimeoutError(exportName, this.#settings.timeoutMs));
  }

  #startTimedOut(): void {
    this.#startTimer = undefined;
    // Finished already: its "ready" waits behind whatever kept this thread busy.
    if (!this.#alive || this.#started || Atomics.load(this.#slots, SLOT_STARTED) === 1) return;
    const began = this.#startedAt[0];
    const remaining = began + this.#settings.timeoutMs - now();
    if (began > 0 && remaining > 1) {
      this.#startTimer = setTimeout(() => this.#startTimedOut(), remaining);
      return;
    }
    this.#stop();
    this.#onStartFailed(new Error(`its start code ran longer than ${this.#settings.timeoutMs} ms`));
  }

  #crash(reason: string): void {
    if (!this.#alive) return;
    if (!this.#started) {
      this.#stop();
      this.#onStartFailed(new Error(reason));
      return;
    }
    this.#settings.logger.error("instance {id} crashed: {reason}", { id: this.id, reason });
    this.#lose(new WorkerCrashError(this.#runningJob()?.batch.exportName ?? "(idle)", reason));
  }

  /**
   * Ends the worker after a timeout or crash: finished calls keep their results, the call in flight fails
   * with `error`, and the calls that never started go back to the pool.
   */
  #lose(error: PluginCallError): void {
    this.#stop();
    const { running, rest } = this.#salvage();
    if (running !== undefined) running.batch.settle(running.index, { ok: false, error });
    this.#events.lost(this, rest);
  }

  /**
   * Reads the first `completed` results of the job from shared memory into its batch. The worker stores
   * the results' byte `length` before their count, so reading the count first and the length second covers
   * them all. They are copied out in one piece and each `bytes` result is a view of that copy: one
   * allocation per job instead of one per result.
   */
  #collect(job: Job, completed: number, length: number, slot: number): void {
    if (completed === 0) return;
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(this.#outputs[slot], 0, length));
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
        return new PluginAbortError(
          name,
          failure.message,
          failure.file,
          failure.line,
          failure.column,
          failure.wasmStack,
        );
      case "trap": {
        const limit = this.#settings.memoryLimitBytes;
        if (limit !== undefined && isFailedMemoryGrow(this.#settings.plugin.binary, failure)) {
          return new MemoryLimitError(name, limit);
        }
        return new PluginTrapError(name, failure.message, failure.wasmStack);
      }
      case "marshalling":
        return new MarshallingError(name, failure.message);
      case "adapter":
        return new AdapterError(name, failure.message);
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
        Atomics.store(this.#slots, SLOT_INTERRUPT_ACK, message.instance);
        Atomics.notify(this.#slots, SLOT_INTERRUPT_ACK);
        // The first instance's start code runs now: it gets the time a call gets.
        if (!this.#started) {
          this.#startTimer = setTimeout(() => this.#startTimedOut(), this.#settings.timeoutMs);
        }
        return;
      case "ready":
        this.#started = true;
        clearTimeout(this.#startTimer);
        this.#onReady();
        return;
      case "init-failed":
        this.#stop();
        this.#onStartFailed(new Error(message.message));
        return;
      case "instance-failed":
        this.#settings.logger.error("instance {id}: no new instance after a failed call: {reason}", {
          id: this.id,
          reason: message.message,
        });
        return this.#lose(
          new WorkerCrashError(this.#runningJob()?.batch.exportName ?? "(idle)", message.message),
        );
      case "host-call":
        return void this.#answerHostCall(message.functionIndex);
      case "notification":
        return this.#notify(message.functionIndex, message.args);
      case "batch-done": {
        const { job, number } = this.#jobs.shift()!;
        const slot = number % JOB_SLOTS;
        // The worker already runs the next job; this slot takes a new one once its results are out.
        this.#collect(job, job.count, Atomics.load(this.#slots, jobField(slot, JOB_OUTPUT_BYTES)), slot);
        this.#events.idle();
        return;
      }
    }
  }

  #callContext(): HostCallContext {
    return {
      instanceId: this.id,
      exportName: this.#runningJob()?.batch.exportName ?? "",
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
      writer.string(errorMessage(error));
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
