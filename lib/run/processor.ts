/**
 * The plugin processor of `run`: hands the pipeline's raw lines to the plugin pool's `handleEventLine` adapter
 * export (see `traits/event_lines.ts`), which converts, runs the plugin and decides each event's fate inside the
 * workers (`event_line_adapter.ts`). The main thread only moves lines: the pool splits each slice over its
 * instances, so conversion scales with them.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { CallResult } from "../pool/batch.ts";
import type { LineProcessor, ProcessedRecord } from "../pipeline/types.ts";
import { decodeOutcome } from "./outcome.ts";
import { errorMessage } from "../error_message.ts";

/**
 * What the processor needs of the plugin pool: an `ExecutionContextPool` whose traits include `EventLines`
 * is one.
 */
export interface EventLineBatcher {
  /** Runs `handleEventLine` once per line; one result (the encoded outcome, or the error) per call, in order. */
  batch(name: "handleEventLine", calls: readonly [string][]): Promise<CallResult<string>[]>;
}

/** What {@linkcode createPluginProcessor} needs. */
export interface PluginProcessorOptions {
  /** The plugin pool. */
  pool: EventLineBatcher;
  /**
   * Lines handed to the pool at a time (default 1,000): the pool starts on a slice while the next one is being
   * encoded, and splits each slice over its instances.
   */
  sliceSize?: number;
}

/**
 * Creates the processor that runs each event line through the plugin.
 *
 * @example
 * ```ts ignore
 * import { ExecutionContextPool } from "../pool/pool.ts";
 * import { AssemblyScriptEnv, EventLines } from "../../traits/mod.ts";
 * import { createPluginProcessor } from "./processor.ts";
 *
 * const pool = await ExecutionContextPool.create({
 *   plugin: "build/production.wasm",
 *   traits: [new AssemblyScriptEnv(), new EventLines()] as const,
 *   concurrency: 2,
 * });
 * const processor = createPluginProcessor({ pool });
 * const [outcome] = await processor.process(['{"event":"user.login","user":"bob"}']);
 * await pool.close();
 * ```
 */
export function createPluginProcessor(options: PluginProcessorOptions): LineProcessor {
  const { pool } = options;
  const slice = options.sliceSize ?? DEFAULT_SLICE_SIZE;

  const processSlice = async (
    lines: readonly string[],
    start: number,
    end: number,
    outcomes: ProcessedRecord[],
  ): Promise<void> => {
    const calls: [string][] = [];
    for (let i = start; i < end; i++) calls.push([lines[i]]);
    const results = await pool.batch("handleEventLine", calls);
    for (let k = 0; k < results.length; k++) {
      const result = results[k];
      outcomes[start + k] = result.ok
        ? decodeOutcome(result.value)
        : { kind: "error", message: `plugin failed: ${errorMessage(result.error)}` };
    }
  };

  return {
    kind: "lines",
    async process(lines) {
      const outcomes: ProcessedRecord[] = new Array(lines.length);
      const slices: Promise<void>[] = [];
      for (let start = 0; start < lines.length; start += slice) {
        // Let the event loop run between slices, so that an instance that finished is given its next job at
        // once instead of waiting for the whole batch to be encoded.
        if (start > 0) await nextTask();
        slices.push(processSlice(lines, start, Math.min(start + slice, lines.length), outcomes));
      }
      await Promise.all(slices);
      return outcomes;
    },
  };
}

/** Lines dispatched together: small enough to keep instances fed, large enough to amortise a job. */
const DEFAULT_SLICE_SIZE = 1000;

// setImmediate, not setTimeout(0): timers are clamped once nested, which left the main thread idle for ~2 ms a slice.
function nextTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
