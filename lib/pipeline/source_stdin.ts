/**
 * The `stdin` source: JSON lines on standard input (or any byte stream). Nothing can be re-read from a pipe,
 * so positions are line numbers for logs and dead letters only, and acknowledgements have nothing to persist.
 *
 * @module
 */
import { LineSplitter } from "./lines.ts";
import type { Source, SourceRecord } from "./types.ts";

/** A position in a line stream. */
export interface LinePosition {
  /** 1-based number of the line among the non-blank lines read. */
  readonly line: number;
}

/**
 * Reads JSON lines from a byte stream, by default `Deno.stdin.readable`.
 *
 * @example
 * ```ts
 * import { StreamSource } from "./source_stdin.ts";
 * const source = new StreamSource(new Blob(['{"a":1}\n']).stream(), "example");
 * for await (const chunk of source.records(new AbortController().signal)) console.log(chunk[0].line);
 * ```
 */
export class StreamSource implements Source<LinePosition> {
  readonly description: string;
  readonly #stream: ReadableStream<Uint8Array>;

  /**
   * Reads from `stream`.
   *
   * @param stream Bytes to read.
   * @param description Name for logs (default `stdin`).
   */
  constructor(stream: ReadableStream<Uint8Array> = Deno.stdin.readable, description = "stdin") {
    this.#stream = stream;
    this.description = description;
  }

  /** Records until the stream ends or `signal` aborts; a last line without a newline is emitted at the end. */
  async *records(signal: AbortSignal): AsyncGenerator<readonly SourceRecord<LinePosition>[]> {
    const reader = this.#stream.getReader();
    const cancel = () => reader.cancel().catch(() => {});
    signal.addEventListener("abort", cancel, { once: true });
    const splitter = new LineSplitter();
    let count = 0;
    const toRecords = (texts: string[]) => texts.map((line) => ({ line, position: { line: ++count } }));
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || signal.aborted) break;
        const lines = splitter.push(value);
        if (lines.length > 0) yield toRecords(lines.map((l) => l.text));
      }
      // A stream that ended will not grow: its unterminated last line is complete.
      const last = signal.aborted ? undefined : splitter.flush();
      if (last) yield toRecords([last.text]);
    } finally {
      signal.removeEventListener("abort", cancel);
      reader.releaseLock();
    }
  }

  /** Nothing to persist. */
  ack(_position: LinePosition): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
