/**
 * The narrow interfaces the pipeline is assembled from: a {@linkcode Source} of JSON lines with positions, a
 * {@linkcode Processor} deciding each event's fate, and a {@linkcode Sink} that acknowledges deliveries.
 *
 * @module
 */

/** One line read from a source, with the position to resume from once it has been delivered. */
export interface SourceRecord<P> {
  /** The raw text of one event (normally a JSON object), without its line terminator. */
  readonly line: string;
  /** Where reading resumes after this record (e.g. file name and byte offset just past the line). */
  readonly position: P;
}

/**
 * Where events come from. `records()` yields chunks of records in order and only reads ahead while the
 * consumer pulls (backpressure). `ack(position)` tells the source that every record up to and including
 * `position` has been delivered, so it may persist the position or answer its client.
 */
export interface Source<P = unknown> {
  /** Human-readable description for logs, e.g. `file:/var/lib/teleport/log`. */
  readonly description: string;
  /** Chunks of records in source order; the iteration ends when the source is exhausted or `signal` aborts. */
  records(signal: AbortSignal): AsyncIterable<readonly SourceRecord<P>[]>;
  /** Every record up to and including `position` was delivered; resolves once that fact is durable. */
  ack(position: P): Promise<void>;
  /** Releases resources; records yielded but never acknowledged are reported as not delivered. */
  close(): Promise<void>;
}

/** Where events go. */
export interface Sink {
  /** Human-readable description for logs, e.g. `forward://127.0.0.1:24224`. */
  readonly description: string;
  /**
   * Delivers lines (JSON objects, no terminators). Resolves only once all of them are delivered and
   * acknowledged; rejects otherwise, with {@linkcode PartialWriteError} when only some of them failed.
   */
  write(lines: readonly string[]): Promise<void>;
  /** Releases resources (open files, sockets, HTTP clients). */
  close(): Promise<void>;
}

/** A sink write in which some lines were delivered and the `undelivered` ones were not. */
export class PartialWriteError extends Error {
  /** The lines to send again. */
  readonly undelivered: readonly string[];
  /** Creates the error; `undelivered` are the lines to send again. */
  constructor(message: string, undelivered: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.name = "PartialWriteError";
    this.undelivered = undelivered;
  }
}

/** An event handed to a {@linkcode Processor}: the original line and its parsed JSON object. */
export interface InputRecord {
  /** The line exactly as read. */
  readonly line: string;
  /** `JSON.parse(line)`, always a plain object; processors must not mutate it. */
  readonly event: Readonly<Record<string, unknown>>;
}

/** What a processor decided for one event. */
export type ProcessedRecord =
  /** Forward the original line unchanged. */
  | { readonly kind: "forward" }
  /** Forward `line` instead of the original. */
  | { readonly kind: "modified"; readonly line: string }
  /** Forward nothing. */
  | { readonly kind: "drop" }
  /** Processing failed; the pipeline's error policy decides what happens to the event. */
  | { readonly kind: "error"; readonly message: string }
  /** The line is not a JSON object (only a {@linkcode LineProcessor} finds this): dead-lettered as malformed. */
  | { readonly kind: "malformed"; readonly message: string };

/**
 * Decides the fate of a batch of events: resolves to one {@linkcode ProcessedRecord} per input, in order.
 * A rejection counts as an error for every event of the batch.
 *
 * @example
 * ```ts
 * import type { Processor } from "./types.ts";
 * const dropPrints: Processor = (events) =>
 *   Promise.resolve(events.map((e) => e.event.event === "print" ? { kind: "drop" } : { kind: "forward" }));
 * ```
 */
export type Processor = (events: readonly InputRecord[]) => Promise<ProcessedRecord[]>;

/**
 * A processor that takes the raw lines and checks them itself, typically off the main thread: the pipeline
 * then does not parse them. It answers `malformed` for a line that is not a JSON object.
 *
 * @example
 * ```ts
 * import type { LineProcessor } from "./types.ts";
 * const dropEmpty: LineProcessor = {
 *   kind: "lines",
 *   process: (lines) => Promise.resolve(lines.map((line) => line === "{}" ? { kind: "drop" } : { kind: "forward" })),
 * };
 * ```
 */
export interface LineProcessor {
  /** Tells it apart from a {@linkcode Processor} function. */
  readonly kind: "lines";
  /** Resolves to one {@linkcode ProcessedRecord} per line, in order; a rejection is an error for every line. */
  process(lines: readonly string[]): Promise<ProcessedRecord[]>;
}

/** What to do with an event whose processing failed. */
export type ProcessorErrorPolicy = "forward-original" | "drop" | "dead-letter";

/** The accepted values of {@linkcode ProcessorErrorPolicy}, for option parsing. */
export const PROCESSOR_ERROR_POLICIES: readonly ProcessorErrorPolicy[] = [
  "forward-original",
  "drop",
  "dead-letter",
];
