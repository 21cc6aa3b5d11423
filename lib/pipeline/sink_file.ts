/**
 * The `file:PATH` and `stdout` sinks: JSON lines appended to a file (flushed to disk before a write is
 * acknowledged) or written to standard output.
 *
 * @module
 */
import { writeAll } from "./state.ts";
import type { Sink } from "./types.ts";

const encoder = new TextEncoder();

/** Encodes lines as newline-terminated UTF-8. */
export function encodeLines(lines: readonly string[]): Uint8Array {
  return encoder.encode(lines.join("\n") + "\n");
}

/**
 * Appends JSON lines to a file; a write resolves after `fsync`, so an acknowledged event survives a crash.
 *
 * @example
 * ```ts
 * import { FileSink } from "./sink_file.ts";
 * const path = await Deno.makeTempFile();
 * const sink = await FileSink.open(path);
 * await sink.write(['{"event":"user.login"}']);
 * await sink.close();
 * ```
 */
export class FileSink implements Sink {
  readonly description: string;
  readonly #file: Deno.FsFile;

  private constructor(path: string, file: Deno.FsFile) {
    this.description = `file:${path}`;
    this.#file = file;
  }

  /** Opens (creating if needed) `path` for appending. */
  static async open(path: string): Promise<FileSink> {
    try {
      return new FileSink(path, await Deno.open(path, { append: true, create: true }));
    } catch (error) {
      throw new Error(`file sink ${path}: ${(error as Error).message}`);
    }
  }

  /** Appends and flushes the lines to disk. */
  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await writeAll(this.#file, encodeLines(lines));
    await this.#file.sync();
  }

  /** Closes the file. */
  close(): Promise<void> {
    this.#file.close();
    return Promise.resolve();
  }
}

/** Writes JSON lines to standard output (or another byte stream). */
export class StdoutSink implements Sink {
  readonly description: string;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  /**
   * Writes to `stream`.
   *
   * @param stream Where to write (default `Deno.stdout.writable`).
   * @param description Name for logs.
   */
  constructor(stream: WritableStream<Uint8Array> = Deno.stdout.writable, description = "stdout") {
    this.#writer = stream.getWriter();
    this.description = description;
  }

  /** Writes the lines; resolves once the stream accepted them. */
  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.#writer.ready;
    await this.#writer.write(encodeLines(lines));
  }

  /** Releases the stream without closing it (stdout stays usable for the program). */
  close(): Promise<void> {
    this.#writer.releaseLock();
    return Promise.resolve();
  }
}
