/**
 * Runs the event pipeline with a plugin: opens everything {@linkcode RunSettings} name (plugin pool with its
 * token store and Teleport API, source, sink, dead-letter file, metrics endpoint), runs until the source ends
 * or the signal aborts, and closes everything again, also when opening something fails half way.
 *
 * @module
 */
import { join } from "node:path";
import { openTeleportClient } from "../api/open.ts";
import type { TeleportClient } from "../api/types.ts";
import { errorMessage } from "../error_message.ts";
import { logger } from "../log.ts";
import { DeadLetterFile } from "../pipeline/dead_letter.ts";
import { createCounters, type PipelineCounters, serveMetrics } from "../pipeline/metrics.ts";
import { type PipelineSummary, runPipeline } from "../pipeline/pipeline.ts";
import { untilAborted } from "../pipeline/retry.ts";
import { openSink, openSource } from "../pipeline/spec.ts";
import type { LineProcessor } from "../pipeline/types.ts";
import { ExecutionContextPool } from "../pool/pool.ts";
import { openTokenStore } from "../store/open.ts";
import { runTraits } from "./plugin_traits.ts";
import { createPluginProcessor } from "./processor.ts";
import type { RunSettings } from "./settings.ts";

const log = logger("run");

/** Options of {@linkcode runEvents}. */
export interface RunEventsOptions {
  /**
   * Aborting it stops reading; events already read are delivered before the run ends (for at most
   * {@linkcode RunSettings.shutdownTimeoutMs}).
   */
  signal?: AbortSignal;
  /** Aborting it gives up delivering at once; what was not delivered is read again on restart. */
  force?: AbortSignal;
  /** Counters to update (fresh ones by default). */
  counters?: PipelineCounters;
  /** Called once the source, sink and plugin are ready (e.g. to tell a supervisor). */
  onReady?: (description: { source: string; sink: string }) => void;
}

/** How a run ended. */
export interface RunSummary extends PipelineSummary {
  /** Locks the plugin asked for that the Teleport API accepted. */
  locksRequested: number;
}

/**
 * Opens, runs and closes one pipeline as `settings` describe.
 *
 * @example
 * ```ts ignore
 * import { resolveRunSettings } from "./settings.ts";
 * import { runEvents } from "./run.ts";
 * const settings = resolveRunSettings({
 *   plugin: { value: "build/production.wasm", origin: "--plugin" },
 *   from: { value: "file:/var/lib/teleport/log", origin: "--from" },
 *   to: { value: "forward://127.0.0.1:24224", origin: "--to" },
 * });
 * const summary = await runEvents(settings, { signal: AbortSignal.timeout(60_000) });
 * ```
 */
export async function runEvents(settings: RunSettings, options: RunEventsOptions = {}): Promise<RunSummary> {
  const cleanup: (() => Promise<void>)[] = [];
  let locksRequested = 0;
  /**
   * Waits for something being opened, unless a stop comes first: nothing has been read yet, so stopping loses
   * nothing, and waiting could take long (plugin start code, a store that does not answer). What opens after
   * all is closed.
   */
  const opened = async <T>(opening: Promise<T>, close: (resource: T) => unknown): Promise<T> => {
    try {
      const resource = await untilAborted(opening, options.signal);
      cleanup.push(async () => void await close(resource));
      return resource;
    } catch (error) {
      if (options.signal?.aborted) {
        opening.then(close, () => {}).catch(() => {});
        throw new Error(`${errorMessage(options.signal.reason)} while starting; nothing was read`);
      }
      throw error;
    }
  };
  try {
    const lock = await lockStateDir(settings.stateDir, settings.stateDirOrigin);
    if (lock !== undefined) cleanup.push(() => Promise.resolve(lock.close()));
    if (settings.plugin !== undefined && settings.timeoutMs < SHORT_TIMEOUT_MS) {
      log.warn(
        "the plugin call timeout is {millis} ms, very short: most calls may time out (a bare number is " +
          "milliseconds: write 2s for two seconds)",
        { millis: settings.timeoutMs },
      );
    }
    let processor: LineProcessor | undefined;
    if (settings.plugin !== undefined) {
      const store = await opened(openTokenStore(settings.store), (store) => store.close());
      const api = await opened(
        openTeleportClient(settings.api, { identityFile: settings.identity }),
        (api) => api.close(),
      );
      const counting: TeleportClient = {
        upsertLock: async (lock) => {
          await api.upsertLock(lock);
          locksRequested++;
        },
        close: () => Promise.resolve(),
      };
      const pool = await opened(
        ExecutionContextPool.create({
          plugin: settings.plugin,
          traits: runTraits(store, counting),
          concurrency: settings.concurrency,
          timeout: settings.timeoutMs,
          memoryLimit: settings.memoryLimitBytes === undefined
            ? undefined
            : { bytes: settings.memoryLimitBytes },
        }),
        (pool) => pool.close(),
      );
      processor = createPluginProcessor({ pool });
    }
    const deadLetter = await opened(DeadLetterFile.open(settings.deadLetter), (file) => file.close());
    const source = await opened(
      openSource(settings.source, {
        stateDir: settings.stateDir,
        tls: settings.sourceTls,
        follow: settings.follow,
      }),
      (source) => source.close(),
    );
    const sink = await opened(openSink(settings.sink, { tls: settings.sinkTls }), (sink) => sink.close());
    const counters = options.counters ?? createCounters();
    if (settings.metrics !== undefined) {
      const metrics = serveMetrics(counters, settings.metrics);
      cleanup.push(() => metrics.shutdown());
      log.info("metrics on http://{hostname}:{port}/metrics", { ...settings.metrics, port: metrics.port });
    }
    log.info("running {plugin}: {source} -> {sink}", {
      plugin: settings.plugin ?? "no plugin",
      source: source.description,
      sink: sink.description,
    });
    options.onReady?.({ source: source.description, sink: sink.description });
    const summary = await runPipeline({
      source,
      sink,
      processor,
      onProcessorError: settings.onPluginError,
      deadLetter,
      maxBatch: settings.batchSize,
      // Enough batches in flight to keep every plugin instance busy while the sink writes.
      maxQueuedBatches: Math.max(4, settings.concurrency + 2),
      signal: options.signal,
      drainTimeoutMs: settings.shutdownTimeoutMs,
      forceSignal: options.force,
      statusIntervalMs: settings.statusIntervalMs,
      counters,
    });
    return { ...summary, locksRequested };
  } finally {
    for (const close of cleanup.reverse()) {
      await close().catch((error) => log.error("closing failed: {error}", { error }));
    }
  }
}

/** Plugin call timeouts below this are most likely a unit left out (`--timeout 5` is 5 ms). */
const SHORT_TIMEOUT_MS = 10;

/** The lock file inside the state directory that one run at a time holds. */
export const STATE_DIR_LOCK_FILE = "run.lock";

/** The state directory is held by another running `run`. */
export class StateDirInUseError extends Error {
  /** Creates the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "StateDirInUseError";
  }
}

/**
 * Creates the state directory and takes an exclusive lock on its lock file: two runs sharing positions would
 * each deliver every event. The operating system releases the lock when the process ends, however it ends, so
 * a killed run leaves no stale lock behind. Closing the file releases it. A state directory this process may
 * not write to gets no lock (a warning says so): such a run saves nothing there that another could spoil.
 */
async function lockStateDir(dir: string, origin: string): Promise<Deno.FsFile | undefined> {
  const path = join(dir, STATE_DIR_LOCK_FILE);
  let file: Deno.FsFile;
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    // mkdir of a path that is a file says "File exists".
    const reason = error instanceof Deno.errors.AlreadyExists ? "it is not a folder" : osReason(error);
    throw new Error(`${origin} ${dir}: cannot use it as the state directory: ${reason}`);
  }
  try {
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) {
      throw new Error(`${origin} ${dir}: cannot use it as the state directory: ${osReason(error)}`);
    }
    log.warn("{dir} is not writable ({reason}): running without the lock that keeps a second run out", {
      dir,
      reason: osReason(error),
    });
    return undefined;
  }
  try {
    if (!(await file.tryLock(true))) {
      const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
      throw new StateDirInUseError(
        `${origin} ${dir}: another run holds this state directory (${
          /^\d+$/.test(holder) ? `process ${holder}, ` : ""
        }lock ${path}); stop it first or give each run its own state directory`,
      );
    }
    // The holder's process id, so that the refused run can name it.
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}

/** An OS error's reason without the operation and path Deno appends (`: mkdir '/x'`). */
function osReason(error: unknown): string {
  return errorMessage(error).replace(/: \w+ '[^']*'$/, "");
}
