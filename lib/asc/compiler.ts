/**
 * Compiles AssemblyScript to WebAssembly in-process with the bundled `npm:assemblyscript` compiler.
 *
 * Sources come from an in-memory map first and, when a `baseDir` is given, from disk: plugin projects are
 * compiled from their folder, tests compile snippets held in strings. Nothing is ever written to disk here;
 * callers decide where the binary goes.
 *
 * @module
 */
import asc from "assemblyscript/asc";
import { join, normalize } from "node:path";

/** How to compile: `debug` keeps asserts and emits a source map, `release` optimises. */
export type CompileTarget = "debug" | "release";

/** Options for {@linkcode compileAssemblyScript}. */
export interface CompileOptions {
  /** Entry files, relative to `baseDir` (or keys of `files`). */
  entries: readonly string[];
  /** Virtual source files by relative path; consulted before the disk. */
  files?: Readonly<Record<string, string>>;
  /** Folder to read sources from when they are not in `files`. Omit to compile from memory only. */
  baseDir?: string;
  /** `debug` (asserts, source map, no optimisation) or `release` (`-O3`, no asserts). Default `release`. */
  target?: CompileTarget;
  /** Runtime variant; `incremental` (default) is what plugins use. */
  runtime?: "incremental" | "minimal" | "stub";
  /** Extra asc command-line flags, e.g. `["--initialMemory", "2"]`. */
  flags?: readonly string[];
  /**
   * File name (no folder) the binary will be saved as: a debug build's source-map link names
   * `<binaryName>.map`, so it finds the map saved next to it. Default `module.wasm`.
   */
  binaryName?: string;
}

/** The outcome of a successful compilation. */
export interface CompileResult {
  /** The WebAssembly binary. */
  binary: Uint8Array;
  /** The source map (JSON text) of a debug build. */
  sourceMap?: string;
  /** Warnings the compiler printed (empty when clean). */
  diagnostics: string;
  /** Wall time of the compilation in milliseconds. */
  millis: number;
}

/** Thrown when asc reports errors; `diagnostics` holds its messages with file:line locations. */
export class CompileError extends Error {
  /** The compiler's diagnostics, as it printed them. */
  readonly diagnostics: string;
  /** Builds the error from its summary and the compiler's diagnostics. */
  constructor(message: string, diagnostics: string) {
    super(message);
    this.name = "CompileError";
    this.diagnostics = diagnostics;
  }
}

const decoder = new TextDecoder();

/**
 * Compiles AssemblyScript entries into a WebAssembly binary with the runtime exported (`--exportRuntime`),
 * which the host's memory interop needs.
 *
 * @example Compile a snippet held in memory
 * ```ts
 * import { compileAssemblyScript } from "./compiler.ts";
 * const { binary } = await compileAssemblyScript({
 *   entries: ["main.ts"],
 *   files: { "main.ts": "export function add(a: i32, b: i32): i32 { return a + b; }" },
 * });
 * const { exports } = await WebAssembly.instantiate(binary, { env: { abort() {} } });
 * ```
 */
export async function compileAssemblyScript(options: CompileOptions): Promise<CompileResult> {
  const target = options.target ?? "release";
  const outFile = options.binaryName ?? "module.wasm";
  if (outFile.includes("/") || outFile.includes("\\")) {
    throw new TypeError(`binaryName must be a file name without a folder, not '${outFile}'`);
  }
  const outputs = new Map<string, Uint8Array | string>();
  const argv = [
    ...options.entries,
    "--outFile",
    outFile,
    "--exportRuntime",
    "--runtime",
    options.runtime ?? "incremental",
    ...(target === "debug" ? ["--debug", "--sourceMap"] : ["-O3", "--noAssert"]),
    ...(options.flags ?? []),
  ];
  const files = options.files ?? {};
  let stderr = "";
  const started = performance.now();
  const { error } = await asc.main(argv, {
    stdout: { write: () => true } as unknown as asc.OutputStream,
    stderr: {
      write(chunk: Uint8Array | string) {
        stderr += typeof chunk === "string" ? chunk : decoder.decode(chunk);
        return true;
      },
    } as unknown as asc.OutputStream,
    readFile: async (name, baseDir) => {
      const key = normalize(join(baseDir, name)).replace(/^\.\//, "");
      if (key in files) return files[key];
      if (name in files) return files[name];
      if (options.baseDir === undefined) return null;
      try {
        return await Deno.readTextFile(join(options.baseDir, baseDir, name));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) return null;
        throw e;
      }
    },
    writeFile: (name, contents) => {
      outputs.set(name, contents);
    },
    listFiles: async (dirname, baseDir) => {
      if (options.baseDir === undefined) return [];
      const names: string[] = [];
      try {
        for await (const entry of Deno.readDir(join(options.baseDir, baseDir, dirname))) {
          if (entry.isFile && entry.name.endsWith(".ts")) names.push(entry.name);
        }
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return null;
        throw e;
      }
      return names;
    },
  });
  const millis = performance.now() - started;
  if (error) {
    const diagnostics = stderr.trim();
    throw new CompileError(
      `AssemblyScript compilation of ${options.entries.join(", ")} failed: ${error.message}`,
      diagnostics,
    );
  }
  const binary = outputs.get(outFile);
  if (!(binary instanceof Uint8Array)) {
    throw new CompileError("AssemblyScript produced no binary", stderr.trim());
  }
  const map = outputs.get(outFile + ".map");
  return {
    binary,
    sourceMap: map === undefined ? undefined : typeof map === "string" ? map : decoder.decode(map),
    diagnostics: stderr.trim(),
    millis,
  };
}
