/**
 * Errors the pool reports. A call failure names the export it concerns; the pool replaces the instance
 * that failed before another call can use it.
 *
 * @module
 */

/** Invalid pool options, e.g. a concurrency of 0 or two traits providing the same host function. */
export class PoolOptionsError extends Error {
  /** Creates the error with a message naming the bad option. */
  constructor(message: string) {
    super(message);
    this.name = "PoolOptionsError";
  }
}

/**
 * The plugin cannot be used with the given traits: invalid WebAssembly, a missing or mistyped export or
 * import, missing AssemblyScript runtime exports, or an instance that fails to start.
 */
export class PluginLoadError extends Error {
  /** Creates the error; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PluginLoadError";
  }
}

/** Base of the errors that fail a single plugin call. */
export class PluginCallError extends Error {
  /** The export that was called. */
  readonly exportName: string;
  /** Creates the error for a call of `exportName`. */
  constructor(exportName: string, message: string) {
    super(message);
    this.name = "PluginCallError";
    this.exportName = exportName;
  }
}

/** A call ran longer than the pool's timeout; its worker was terminated. */
export class TimeoutError extends PluginCallError {
  /** The limit in milliseconds. */
  readonly timeoutMs: number;
  /** Creates the error for `exportName` and the limit it exceeded. */
  constructor(exportName: string, timeoutMs: number) {
    super(exportName, `${exportName} timed out after ${timeoutMs} ms; its instance was terminated`);
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** The plugin called AssemblyScript's `abort()` (a failed `assert`, an explicit abort, ...). */
export class PluginAbortError extends PluginCallError {
  /** The abort message (empty when the plugin gave none). */
  readonly abortMessage: string;
  /** Source file, line and column of the abort; `file` is empty when unknown. */
  readonly file: string;
  /** Line of the abort (1-based). */
  readonly line: number;
  /** Column of the abort (1-based). */
  readonly column: number;
  /**
   * WebAssembly frames that called `abort`, innermost first, e.g. `assembly/index/handleEvent
   * (wasm-function[3]:0x1a2)`: for an abort raised inside the standard library they lead to the plugin's code.
   */
  readonly wasmStack: readonly string[];
  /** Creates the error from the arguments the plugin passed to `abort` and the frames that called it. */
  constructor(
    exportName: string,
    abortMessage: string,
    file: string,
    line: number,
    column: number,
    wasmStack: readonly string[] = [],
  ) {
    const where = file ? ` at ${file}:${line}:${column}` : "";
    // Raised inside AssemblyScript's standard library: also name the plugin's frame that led there, when the
    // module has a name section.
    const caller = file.startsWith("~lib/")
      ? wasmStack.find((frame) => !frame.startsWith("~lib/") && !frame.startsWith("<anonymous>"))
      : undefined;
    super(
      exportName,
      `${exportName} aborted: ${abortMessage || "(no message)"}${where}${
        caller ? `, called from ${caller}` : ""
      }`,
    );
    this.name = "PluginAbortError";
    this.abortMessage = abortMessage;
    this.file = file;
    this.line = line;
    this.column = column;
    this.wasmStack = wasmStack;
  }
}

/** The plugin trapped (unreachable, out-of-bounds access, stack overflow, ...). */
export class PluginTrapError extends PluginCallError {
  /** The engine's trap message, e.g. `unreachable`. */
  readonly trap: string;
  /** WebAssembly frames, innermost first, e.g. `m/handleEvent (wasm-function[3]:0x1a2)`. */
  readonly wasmStack: readonly string[];
  /** Creates the error from the trap message and the WebAssembly frames. */
  constructor(exportName: string, trap: string, wasmStack: readonly string[]) {
    const where = wasmStack.length > 0 ? ` at ${wasmStack[0]}` : "";
    super(exportName, `${exportName} trapped: ${trap}${where}`);
    this.name = "PluginTrapError";
    this.trap = trap;
    this.wasmStack = wasmStack;
  }
}

/**
 * An adapter export (JavaScript a trait runs in the worker around the plugin) failed by itself: it threw, or
 * returned a value of the wrong type. The plugin did nothing wrong, so its instance is kept.
 */
export class AdapterError extends PluginCallError {
  /** Creates the error with the adapter's message. */
  constructor(exportName: string, message: string) {
    super(exportName, `adapter export ${exportName} failed: ${message}`);
    this.name = "AdapterError";
  }
}

/** The plugin needed more memory than the pool's memory limit. */
export class MemoryLimitError extends PluginCallError {
  /** The limit in bytes. */
  readonly limitBytes: number;
  /** Creates the error for `exportName` and the limit in bytes. */
  constructor(exportName: string, limitBytes: number) {
    super(
      exportName,
      `${exportName} failed: memory limit ${limitBytes} bytes (${limitBytes / 65536} pages) exceeded`,
    );
    this.name = "MemoryLimitError";
    this.limitBytes = limitBytes;
  }
}

/** The worker running the call died (out of memory, engine crash). */
export class WorkerCrashError extends PluginCallError {
  /** Creates the error with the reason the worker reported. */
  constructor(exportName: string, reason: string) {
    super(exportName, `${exportName} failed: its instance crashed: ${reason}`);
    this.name = "WorkerCrashError";
  }
}

/** The call's arguments or result do not fit the declared types. */
export class MarshallingError extends PluginCallError {
  /** Creates the error with what did not fit. */
  constructor(exportName: string, message: string) {
    super(exportName, `${exportName}: ${message}`);
    this.name = "MarshallingError";
  }
}

/** The pool was closed before or while the call waited. */
export class PoolClosedError extends Error {
  /** Creates the error. */
  constructor() {
    super("the execution context pool is closed");
    this.name = "PoolClosedError";
  }
}
