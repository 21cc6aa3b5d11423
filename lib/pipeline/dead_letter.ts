/**
 * The dead-letter file: JSON lines keeping every event the pipeline could not forward as it should (a
 * malformed input line, or an event whose processing failed under the `dead-letter` policy), with the reason,
 * the source position and the time, so nothing is lost silently and an operator can replay them.
 *
 * @module
 */
import { encodeLines } from "./sink_file.ts";
import { writeAll } from "./state.ts";

/** One dead-lettered event, as written (one JSON object per line). */
export interface DeadLetterEntry {
  /** When it was dead-lettered (RFC 3339). */
  time: string;
  /** Why: the input was not a JSON object, or processing the event failed. */
  reason: "malformed" | "processor-error";
  /** The error message. */
  error: string;
  /** The source position just past the event (e.g. `{ file, offset }`). */
  position: unknown;
  /** The event's line exactly as read. */
  line: string;
}

/**
 * An append-only JSON-lines file; `write` resolves after `fsync`.
 *
 * @example
 * ```ts
 * import { DeadLetterFile } from "./dead_letter.ts";
 * const file = await DeadLetterFile.open(await Deno.makeTempFile());
 * await file.write([{ time: new Date().toISOString(), reason: "malformed", error: "not JSON", position: null, line: "x" }]);
 * await file.close();
 * ```
 */
export class DeadLetterFile {
  /** The file's path. */
  readonly path: string;
  readonly #file: Deno.FsFile;

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /** Opens (creating if needed) `path` for appending. */
  static async open(path: string): Promise<DeadLetterFile> {
    try {
      return new DeadLetterFile(path, await Deno.open(path, { append: true, create: true }));
    } catch (error) {
      throw new Error(`dead-letter file ${path}: ${(error as Error).message}`);
    }
  }

  /** Appends the entries and flushes them to disk. */
  async write(entries: readonly DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await writeAll(this.#file, encodeLines(entries.map((entry) => JSON.stringify(entry))));
    await this.#file.sync();
  }

  /** Closes the file. */
  close(): Promise<void> {
    this.#file.close();
    return Promise.resolve();
  }
}
