/**
 * Collapses repeated log messages: a failure that hits every event (a plugin bug, a missing field) would
 * otherwise write one identical line per event. The first occurrence of a message is logged in full; the
 * repeats that follow are counted and reported as one summary line per interval.
 *
 * @module
 */

/** How {@linkcode RepeatCollapser} reports. */
export interface RepeatReporter<D> {
  /** Logs a message seen for the first time (or again after a quiet interval), with its details. */
  first(message: string, details: D): void;
  /**
   * Logs that `message` (the one logged in full) was seen `count` more times in the last `seconds`: the same
   * message, or messages reported under the same key.
   */
  repeated(message: string, count: number, seconds: number): void;
}

/**
 * Logs the first occurrence of each message and, every `intervalMs`, one summary of its repeats. A message
 * not repeated during an interval is forgotten, so it is logged in full again when it comes back.
 *
 * @example
 * ```ts
 * import { RepeatCollapser } from "./repeats.ts";
 * const lines: string[] = [];
 * const repeats = new RepeatCollapser<number>(10_000, {
 *   first: (message, position) => lines.push(`${message} at ${position}`),
 *   repeated: (message, count) => lines.push(`... and ${count} more like it: ${message}`),
 * });
 * for (let position = 0; position < 3; position++) repeats.report("scope is empty", position);
 * repeats.close();
 * lines; // ["scope is empty at 0", "... and 2 more like it: scope is empty"]
 * ```
 */
export class RepeatCollapser<D> {
  readonly #intervalMs: number;
  readonly #reporter: RepeatReporter<D>;
  /** By key: the message logged in full, and its repeats since the last summary. */
  readonly #repeats = new Map<string, { message: string; count: number }>();
  #windowStart = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** Creates a collapser that summarises every `intervalMs` milliseconds. */
  constructor(intervalMs: number, reporter: RepeatReporter<D>) {
    this.#intervalMs = intervalMs;
    this.#reporter = reporter;
  }

  /**
   * Reports one occurrence of `message`. Messages that differ in detail but are one kind of failure (e.g. a
   * JSON parser's message quoting the line) collapse when given the same `key`. Reports after
   * {@linkcode close} are dropped: whoever reported is done, and its counters are the record.
   */
  report(message: string, details: D, key: string = message): void {
    if (this.#closed) return;
    const repeats = this.#repeats.get(key);
    if (repeats !== undefined) {
      repeats.count++;
      return;
    }
    this.#repeats.set(key, { message, count: 0 });
    this.#reporter.first(message, details);
    // The timer runs only while there are messages to watch, so an idle pipeline keeps no timer.
    if (this.#timer === undefined) {
      this.#windowStart = performance.now();
      this.#timer = setTimeout(() => this.#summarise(), this.#intervalMs);
    }
  }

  /** Logs the summaries still pending and stops the timer; later reports are dropped. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
    this.#repeats.clear();
  }

  #summarise(): void {
    this.#timer = undefined;
    const quiet = this.#flush();
    for (const key of quiet) this.#repeats.delete(key);
    if (this.#repeats.size > 0) {
      this.#windowStart = performance.now();
      this.#timer = setTimeout(() => this.#summarise(), this.#intervalMs);
    }
  }

  /** Logs one summary per repeated key and resets the counts; returns the keys without repeats. */
  #flush(): string[] {
    const seconds = Math.max(1, Math.round((performance.now() - this.#windowStart) / 1000));
    const quiet: string[] = [];
    for (const [key, repeats] of this.#repeats) {
      if (repeats.count === 0) {
        quiet.push(key);
        continue;
      }
      this.#reporter.repeated(repeats.message, repeats.count, seconds);
      repeats.count = 0;
    }
    return quiet;
  }
}
