/**
 * The execution context pool: runs plugin exports on a fixed number of isolated instances (one Deno Worker
 * each, without permissions), queues calls while all are busy, enforces a per-call timeout by terminating
 * the worker, and keeps a warm spare instance so that a replaced worker costs no start-up time.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { ExportDeclarations, JsParams, JsValueOf, Signature } from "../interop/types.ts";
import { Batch, type CallResult, checkArguments, failJob, type Job } from "./batch.ts";
import { createWorkerUrl, ExecutionContext, PLAIN_WORKER } from "./context.ts";
import { PluginLoadError, PoolClosedError } from "./errors.ts";
import {
  type ExecutionContextPoolOptions,
  loadPluginBytes,
  type ResolvedOptions,
  resolveOptions,
} from "./options.ts";
import { preparePlugin } from "./prepare.ts";
import { JOB_SLOTS } from "./protocol.ts";
import type { ExportsOf, Trait } from "./trait.ts";
import { errorMessage } from "../error_message.ts";

export type { CallResult } from "./batch.ts";

/** Options of a single call or batch. */
export interface CallOptions {
  /**
   * Aborts the wait for a free instance; a call already running is not interrupted (it has the timeout). Calls
   * with a signal wait for an instance holding no job (others are handed to a busy one as its next job).
   */
  readonly signal?: AbortSignal;
}

/** The JavaScript arguments of export `N`. */
export type ExportArgs<E extends ExportDeclarations, N extends keyof E> = JsParams<E[N]["params"]>;
/** The JavaScript result of export `N`. */
export type ExportResult<E extends ExportDeclarations, N extends keyof E> = JsValueOf<E[N]["result"]>;

/** Longest wait before a new spare is started while the pool stays busy. */
const SPARE_START_DELAY_MS = 100;

interface QueuedJob extends Job {
  readonly signal?: AbortSignal;
}

/**
 * A pool of plugin instances, typed by the exports its traits require.
 *
 * @example Run `handleEvent` on two instances
 * ```ts
 * import { ExecutionContextPool } from "./pool.ts";
 * import { AssemblyScriptEnv, HandleEvent } from "../../traits/mod.ts";
 *
 * const pool = await ExecutionContextPool.create({
 *   plugin: "build/plugin.wasm",
 *   traits: [new AssemblyScriptEnv(), new HandleEvent()] as const,
 *   concurrency: 2,
 *   timeout: 500,
 * });
 * const response: Uint8Array = await pool.execute("handleEvent", new Uint8Array([0x0a, 0x00]));
 * const results = await pool.batch("handleEvent", [[new Uint8Array()], [new Uint8Array()]]);
 * await pool.close();
 * ```
 */
export class ExecutionContextPool<E extends ExportDeclarations> {
  readonly #options: ResolvedOptions;
  readonly #settings: ConstructorParameters<typeof ExecutionContext>[1];
  readonly #exports: ExportDeclarations;
  readonly #active = new Set<ExecutionContext>();
  #spare: ExecutionContext | undefined;
  /** Replacements still starting; terminated on close. */
  readonly #starting = new Set<ExecutionContext>();
  /** Workers to start, and the timer that will start them. */
  #pendingStarts = 0;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #queue: QueuedJob[] = [];
  #nextId = 1;
  #closed = false;

  private constructor(
    options: ResolvedOptions,
    settings: ConstructorParameters<typeof ExecutionContext>[1],
  ) {
    this.#options = options;
    this.#settings = settings;
    this.#exports = settings.plugin.exports;
  }

  /**
   * Loads and checks the plugin, compiles it once, and starts `concurrency` instances plus one spare (so that
   * even the first timeout finds a warm replacement).
   * Rejects with `PoolOptionsError` or `PluginLoadError` (leaving no worker running) when it cannot.
   */
  static async create<const T extends readonly Trait[]>(
    options: ExecutionContextPoolOptions<T>,
  ): Promise<ExecutionContextPool<ExportsOf<T>>> {
    const resolved = resolveOptions(options);
    const bytes = await loadPluginBytes(options.plugin);
    const plugin = await preparePlugin(bytes, options.traits, resolved.memoryLimitPages);
    const pool = new ExecutionContextPool<ExportsOf<T>>(resolved, {
      plugin,
      timeoutMs: resolved.timeoutMs,
      logger: resolved.logger,
      workerUrl: createWorkerUrl(plugin.workerScript ?? PLAIN_WORKER),
      memoryLimitBytes: resolved.memoryLimitPages === undefined
        ? undefined
        : resolved.memoryLimitPages * 65536,
    });
    try {
      await pool.#start();
    } catch (error) {
      URL.revokeObjectURL(pool.#settings.workerUrl);
      throw error;
    }
    return pool;
  }

  async #start(): Promise<void> {
    const contexts = Array.from({ length: this.#options.concurrency + 1 }, () => this.#newContext());
    try {
      await Promise.all(contexts.map((context) => context.ready));
    } catch (error) {
      for (const context of contexts) context.terminate();
      throw new PluginLoadError(
        `the plugin instance failed to start: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    this.#spare = contexts.pop();
    for (const context of contexts) this.#active.add(context);
    this.#options.logger.debug("started {count} instances and a spare", { count: contexts.length });
  }

  #newContext(): ExecutionContext {
    return new ExecutionContext(this.#nextId++, this.#settings, {
      idle: () => {
        this.#pump();
        if (this.#pendingStarts > 0 && this.#quiet()) this.#scheduleStarts(0);
      },
      lost: (context, leftovers) => this.#replace(context, leftovers),
    });
  }

  /** Puts the spare in the lost context's place and starts a new spare. */
  #replace(lost: ExecutionContext, leftovers: readonly Job[]): void {
    this.#active.delete(lost);
    // The spare itself may be the one lost (its worker crashed while idle).
    if (this.#spare === lost) this.#spare = undefined;
    // Calls whose signal aborted while they sat in the lost worker are withdrawn, not run elsewhere.
    const requeued: QueuedJob[] = [];
    for (const job of leftovers as readonly QueuedJob[]) {
      if (job.signal?.aborted === true) failJob(job, job.signal.reason);
      else requeued.push(job);
    }
    this.#queue.unshift(...requeued);
    if (this.#closed) return;
    if (this.#spare !== undefined) {
      this.#active.add(this.#spare);
      this.#spare = undefined;
    }
    this.#pump();
    this.#pendingStarts++;
    // Without a spare the pool is short of an instance: start one at once. Otherwise wait until the pool is
    // quiet (or a little while), because `new Worker` blocks this thread for ~10 ms and would delay results.
    this.#scheduleStarts(this.#active.size < this.#options.concurrency ? 0 : SPARE_START_DELAY_MS);
  }

  #scheduleStarts(delayMs: number): void {
    if (this.#startTimer !== undefined && delayMs > 0) return;
    clearTimeout(this.#startTimer);
    this.#startTimer = setTimeout(() => {
      this.#startTimer = undefined;
      for (; this.#pendingStarts > 0; this.#pendingStarts--) this.#startSpare();
    }, delayMs);
  }

  #startSpare(): void {
    const context = this.#newContext();
    this.#starting.add(context);
    context.ready.then(
      () => {
        this.#starting.delete(context);
        if (this.#active.size < this.#options.concurrency) {
          this.#active.add(context);
          this.#pendingStarts++;
          this.#scheduleStarts(SPARE_START_DELAY_MS);
          this.#pump();
        } else if (this.#spare === undefined) {
          this.#spare = context;
        } else {
          context.terminate();
        }
      },
      (error) => {
        this.#starting.delete(context);
        this.#options.logger.error("a replacement instance failed to start: {error}", { error });
        if (this.#active.size === 0 && this.#starting.size === 0) this.#failQueue(error);
      },
    );
  }

  #failQueue(error: Error): void {
    for (const job of this.#queue.splice(0)) {
      failJob(job, error);
    }
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      // A job that may still be withdrawn (it has an AbortSignal) only goes to an instance holding none, so that
      // it waits here, not behind another job inside a worker, where it could no longer be taken back.
      const context = this.#leastLoaded(this.#queue[0].signal === undefined ? JOB_SLOTS : 1);
      if (context === undefined) return;
      context.run(this.#queue.shift()!);
    }
  }

  /**
   * The instance holding the fewest jobs, if one holds fewer than `limit`: a batch split in as many jobs as
   * instances goes to all of them, and each gets its next job before it finishes the current one.
   */
  #leastLoaded(limit: number): ExecutionContext | undefined {
    let best: ExecutionContext | undefined;
    for (const context of this.#active) {
      if (context.outstanding < limit && (best === undefined || context.outstanding < best.outstanding)) {
        best = context;
      }
    }
    return best;
  }

  /** Whether no instance holds a job. */
  #quiet(): boolean {
    for (const context of this.#active) if (context.outstanding > 0) return false;
    return true;
  }

  #signature(name: string): Signature {
    const signature = Object.hasOwn(this.#exports, name) ? this.#exports[name] : undefined;
    if (signature === undefined) {
      throw new TypeError(
        `${name} is not an export required by the pool's traits (known: ${
          Object.keys(this.#exports).join(", ")
        })`,
      );
    }
    return signature;
  }

  #enqueue(batch: Batch, signal: AbortSignal | undefined): void {
    const count = batch.args.length;
    if (count === 0) return;
    // Split a large batch evenly over the instances so that they work on it in parallel.
    const parts = Math.min(this.#options.concurrency, count);
    const jobs: QueuedJob[] = [];
    for (let part = 0, start = 0; part < parts; part++) {
      const size = Math.floor(count / parts) + (part < count % parts ? 1 : 0);
      jobs.push({ batch, start, count: size, signal });
      start += size;
    }
    this.#queue.push(...jobs);
    if (signal !== undefined) {
      const onAbort = () => {
        // By batch, not by job: calls requeued after their instance was lost are new jobs of the same batch.
        for (let at = this.#queue.length - 1; at >= 0; at--) {
          const job = this.#queue[at];
          if (job.batch !== batch) continue;
          this.#queue.splice(at, 1);
          failJob(job, signal.reason);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      batch.promise.then(() => signal.removeEventListener("abort", onAbort));
    }
    this.#pump();
  }

  /**
   * Runs `name` once per argument list, split in as many jobs as there are instances, and returns each call's
   * result or error in order. A call that fails (or hangs past the timeout) fails alone; the others complete.
   *
   * A `bytes` result is a view of one buffer holding all the results of its job (its `byteOffset` may not be
   * 0 and its `buffer` is larger than the result): read it through the view, or `slice()` it to keep it apart.
   * Arguments are read when their call is handed to a worker, which may be later: do not change a `Uint8Array`
   * argument before its call has settled.
   */
  batch<N extends keyof E & string>(
    name: N,
    calls: readonly ExportArgs<E, N>[],
    options: CallOptions = {},
  ): Promise<CallResult<ExportResult<E, N>>[]> {
    try {
      if (this.#closed) throw new PoolClosedError();
      options.signal?.throwIfAborted();
      const signature = this.#signature(name);
      for (const args of calls) checkArguments(name, signature, args as readonly unknown[]);
      const batch = new Batch(name, signature, calls as readonly (readonly unknown[])[]);
      this.#enqueue(batch, options.signal);
      return batch.promise as Promise<CallResult<ExportResult<E, N>>[]>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `name(...args)` with options; rejects with the call's error. */
  async call<N extends keyof E & string>(
    name: N,
    args: ExportArgs<E, N>,
    options: CallOptions = {},
  ): Promise<ExportResult<E, N>> {
    const [result] = await this.batch(name, [args], options);
    if (!result.ok) throw result.error;
    return result.value;
  }

  /**
   * Runs `name(...args)` on a free instance and resolves to its result, typed from the traits' declarations.
   *
   * @example
   * ```ts ignore
   * const out: Uint8Array = await pool.execute("handleEvent", request);
   * ```
   */
  execute<N extends keyof E & string>(name: N, ...args: ExportArgs<E, N>): Promise<ExportResult<E, N>> {
    return this.call(name, args);
  }

  /** Number of instances serving calls (the spare not included). */
  get size(): number {
    return this.#active.size;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The pool's logger. */
  get logger(): Logger {
    return this.#options.logger;
  }

  /**
   * Terminates every instance. Queued and running calls reject with `PoolClosedError`, as do later calls.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const error = new PoolClosedError();
    this.#failQueue(error);
    for (const context of this.#active) context.terminate(error);
    this.#active.clear();
    this.#spare?.terminate();
    this.#spare = undefined;
    clearTimeout(this.#startTimer);
    this.#pendingStarts = 0;
    for (const context of this.#starting) context.terminate();
    this.#starting.clear();
    URL.revokeObjectURL(this.#settings.workerUrl);
    return Promise.resolve();
  }
}
