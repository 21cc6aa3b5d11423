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
  /** Logs that `message` was seen `count` more times in the last `seconds`. */
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
  /** Repeats since the last summary, by message. */
  readonly #repeats = new Map<string, number>();
  #windowStart = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Creates a collapser that summarises every `intervalMs` milliseconds. */
  constructor(intervalMs: number, reporter: RepeatReporter<D>) {
    this.#intervalMs = intervalMs;
    this.#reporter = reporter;
  }

  /** Reports one occurrence of `message`. */
  report(message: string, details: D): void {
    const repeats = this.#repeats.get(message);
    if (repeats !== undefined) {
      this.#repeats.set(message, repeats + 1);
      return;
    }
    this.#repeats.set(message, 0);
    this.#reporter.first(message, details);
    // The timer runs only while there are messages to watch, so an idle pipeline keeps no timer.
    if (this.#timer === undefined) {
      this.#windowStart = performance.now();
      this.#timer = setTimeout(() => this.#summarise(), this.#intervalMs);
    }
  }

  /** Logs the summaries still pending and stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
    this.#repeats.clear();
  }

  #summarise(): void {
    this.#timer = undefined;
    const quiet = this.#flush();
    for (const message of quiet) this.#repeats.delete(message);
    if (this.#repeats.size > 0) {
      this.#windowStart = performance.now();
      this.#timer = setTimeout(() => this.#summarise(), this.#intervalMs);
    }
  }

  /** Logs one summary per repeated message and resets the counts; returns the messages without repeats. */
  #flush(): string[] {
    const seconds = Math.max(1, Math.round((performance.now() - this.#windowStart) / 1000));
    const quiet: string[] = [];
    for (const [message, count] of this.#repeats) {
      if (count === 0) {
        quiet.push(message);
        continue;
      }
      this.#reporter.repeated(message, count, seconds);
      this.#repeats.set(message, 0);
    }
    return quiet;
  }
}
