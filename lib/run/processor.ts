/**
 * The plugin processor: joins the Teleport JSON converter and the plugin pool into a pipeline
 * {@linkcode Processor}. A batch of JSON lines becomes `plugin.HandleEventRequest`s, one pool batch call of
 * `handleEvent` runs them on every instance at once, and each response decides its event's fate:
 *
 * | plugin response | outcome |
 * |---|---|
 * | `Success`, `Event` byte-identical to the request's | forward the original line (no rendering) |
 * | `Success`, a changed `Event` | forward the re-rendered line (`modified`), or the original line when the change renders to the same JSON |
 * | `Success`, no `Event` | drop |
 * | `Success = false` | error with the plugin's `Error` message |
 * | abort, trap, timeout, host-function failure, undecodable response | error with its message |
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { CallResult } from "../pool/batch.ts";
import type { InputRecord, ProcessedRecord, Processor } from "../pipeline/types.ts";
import { type ParsedEvent, TeleportJsonCodec } from "../teleport_json/codec.ts";
import type { JsonObject } from "../teleport_json/json.ts";
import { readPluginResponse } from "./response.ts";

/**
 * What the processor needs of the plugin pool: an `ExecutionContextPool` whose traits include `HandleEvent`
 * (the plugin exports `handleEvent(request: ArrayBuffer): ArrayBuffer`) is one.
 */
export interface HandleEventBatcher {
  /** Runs `handleEvent` once per request; one result (the encoded response, or the error) per call, in order. */
  batch(name: "handleEvent", calls: readonly [Uint8Array][]): Promise<CallResult<Uint8Array>[]>;
}

/** What {@linkcode createPluginProcessor} needs. */
export interface PluginProcessorOptions {
  /** The plugin pool. */
  pool: HandleEventBatcher;
  /** Teleport JSON ⇄ `events.OneOf` converter (default: a new one over the bundled schema). */
  json?: TeleportJsonCodec;
  /**
   * Events converted and handed to the pool at a time (default 250): the pool starts on a slice while the next
   * one is converted, and splits each slice over its instances.
   */
  sliceSize?: number;
}

const FORWARD: ProcessedRecord = Object.freeze({ kind: "forward" });
const DROP: ProcessedRecord = Object.freeze({ kind: "drop" });

/**
 * Creates the processor that runs each event through the plugin's `handleEvent`.
 *
 * @example
 * ```ts ignore
 * import { ExecutionContextPool } from "../pool/pool.ts";
 * import { AssemblyScriptEnv, HandleEvent } from "../../traits/mod.ts";
 * import { createPluginProcessor } from "./processor.ts";
 *
 * const pool = await ExecutionContextPool.create({
 *   plugin: "build/production.wasm",
 *   traits: [new AssemblyScriptEnv(), new HandleEvent()] as const,
 *   concurrency: 2,
 * });
 * const process = createPluginProcessor({ pool });
 * const [outcome] = await process([{ line: '{"event":"user.login","user":"bob"}', event: {} }]);
 * await pool.close();
 * ```
 */
export function createPluginProcessor(options: PluginProcessorOptions): Processor {
  const json = options.json ?? new TeleportJsonCodec();
  const { pool } = options;

  const slice = options.sliceSize ?? DEFAULT_SLICE_SIZE;

  /** Converts `inputs[start, end)`, hands them to the pool, and fills in their outcomes once it answers. */
  const processSlice = async (
    inputs: readonly InputRecord[],
    start: number,
    end: number,
    outcomes: ProcessedRecord[],
  ): Promise<void> => {
    const parsed: ParsedEvent[] = [];
    const requests: [Uint8Array][] = [];
    const slots: number[] = [];
    for (let i = start; i < end; i++) {
      try {
        const event = toEvent(json, inputs[i]);
        parsed.push(event);
        requests.push([event.wrapped as Uint8Array]);
        slots.push(i);
      } catch (error) {
        outcomes[i] = { kind: "error", message: `converting the event failed: ${messageOf(error)}` };
      }
    }
    const results = requests.length === 0 ? [] : await pool.batch("handleEvent", requests);
    for (let k = 0; k < results.length; k++) {
      const result = results[k];
      outcomes[slots[k]] = result.ok
        ? outcomeOf(parsed[k], result.value, json)
        : { kind: "error", message: `plugin failed: ${messageOf(result.error)}` };
    }
  };

  return async (inputs: readonly InputRecord[]): Promise<ProcessedRecord[]> => {
    const outcomes: ProcessedRecord[] = new Array(inputs.length);
    const slices: Promise<void>[] = [];
    for (let start = 0; start < inputs.length; start += slice) {
      // Let the event loop run between slices, so that an instance that finished is given its next job at
      // once instead of waiting for the whole batch to be converted.
      if (start > 0) await nextTask();
      slices.push(processSlice(inputs, start, Math.min(start + slice, inputs.length), outcomes));
    }
    await Promise.all(slices);
    return outcomes;
  };
}

/** Events converted and dispatched together: small enough to keep instances fed, large enough to amortise a message. */
const DEFAULT_SLICE_SIZE = 250;

// setImmediate, not setTimeout(0): timers are clamped once nested, which left the main thread idle for ~2 ms a slice.
function nextTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Whether `line` has a run of 16 or more digits: only then can it hold an integer beyond 2^53, which
 * `JSON.parse` rounds. Any such run covers a position `i` with `i % 16 === 15`, so only those are checked (and
 * the run around a digit found there is measured): about one character in sixteen is read.
 */
function mayHoldLongInteger(line: string): boolean {
  for (let i = 15; i < line.length; i += 16) {
    if (!isDigit(line.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isDigit(line.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < line.length && isDigit(line.charCodeAt(end))) end++;
    if (end - start >= 16) return true;
  }
  return false;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `plugin.HandleEventRequest.Event`: the converter writes each request around its event in one pass. */
const REQUEST_EVENT_FIELD = 1;

/**
 * The event of `input` with its `plugin.HandleEventRequest` (`wrapped`), reusing the pipeline's parse unless
 * that may have rounded an integer.
 */
function toEvent(json: TeleportJsonCodec, input: InputRecord): ParsedEvent {
  return mayHoldLongInteger(input.line)
    ? json.toEvent(input.line, REQUEST_EVENT_FIELD)
    : json.fromObject(input.event as JsonObject, input.line, REQUEST_EVENT_FIELD);
}

/** The fate of one event from the plugin's encoded `plugin.HandleEventResponse`. */
function outcomeOf(event: ParsedEvent, responseBytes: Uint8Array, json: TeleportJsonCodec): ProcessedRecord {
  try {
    const response = readPluginResponse(responseBytes);
    if (!response.success) {
      return {
        kind: "error",
        message: `plugin reported an error: ${response.error === "" ? "(no message)" : response.error}`,
      };
    }
    if (response.eventBytes === undefined) return DROP;
    // renderEvent returns the original line itself (same string) when the event did not change.
    const line = json.renderEvent(event, response.eventBytes);
    return line === event.line ? FORWARD : { kind: "modified", line };
  } catch (error) {
    return { kind: "error", message: `unusable plugin response: ${messageOf(error)}` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
