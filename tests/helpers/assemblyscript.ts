/**
 * Test helper: compiles small AssemblyScript sources once per test process and caches the binaries, so
 * several tests can share a plugin without paying for the compiler twice.
 *
 * @module
 */
import { compileAssemblyScript, type CompileTarget } from "../../lib/asc/compiler.ts";

/** What to compile: source files by path (the first is the entry unless `entries` is given). */
export interface TestPluginSource {
  readonly files: Readonly<Record<string, string>>;
  readonly entries?: readonly string[];
  readonly target?: CompileTarget;
  readonly flags?: readonly string[];
}

/**
 * AssemblyScript exports passing a string and a buffer through the host boundary: `echo(s)` returns `s`,
 * `reverse(b)` a new buffer with `b`'s bytes in reverse order.
 */
export const ECHO_AND_REVERSE = `
export function echo(s: string): string { return s; }
export function reverse(b: ArrayBuffer): ArrayBuffer {
  const src = Uint8Array.wrap(b);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[src.length - 1 - i];
  return out.buffer;
}
`;

const cache = new Map<string, Promise<Uint8Array>>();

/**
 * Compiles AssemblyScript held in strings (with `--exportRuntime`) and returns the WebAssembly bytes;
 * identical requests share one compilation.
 *
 * @example
 * ```ts ignore
 * const wasm = await compileTestPlugin({ files: { "index.ts": "export function f(): i32 { return 1; }" } });
 * ```
 */
export function compileTestPlugin(source: TestPluginSource): Promise<Uint8Array> {
  const key = JSON.stringify([source.files, source.entries, source.target, source.flags]);
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compileAssemblyScript({
      entries: source.entries ?? [Object.keys(source.files)[0]],
      files: source.files,
      target: source.target ?? "debug",
      flags: source.flags,
    }).then((result) => result.binary);
    cache.set(key, compiled);
  }
  return compiled;
}

/** Compiles one AssemblyScript module given as a string (entry `index.ts`). */
export function compileSnippet(
  code: string,
  options: Omit<TestPluginSource, "files" | "entries"> = {},
): Promise<Uint8Array> {
  return compileTestPlugin({ files: { "index.ts": code }, ...options });
}
