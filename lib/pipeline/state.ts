/**
 * Durable small state (a source position) in a state directory. Every save is atomic: the value is written
 * to a temporary file, flushed to disk, then renamed over the old file, so a crash at any moment leaves either
 * the old or the new value, never a torn one.
 *
 * @module
 */

/** A JSON value kept in one file, saved atomically. */
export class StateFile<T> {
  /** The file's path. */
  readonly path: string;
  #counter = 0;

  /**
   * Keeps the value in `path`.
   *
   * @param path File to keep the value in; its directory is created on the first save.
   */
  constructor(path: string) {
    this.path = path;
  }

  /** The saved value, or `undefined` when nothing was saved yet. Throws if the file is not valid JSON. */
  async load(): Promise<T | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new Error(`state file ${this.path} is not valid JSON: ${(error as Error).message}`);
    }
  }

  /** Replaces the saved value atomically and durably. */
  async save(value: T): Promise<void> {
    const dir = this.path.slice(0, Math.max(this.path.lastIndexOf("/"), 0)) || ".";
    await Deno.mkdir(dir, { recursive: true });
    const temp = `${this.path}.${Deno.pid}.${this.#counter++}.tmp`;
    const file = await Deno.open(temp, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, new TextEncoder().encode(JSON.stringify(value) + "\n"));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, this.path);
  }
}

/** Writes every byte of `data` (a single `write` may write fewer). */
export async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await file.write(data.subarray(written));
}
