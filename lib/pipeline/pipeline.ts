/**
 * The pipeline core: source -> batches -> processor -> sink, with at-least-once delivery.
 *
 * Three loops connected by a bounded queue: the reader takes chunks from the source and validates each line
 * (a JSON object, or it is dead-lettered as malformed; a {@linkcode LineProcessor} checks the lines itself,
 * off the main thread); each batch's processing starts at once and its promise
 * joins the queue, so several batches can be processed concurrently while their order is kept; the writer
 * takes batches in order, writes dead letters, writes the outgoing lines to the sink (retrying forever with
 * backoff) and only then acknowledges the batch's last position to the source. A full queue stops the reader,
 * which stops reading the source: that is the backpressure.
 *
 * @module
 */
import { logger } from "../log.ts";
import { parseJsonObjectLine } from "../teleport_json/json.ts";
import type { DeadLetterEntry, DeadLetterFile } from "./dead_letter.ts";
import { createCounters, formatStatus, type PipelineCounters } from "./metrics.ts";
import { BoundedQueue } from "./queue.ts";
import { RepeatCollapser } from "./repeats.ts";
import { retryForever, type RetryOptions, untilAborted } from "./retry.ts";
import type {
  InputRecord,
  LineProcessor,
  ProcessedRecord,
  Processor,
  ProcessorErrorPolicy,
  Sink,
  Source,
  SourceRecord,
} from "./types.ts";
import { PartialWriteError } from "./types.ts";
import { errorMessage } from "../error_message.ts";

const log = logger("pipeline");

/** Options of {@linkcode runPipeline}. */
export interface PipelineOptions<P> {
  /** Where events come from. */
  source: Source<P>;
  /** Where events go. */
  sink: Sink;
  /** Decides each event's fate; without one every event is forwarded unchanged. */
  processor?: Processor | LineProcessor;
  /** What to do with an event whose processing failed. Default `forward-original`. */
  onProcessorError?: ProcessorErrorPolicy;
  /** Where malformed lines (and errored events under the `dead-letter` policy) are kept. */
  deadLetter?: DeadLetterFile;
  /** Largest batch handed to the processor and the sink. Default 1,000. */
  maxBatch?: number;
  /** Batches read ahead of the sink (being processed or waiting). Default 4. */
  maxQueuedBatches?: number;
  /** Backoff of sink retries. */
  retry?: RetryOptions;
  /** Aborting it stops reading; events already read are still delivered (see `drainTimeoutMs`). */
  signal?: AbortSignal;
  /** After a stop, how long to keep trying to deliver events already read, in milliseconds. Default 30,000. */
  drainTimeoutMs?: number;
  /**
   * Aborting it gives up delivering at once, as a timed-out drain does: events not delivered are not
   * acknowledged, so they are read again on restart.
   */
  forceSignal?: AbortSignal;
  /** Interval of the status line on the log, in milliseconds; 0 turns it off. Default 10,000. */
  statusIntervalMs?: number;
  /** Counters to update (e.g. shared with a metrics server); fresh ones by default. */
  counters?: PipelineCounters;
  /**
   * Interval of the summaries of repeated per-event failures, in milliseconds: a failure is logged the first
   * time, then its repeats are counted and logged as one line per interval. Default 10,000.
   */
  repeatSummaryIntervalMs?: number;
}

/** How a pipeline run ended. */
export interface PipelineSummary {
  /** Final counters. */
  counters: PipelineCounters;
  /** Wall-clock duration in milliseconds. */
  durationMs: number;
  /** `true` if events read were left undelivered because the drain timed out (they will be read again). */
  abandoned: boolean;
}

/** One batch on its way to the sink. */
interface OutgoingBatch<P> {
  lines: string[];
  deadLetters: DeadLetterEntry[];
  lastPosition: P;
  size: number;
}

/**
 * Runs the pipeline until the source ends or `signal` aborts and everything read was delivered (or the drain
 * timed out). Sink failures are retried forever and never end the run; a source failure ends it (after
 * draining) by rejecting. The source and sink are not closed: the caller owns them.
 *
 * @example
 * ```ts
 * import { runPipeline } from "./pipeline.ts";
 * import { StreamSource } from "./source_stdin.ts";
 * import { StdoutSink } from "./sink_file.ts";
 * const source = new StreamSource(new Blob(['{"event":"user.login"}\n']).stream(), "example");
 * const sink = new StdoutSink();
 * const summary = await runPipeline({ source, sink, statusIntervalMs: 0 });
 * console.error(summary.counters.eventsOut); // 1
 * await sink.close();
 * ```
 */
export async function runPipeline<P>(options: PipelineOptions<P>): Promise<PipelineSummary> {
  const policy = options.onProcessorError ?? "forward-original";
  if (policy === "dead-letter" && !options.deadLetter) {
    throw new Error("the dead-letter policy for processor errors needs a dead-letter file");
  }
  const counters = options.counters ?? createCounters();
  const started = performance.now();
  const stop = options.signal ?? new AbortController().signal;
  // Reading ends on a stop, or when the writer fails; delivery is abandoned when a drain times out.
  const reading = new AbortController();
  const abandon = new AbortController();
  // Wrapped, because a promise returned from an async function would be adopted by `pull()`.
  const queue = new BoundedQueue<{ batch: Promise<OutgoingBatch<P>> }>(options.maxQueuedBatches ?? 4);
  const maxBatch = options.maxBatch ?? 1_000;

  let abandonTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the pipeline has returned; batches still being processed then are discarded. */
  let finished = false;
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const onStop = () => {
    reading.abort(stop.reason);
    log.info("stopping: delivering events already read (for at most {seconds} s)", {
      seconds: drainTimeoutMs / 1000,
    });
    abandonTimer = setTimeout(() => abandon.abort(new Error("drain timed out")), drainTimeoutMs);
  };
  const force = options.forceSignal;
  const onForce = () => {
    reading.abort(force!.reason);
    abandon.abort(force!.reason);
  };
  if (stop.aborted) onStop();
  else stop.addEventListener("abort", onStop, { once: true });
  if (force?.aborted) onForce();
  else force?.addEventListener("abort", onForce, { once: true });
  const status = startStatusLine(counters, options.statusIntervalMs ?? 10_000);

  // One line per failing event would flood the log when a failure hits every event: repeats are summarised.
  const repeatIntervalMs = options.repeatSummaryIntervalMs ?? 10_000;
  const malformedLog = new RepeatCollapser<P>(repeatIntervalMs, {
    first: (error, position) => log.error("malformed input at {position}: {error}", { position, error }),
    repeated: (error, count, seconds) =>
      log.error("... and {count} more malformed lines in the last {seconds} s (the first: {error})", {
        count,
        seconds,
        error,
      }),
  });
  const failureLog = new RepeatCollapser<P>(repeatIntervalMs, {
    first: (error, position) =>
      log.warn("processing failed at {position} ({policy}): {error}", { position, policy, error }),
    repeated: (error, count, seconds) =>
      log.warn(
        "... and {count} more processing failures like it in the last {seconds} s ({policy}): {error}",
        {
          count,
          seconds,
          policy,
          error,
        },
      ),
  });
  const malformed = (record: SourceRecord<P>, error: string, deadLetters: DeadLetterEntry[]) => {
    counters.malformed++;
    // A parser's message quotes the line, so malformed lines rarely repeat word for word: one kind.
    malformedLog.report(error, record.position, "malformed");
    deadLetters.push(deadLetter("malformed", error, record));
  };

  const prepare = async (records: readonly SourceRecord<P>[]): Promise<OutgoingBatch<P>> => {
    let inputs: readonly { readonly line: string }[];
    const positions: P[] = [];
    const deadLetters: DeadLetterEntry[] = [];
    let results: ProcessedRecord[];
    const lineProcessor = isLineProcessor(options.processor) ? options.processor : undefined;
    if (lineProcessor !== undefined) {
      inputs = records;
      for (const record of records) positions.push(record.position);
      results = await processSafely(
        () => lineProcessor.process(records.map((record) => record.line)),
        inputs,
      );
    } else {
      const parsed: InputRecord[] = [];
      for (const record of records) {
        const event = parseEventLine(record.line);
        if (typeof event === "string") {
          malformed(record, event, deadLetters);
          continue;
        }
        parsed.push({ line: record.line, event });
        positions.push(record.position);
      }
      inputs = parsed;
      const processor = options.processor as Processor | undefined;
      results = parsed.length === 0 || processor === undefined
        ? parsed.map(() => FORWARD)
        : await processSafely(() => processor(parsed), parsed);
    }
    // A batch still processing when a stop gave up on delivery is discarded unread (it is read again on
    // restart): nothing of it is counted or logged after the pipeline's summary.
    if (finished) {
      return { lines: [], deadLetters: [], lastPosition: records[records.length - 1].position, size: 0 };
    }
    const lines: string[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const result = results[i];
      switch (result.kind) {
        case "forward":
          lines.push(inputs[i].line);
          break;
        case "modified":
          counters.modified++;
          lines.push(result.line);
          break;
        case "drop":
          counters.dropped++;
          break;
        case "malformed":
          malformed({ line: inputs[i].line, position: positions[i] }, result.message, deadLetters);
          break;
        case "error": {
          // A line processor's lines were never checked here: one that failed before its processor could
          // (e.g. the pool was closed) is checked now, so that no sink is handed a line that is not an object.
          const unchecked = lineProcessor !== undefined ? parseEventLine(inputs[i].line) : undefined;
          if (typeof unchecked === "string") {
            malformed({ line: inputs[i].line, position: positions[i] }, unchecked, deadLetters);
            break;
          }
          counters.processorErrors++;
          failureLog.report(result.message, positions[i]);
          if (policy === "forward-original") {
            lines.push(inputs[i].line);
          } else if (policy === "drop") {
            counters.dropped++;
          } else {
            deadLetters.push(
              deadLetter("processor-error", result.message, { line: inputs[i].line, position: positions[i] }),
            );
          }
        }
      }
    }
    return { lines, deadLetters, lastPosition: records[records.length - 1].position, size: records.length };
  };

  let readError: unknown;
  const reader = (async () => {
    try {
      for await (const chunk of options.source.records(reading.signal)) {
        for (let i = 0; i < chunk.length; i += maxBatch) {
          const records = chunk.length <= maxBatch ? chunk : chunk.slice(i, i + maxBatch);
          counters.eventsIn += records.length;
          counters.queueDepth += records.length;
          const batch = prepare(records);
          // Rejections are observed by the writer; this keeps an early one from counting as unhandled.
          batch.catch(() => {});
          await queue.push({ batch });
        }
      }
    } catch (error) {
      // When the writer gave up, the queue is closed under the reader's feet: that is not a read failure.
      if (reading.signal.aborted) return;
      readError = error;
      log.error("reading {source} failed: {error}", { source: options.source.description, error });
    } finally {
      queue.close();
    }
  })();

  let lastAck: Promise<void> = Promise.resolve();
  let abandoned = false;
  try {
    for (let next = await queue.pull(); next !== undefined; next = await queue.pull()) {
      // A processor that never answers must not block a shutdown either.
      const batch = await untilAborted(next.batch, abandon.signal);
      await deliver(batch, options, counters, abandon.signal);
      counters.eventsOut += batch.lines.length;
      counters.queueDepth -= batch.size;
      lastAck = options.source.ack(batch.lastPosition).catch((error) => {
        log.error("saving the position failed (events may be sent again after a restart): {error}", {
          error,
        });
      });
    }
  } catch (error) {
    // Unblock the reader (it may be waiting for queue space or for new data) and let it end.
    reading.abort(error);
    queue.close();
    while (await queue.pull()) { /* discard: not acknowledged, so not lost */ }
    if (!abandon.signal.aborted) throw error;
    abandoned = true;
    log.warn("gave up delivering {count} events at shutdown; they will be read again on restart", {
      count: counters.queueDepth,
    });
  } finally {
    await reader;
    await lastAck;
    finished = true;
    clearTimeout(abandonTimer);
    stop.removeEventListener("abort", onStop);
    force?.removeEventListener("abort", onForce);
    status.stop();
    malformedLog.close();
    failureLog.close();
  }
  const durationMs = performance.now() - started;
  log.info("finished in {seconds} s: {status}", {
    seconds: (durationMs / 1000).toFixed(1),
    status: formatStatus(counters, counters.eventsIn / Math.max(durationMs / 1000, 1e-3)),
  });
  if (readError !== undefined) throw readError;
  return { counters, durationMs, abandoned };
}

/** The parsed JSON object, or an error message when the line is not a JSON object. */
function parseEventLine(line: string): Record<string, unknown> | string {
  return parseJsonObjectLine(line, JSON.parse);
}

function isLineProcessor(processor: Processor | LineProcessor | undefined): processor is LineProcessor {
  return typeof processor === "object" && processor.kind === "lines";
}

/** The processor's results, or an error for every input when it fails or answers for a different count. */
async function processSafely(
  process: () => Promise<ProcessedRecord[]>,
  inputs: readonly unknown[],
): Promise<ProcessedRecord[]> {
  if (inputs.length === 0) return [];
  try {
    const results = await process();
    if (results.length !== inputs.length) {
      throw new Error(`processor returned ${results.length} results for ${inputs.length} events`);
    }
    return results;
  } catch (error) {
    const message = errorMessage(error);
    return inputs.map(() => ({ kind: "error", message }));
  }
}

const FORWARD: ProcessedRecord = { kind: "forward" };

function deadLetter<P>(
  reason: DeadLetterEntry["reason"],
  error: string,
  record: { line: string; position: P },
): DeadLetterEntry {
  return { time: new Date().toISOString(), reason, error, position: record.position, line: record.line };
}

/** Writes dead letters, then the lines, retrying both until they succeed or `signal` aborts. */
async function deliver<P>(
  batch: OutgoingBatch<P>,
  options: PipelineOptions<P>,
  counters: PipelineCounters,
  signal: AbortSignal,
): Promise<void> {
  const onRetry = (what: string) => (error: unknown, attempt: number, delayMs: number) => {
    counters.sinkRetries++;
    log.warn("{what} failed (attempt {attempt}), retrying in {delayMs} ms: {error}", {
      what,
      attempt,
      delayMs,
      error,
    });
  };
  if (batch.deadLetters.length > 0) {
    await retryForever(() => options.deadLetter!.write(batch.deadLetters), {
      ...options.retry,
      signal,
      onRetry: onRetry(`writing to ${options.deadLetter!.path}`),
    });
    counters.deadLettered += batch.deadLetters.length;
  }
  let remaining: readonly string[] = batch.lines;
  if (remaining.length === 0) return;
  await retryForever(async () => {
    try {
      await options.sink.write(remaining);
    } catch (error) {
      // Only resend what was not delivered: fewer duplicates downstream.
      if (error instanceof PartialWriteError) remaining = error.undelivered;
      throw error;
    }
  }, { ...options.retry, signal, onRetry: onRetry(`writing to ${options.sink.description}`) });
}

function startStatusLine(counters: PipelineCounters, intervalMs: number): { stop(): void } {
  if (intervalMs <= 0) return { stop: () => {} };
  let lastOut = counters.eventsOut;
  let lastTime = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const rate = (counters.eventsOut - lastOut) / ((now - lastTime) / 1000);
    lastOut = counters.eventsOut;
    lastTime = now;
    log.info("{status}", { status: formatStatus(counters, rate) });
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
