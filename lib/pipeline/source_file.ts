/**
 * The `file:PATH` source: Teleport's file audit log, either the directory holding its dated `*.log` JSON-lines
 * files, read in name order (Teleport names them by date, so name order is time order; symbolic links such as
 * Teleport's `events.log` are skipped), or one file. Reads from the start or from the saved position, then
 * follows new lines and new files by polling (a poll costs one `read` and, at the end of a file, one `stat`
 * and one directory listing, so it needs no file-system watcher).
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { LineSplitter } from "./lines.ts";
import { logger } from "../log.ts";
import { abortableDelay } from "./retry.ts";
import { StateFile } from "./state.ts";
import type { Source, SourceRecord } from "./types.ts";

const log = logger("pipeline", "file");

/** A position in a file audit log: resume at byte `offset` of `file` (a name inside the directory). */
export interface FilePosition {
  /** File name (not a path): the base name of the file, relative to the source's directory. */
  readonly file: string;
  /** Byte offset just past the last delivered line. */
  readonly offset: number;
  /**
   * Single-file sources only: the file's inode, so that a file replaced under the same name (rotation by
   * rename) is recognised and read from its start.
   */
  readonly inode?: number;
}

/** What is saved in the state directory. */
interface SavedFilePosition extends FilePosition {
  /** The source's absolute path, to refuse a state directory that belongs to another source. */
  readonly source: string;
}

/** Options of {@linkcode FileSource}. */
export interface FileSourceOptions {
  /** The directory of `*.log` files, or one file. */
  path: string;
  /** Directory where the position is saved; without it, reading always starts at the beginning. */
  stateDir?: string;
  /** Keep waiting for new lines and files at the end (default `true`); `false` ends at the current end. */
  follow?: boolean;
  /** How often to look for new data while following, in milliseconds. Default 250. */
  pollIntervalMs?: number;
  /** Bytes read per system call (records of one read form one chunk). Default 1 MiB. */
  readSize?: number;
}

/** The name of the position file inside the state directory. */
export const FILE_POSITION_STATE = "file-source-position.json";

/**
 * Reads a Teleport file audit log. A partial last line is never emitted until its newline arrives (in a
 * directory it is emitted as is once a newer file exists, since the old file will not grow any more).
 *
 * @example
 * ```ts
 * import { FileSource } from "./source_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/2026-01-01.log`, '{"event":"user.login"}\n');
 * const source = await FileSource.open({ path: dir, follow: false });
 * for await (const chunk of source.records(new AbortController().signal)) console.log(chunk.length);
 * await source.close();
 * ```
 */
export class FileSource implements Source<FilePosition> {
  readonly description: string;
  readonly #path: string;
  readonly #isDirectory: boolean;
  readonly #state: StateFile<SavedFilePosition> | undefined;
  readonly #follow: boolean;
  readonly #pollIntervalMs: number;
  readonly #readSize: number;
  readonly #start: FilePosition | undefined;
  #pendingSave: FilePosition | undefined;
  #saving: Promise<void> | undefined;

  private constructor(
    path: string,
    isDirectory: boolean,
    state: StateFile<SavedFilePosition> | undefined,
    start: FilePosition | undefined,
    options: FileSourceOptions,
  ) {
    this.#path = path;
    this.#isDirectory = isDirectory;
    this.#state = state;
    this.#start = start;
    this.#follow = options.follow ?? true;
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#readSize = options.readSize ?? 1024 * 1024;
    this.description = `file:${path}`;
  }

  /** Checks the path and loads the saved position. */
  static async open(options: FileSourceOptions): Promise<FileSource> {
    let path: string;
    let info: Deno.FileInfo;
    try {
      // Not the real path: a symbolic link (e.g. to the current log file) must be followed anew after rotation.
      path = resolve(options.path);
      info = await Deno.stat(path);
    } catch (error) {
      throw new Error(`file source ${options.path}: ${(error as Error).message}`);
    }
    const state = options.stateDir === undefined
      ? undefined
      : new StateFile<SavedFilePosition>(`${options.stateDir}/${FILE_POSITION_STATE}`);
    const saved = await state?.load();
    if (saved && saved.source !== path) {
      throw new Error(
        `state directory ${options.stateDir} holds the position of file:${saved.source}, not file:${path}; ` +
          `use another state directory`,
      );
    }
    const start = saved ? { file: saved.file, offset: saved.offset, inode: saved.inode } : undefined;
    if (start) log.info("resuming {source} at {file} offset {offset}", { source: path, ...start });
    return new FileSource(path, info.isDirectory, state, start, options);
  }

  /** Records from the start position on; follows the log until `signal` aborts (or to its end without `follow`). */
  async *records(signal: AbortSignal): AsyncGenerator<readonly SourceRecord<FilePosition>[]> {
    let current = await this.#firstFile(signal);
    while (current !== undefined && !signal.aborted) {
      const next: string | undefined = yield* this.#readFile(current.name, current.offset, signal);
      current = next === undefined ? undefined : { name: next, offset: 0 };
    }
  }

  /** The single file's current name and inode (the path may be a link to, or a rotated name of, another file). */
  async #singleFileIdentity(): Promise<{ name: string; inode: number | undefined }> {
    const [real, info] = await Promise.all([Deno.realPath(this.#path), Deno.stat(this.#path)]);
    return { name: basename(real), inode: info.ino ?? undefined };
  }

  /** Saves the position (coalescing: while one save runs, only the newest pending position is saved next). */
  ack(position: FilePosition): Promise<void> {
    if (!this.#state) return Promise.resolve();
    this.#pendingSave = position;
    this.#saving ??= this.#saveLoop();
    return this.#saving;
  }

  /** Waits for the last position save. */
  async close(): Promise<void> {
    await this.#saving;
  }

  async #saveLoop(): Promise<void> {
    try {
      while (this.#pendingSave) {
        const position = this.#pendingSave;
        this.#pendingSave = undefined;
        await this.#state!.save({ source: this.#path, ...position });
      }
    } finally {
      this.#saving = undefined;
    }
  }

  async #firstFile(signal: AbortSignal): Promise<{ name: string; offset: number } | undefined> {
    if (!this.#isDirectory) {
      const { name, inode } = await this.#singleFileIdentity();
      const saved = this.#start;
      const same = saved?.file === name &&
        (saved.inode === undefined || inode === undefined || saved.inode === inode);
      if (saved && !same) {
        log.warn("{path} is no longer the file of the saved position ({file}); reading it from the start", {
          path: this.#path,
          file: saved.file,
        });
      }
      return { name, offset: same ? saved!.offset : 0 };
    }
    for (;;) {
      const files = await this.#listLogFiles();
      const saved = this.#start;
      if (saved && files.includes(saved.file)) return { name: saved.file, offset: saved.offset };
      const first = saved ? files.find((name) => name > saved.file) : files[0];
      if (first !== undefined) {
        if (saved) {
          log.warn("saved file {file} is gone; continuing with {next}", { file: saved.file, next: first });
        }
        return { name: first, offset: 0 };
      }
      if (!this.#follow || !await this.#pause(signal)) return undefined;
    }
  }

  /** Reads one file from `offset`; returns the next file's name to continue with, or `undefined` to stop. */
  async *#readFile(
    name: string,
    offset: number,
    signal: AbortSignal,
  ): AsyncGenerator<readonly SourceRecord<FilePosition>[], string | undefined> {
    const path = this.#isDirectory ? `${this.#path}/${name}` : this.#path;
    const file = await Deno.open(path, { read: true });
    try {
      const inode = this.#isDirectory ? undefined : (await file.stat()).ino ?? undefined;
      const at = (offset: number): FilePosition =>
        inode === undefined ? { file: name, offset } : { file: name, offset, inode };
      if ((await file.stat()).size < offset) {
        log.warn(
          "{path} is shorter than the saved offset {offset}: it was truncated, reading from the start",
          {
            path,
            offset,
          },
        );
        offset = 0;
      }
      await file.seek(offset, Deno.SeekMode.Start);
      let splitter = new LineSplitter(offset);
      const buffer = new Uint8Array(this.#readSize);
      let sawNewerFile = false;
      while (!signal.aborted) {
        const count = await file.read(buffer);
        if (count !== null && count > 0) {
          const lines = splitter.push(buffer.subarray(0, count));
          if (lines.length > 0) {
            yield lines.map((l) => ({ line: l.text, position: at(l.end) }));
          }
          continue;
        }
        const readOffset = splitter.offset + splitter.pendingBytes;
        if ((await file.stat()).size < readOffset) {
          log.warn("{path} was truncated while being read; reading it again from the start", { path });
          await file.seek(0, Deno.SeekMode.Start);
          splitter = new LineSplitter(0);
          continue;
        }
        const newer = this.#isDirectory
          ? (await this.#listLogFiles()).find((other) => other > name)
          : await this.#replacement(inode);
        // Read once more after seeing a newer file: lines appended just before it was created must not be skipped.
        if (newer !== undefined && sawNewerFile) {
          const last = splitter.flush();
          if (last) yield [{ line: last.text, position: at(last.end) }];
          return newer;
        }
        sawNewerFile = newer !== undefined;
        if (sawNewerFile) continue;
        if (!this.#follow) {
          if (splitter.pendingBytes > 0) {
            log.warn("{path} ends with an incomplete line at offset {offset}; it is left for a later run", {
              path,
              offset: splitter.offset,
            });
          }
          return undefined;
        }
        if (!await this.#pause(signal)) return undefined;
      }
      return undefined;
    } finally {
      file.close();
    }
  }

  /** For a single file: the name of the file the path now names, if it is not the one open (`inode`). */
  async #replacement(inode: number | undefined): Promise<string | undefined> {
    if (inode === undefined) return undefined;
    try {
      const current = await this.#singleFileIdentity();
      return current.inode !== undefined && current.inode !== inode ? current.name : undefined;
    } catch {
      return undefined; // Renamed away and not yet re-created: keep waiting.
    }
  }

  async #listLogFiles(): Promise<string[]> {
    const names: string[] = [];
    for await (const entry of Deno.readDir(this.#path)) {
      // Symbolic links are skipped: Teleport keeps one (`events.log`) pointing at the current file, which
      // would otherwise be read twice.
      if (entry.name.endsWith(".log") && entry.isFile) names.push(entry.name);
    }
    // Code-unit order, not locale order: Teleport's date-stamped names must sort the same everywhere.
    return names.sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  }

  /** Sleeps one poll interval; `false` if `signal` aborted meanwhile. */
  async #pause(signal: AbortSignal): Promise<boolean> {
    try {
      await abortableDelay(this.#pollIntervalMs, signal);
      return true;
    } catch {
      return false;
    }
  }
}
